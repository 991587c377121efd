"""The severity vocabulary: the four grades a rule gives its violation, gravest first.

Defined here once; the ruleset model, the evaluator's ordering, every report format, the fix
planner, the CLI's ``--fail-on`` and the API's schemas read it from this module.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from enum import StrEnum
from typing import Literal

#: A severity, as rulesets and reports write it.
Severity = Literal["critical", "high", "medium", "low"]

#: Every severity, gravest first.
SEVERITIES: tuple[str, ...] = typing.get_args(Severity)

#: The rank of each severity: 0 is the gravest.
SEVERITY_RANK: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}

#: The rank that no severity has: "no violation" sorts after the mildest.
NO_SEVERITY_RANK = len(SEVERITIES)

#: The severities as an enum named ``Severity``, for command-line choices and query parameters.
SeverityChoice = StrEnum("Severity", [(s, s) for s in SEVERITIES])


def gravest(severities: Iterable[str]) -> str | None:
    """The gravest of ``severities`` (``None`` when there is none)."""
    return min(severities, key=SEVERITY_RANK.__getitem__, default=None)


def per_severity(values: Iterable[object]) -> dict[str, object]:
    """``values`` given in severity order (gravest first), keyed by severity."""
    return dict(zip(SEVERITIES, values, strict=True))


__all__ = [
    "NO_SEVERITY_RANK",
    "SEVERITIES",
    "SEVERITY_RANK",
    "Severity",
    "SeverityChoice",
    "gravest",
    "per_severity",
]
