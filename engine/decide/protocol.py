"""What a decider is: checks in, one :class:`Decision` per subject out.

The evaluator, the durable_rules backend (:mod:`engine.decide.durable`), the independent reference
evaluator (:mod:`engine.decide.reference`) and the benchmark's engines all speak this protocol; none
of them imports it from another implementation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from engine.facts.registry import Subject
from engine.law.conditions import Condition


class EngineError(RuntimeError):
    """durable_rules could not evaluate a product (never read as "compliant")."""


@dataclass(frozen=True)
class Check:
    """Something to decide per subject: a rule's condition, or an instrument's scope."""

    key: str  # rule id, or "scope:<instrument id>"
    kind: str  # subject kind whose facts it is tested on
    condition: Condition


@dataclass
class Decision:
    """The checks that hold (``true``) and those that may hold (``unknown``) on one subject."""

    true: set[str]
    unknown: set[str]


class Decider(Protocol):
    """Decides every check on every subject (three-valued: true, unknown, or neither = false)."""

    def decide(self, subjects: list[Subject]) -> list[Decision]: ...
