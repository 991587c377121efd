"""The one diagnostic type of ``regulint lint``: file, line, level, code and message."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    level: str  # error | warning
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.level}: [{self.code}] {self.message}"
