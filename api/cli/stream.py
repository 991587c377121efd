"""``regulint check`` output written as the files' parts arrive, for the formats whose whole is the
parts joined (JSON, JSON lines, the table, GitHub annotations): a run over 10,000 files no longer
holds every part until the end (3,000 seed reports as JSON held 2 GB, and touching that memory
was a fifth of the run's time). What it writes is exactly what joining the parts wrote.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

import typer

from api.cli.common import err

#: format -> (opening, separator, closing) of more than one file's parts
FRAMES = {
    "json": ("[\n", ",\n", "\n]"),
    "json-lines": ("", "\n", ""),
    "table": ("", "", ""),
    "github": ("", "\n", ""),
}


class PartWriter:
    """Writes parts to ``path`` (None: standard output), opened at the first part, so a run with
    nothing to show writes nothing. A file ends with a newline; standard output with exactly one,
    as ``typer.echo(text.rstrip("\\n"))`` wrote it."""

    def __init__(self, fmt: str, n_files: int, path: Path | None, option: str = "--output"):
        self.opening, self.separator, self.closing = ("", "", "") if n_files == 1 else FRAMES[fmt]
        self.skip_empty = fmt == "github"
        self.path, self.option = path, option
        self.parts = 0
        self._out: IO[str] | None = None
        self._held = ""  # the newlines at the end of what is written so far, not yet written

    def add(self, part: str) -> None:
        if self.skip_empty and not part:
            return
        self._write((self.opening if self.parts == 0 else self.separator) + part)
        self.parts += 1

    def close(self, footer: str | None = None) -> None:
        """Write the closing (and ``footer`` on its own line) and the final newline."""
        if footer is not None:
            self._write(("\n" if self.parts else "") + footer)
        elif self.parts:
            self._write(self.closing)
        if self._out is None:
            return
        if self.path is None:
            self._out.write("\n")
            self._out.flush()
        else:
            self._out.write(self._held or "\n")
            self._finish(self._out.close)

    def _write(self, text: str) -> None:
        if self._out is None:
            self._out = self._open()
        body = text.rstrip("\n")
        if body:
            self._finish(lambda: self._out.write(self._held + body))  # type: ignore[union-attr]
            self._held = text[len(body) :]
        else:
            self._held += text

    def _open(self) -> IO[str]:
        if self.path is None:
            return sys.stdout
        try:
            return self.path.open("w", encoding="utf-8")
        except OSError as exc:
            err(f"{self.option} {self.path}: cannot write: {exc.strerror or exc}")
            raise typer.Exit(2) from None

    def _finish(self, step: Callable[[], object]) -> None:
        try:
            step()
        except OSError as exc:
            err(f"{self.option} {self.path or '-'}: cannot write: {exc.strerror or exc}")
            raise typer.Exit(2) from None
