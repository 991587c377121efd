"""The one diagnostic type of ``regulint lint`` and its code registry (ruff-style).

Every code is a member of :class:`Code`, declared once with its level and a one-line description;
:mod:`engine.analysis.lint` and :mod:`engine.analysis.static_checks` construct :class:`Diagnostic` with
these members only (a code is never a bare string), the
docs table (``docs/lint-codes.md``) is :func:`codes_markdown`, and ``regulint lint --format json`` prints
:meth:`Diagnostic.to_json`, whose shape is :data:`LINT_JSON_SCHEMA`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from engine.core.spans import Located, LocatedError, Span

Level = Literal["error", "warning"]


class Code(StrEnum):
    """Every diagnostic code, declared once: its name (``example-invalid``, equal to the string), level
    and what it means in one line."""

    level: Level
    summary: str

    def __new__(cls, name: str, level: Level, summary: str) -> Code:
        code = str.__new__(cls, name)
        code._value_ = name
        code.level, code.summary = level, summary
        return code

    # the load
    INVALID = "invalid", "error", "A ruleset, parameter or tier file does not load (YAML or schema); nothing else is checked."  # fmt: skip
    # dates (engine.analysis.lint)
    DATE_BEFORE_INSTRUMENT = "date-before-instrument", "warning", "A rule takes effect before its instrument is in force; the later date is used."  # fmt: skip
    # examples (engine.analysis.lint)
    EXAMPLE_INVALID = "example-invalid", "error", "A rule's example is not a valid product description."  # fmt: skip
    EXAMPLE_NOT_VIOLATING = "example-not-violating", "error", "A violating example does not violate its rule (out of scope, undecided or not fired)."  # fmt: skip
    EXAMPLE_VIOLATING = "example-violating", "error", "A compliant example violates its rule."  # fmt: skip
    EXAMPLE_UNDECIDED = "example-undecided", "error", "A compliant example leaves its rule undecided (insufficient information)."  # fmt: skip
    EXAMPLE_OUT_OF_SCOPE = "example-out-of-scope", "error", "A compliant example is outside the instrument's scope, so it tests nothing."  # fmt: skip
    # conditions (engine.analysis.static_checks, z3)
    CONDITION_UNSATISFIABLE = "condition-unsatisfiable", "error", "A rule's condition can never hold; the message names the conflicting atoms."  # fmt: skip
    CONDITION_OUT_OF_SCOPE = "condition-out-of-scope", "error", "A rule's condition can hold, but never where its instrument applies."  # fmt: skip
    CONDITION_VERSION_NEVER_HOLDS = "condition-version-never-holds", "warning", "A version of a rule before its latest (a dated parameter's value, an exception then in force) can never hold where its instrument applies."  # fmt: skip
    CONDITION_DEAD_BRANCH = "condition-dead-branch", "warning", "A part of a condition can never hold where it stands."  # fmt: skip
    RULE_SUBSUMED = "rule-subsumed", "warning", "Every product violating a rule also violates another with the same citation and subject."  # fmt: skip
    MARKET_REFERENCE = "market-reference", "warning", "A rule tests product.markets for a place outside its jurisdiction (market isolation)."  # fmt: skip
    # tiers and sources (engine.analysis.static_checks)
    PENALTY_TIER_UNUSED = "penalty-tier-unused", "warning", "An instrument defines a penalty tier no rule uses."  # fmt: skip
    SOURCE_MISSING = "source-missing", "error", "A penalty tier (or its version) has no source: link the official text."  # fmt: skip
    SOURCE_NOT_OFFICIAL = "source-not-official", "error", "A source is not on an official site; commentary and translations go under references."  # fmt: skip


@dataclass(frozen=True)
class Diagnostic(Located):
    """One finding of ``regulint lint``: where, which code (its level comes with it) and what."""

    span: Span
    code: Code
    message: str

    @classmethod
    def of_error(cls, exc: LocatedError, code: Code = Code.INVALID) -> Diagnostic:
        """The diagnostic for an error that stopped a load."""
        return cls(exc.span, code, exc.message)

    @property
    def level(self) -> Level:
        return self.code.level

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.level}: [{self.code}] {self.message}"

    def to_json(self) -> dict[str, Any]:
        """The diagnostic as ``regulint lint --format json`` prints it (:data:`LINT_JSON_SCHEMA`)."""
        return {
            "file": self.file,
            "line": self.line,
            "level": self.level,
            "code": self.code.value,
            "message": self.message,
        }


#: The JSON Schema of ``regulint lint --format json``: a list of diagnostics.
LINT_JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "regulint lint diagnostics",
    "type": "array",
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["file", "line", "level", "code", "message"],
        "properties": {
            "file": {"type": "string", "description": "The file the diagnostic is about."},
            "line": {"type": "integer", "minimum": 1, "description": "1-based line in that file."},
            "level": {"enum": ["error", "warning"], "description": "The code's level."},
            "code": {"enum": [c.value for c in Code], "description": "A code of docs/lint-codes.md."},
            "message": {"type": "string"},
        },
    },
}


def codes_markdown() -> str:
    """The code table of ``docs/lint-codes.md``."""
    rows = [f"| `{c.value}` | {c.level} | {c.summary} |" for c in Code]
    return "\n".join(["| code | level | meaning |", "|---|---|---|", *rows]) + "\n"
