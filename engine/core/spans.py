"""Where something was written — :class:`Span` (file, line, column), :class:`Located` (what has one) and :class:`LocatedError`, the
one shape of every error that stops a load at a place in a file (``file:line: message``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self


@dataclass(frozen=True, slots=True)
class Span:
    """Where a value was written: file, 1-based line and 1-based column."""

    file: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class Located:
    """Something written at a place: its ``file`` and ``line`` are those of its ``span``."""

    span: Span

    @property
    def file(self) -> str:
        return self.span.file

    @property
    def line(self) -> int:
        return self.span.line


class LocatedError(ValueError):
    """A file that cannot be used, with the line where it fails: ``file:line: message``."""

    def __init__(self, file: str, line: int, message: str):
        self.file, self.line, self.message = file, line, message
        super().__init__(f"{file}:{line}: {message}")

    @classmethod
    def at(cls, span: Span, message: str) -> Self:
        """The error at ``span`` (where the offending value was written)."""
        return cls(span.file, span.line, message)

    @property
    def span(self) -> Span:
        return Span(self.file, self.line)
