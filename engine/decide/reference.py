"""An independent evaluator of rule conditions, in plain Python. Tests and benchmarks only.

The shipped path decides with durable_rules (:mod:`engine.decide.durable`). This module decides
the same conditions a second way — directly on the fact dictionaries, with Kleene's
three-valued logic — so the differential tests can hold the two equal, rule for rule.
It shares nothing with the durable compiler but the parsed conditions and the facts.
"""

from __future__ import annotations

from typing import Any

from engine.decide.protocol import Check, Decision
from engine.facts.registry import Subject
from engine.law.conditions import All, AnyOf, Atom, Condition, Not

UNKNOWN = None  # the third truth value


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return a == b


def _atom(atom: Atom, facts: dict[str, Any]) -> bool | None:
    known = atom.fact in facts
    if atom.op == "exists":
        return known
    if atom.op == "missing":
        return not known
    if not known:
        return UNKNOWN
    v, x = facts[atom.fact], atom.value
    match atom.op:
        case "eq":
            out = _same(v, x)
        case "ne":
            out = not _same(v, x)
        case "in":
            out = any(_same(v, y) for y in x)
        case "not_in":
            out = all(not _same(v, y) for y in x)
        case "lt":
            out = v is not None and v < x
        case "lte":
            out = v is not None and v <= x
        case "gt":
            out = v is not None and v > x
        case "gte":
            out = v is not None and v >= x
        case "contains":
            out = x in v
        case "contains_any":
            out = bool(set(v) & set(x))
        case "contains_none":
            out = not set(v) & set(x)
        case _:
            raise ValueError(atom.op)
    return (not out) if atom.negated else out


def truth(cond: Condition, facts: dict[str, Any]) -> bool | None:
    """Kleene three-valued truth of a condition on one fact."""
    if isinstance(cond, Atom):
        return _atom(cond, facts)
    if isinstance(cond, Not):
        inner = truth(cond.item, facts)
        return UNKNOWN if inner is UNKNOWN else not inner
    values = [truth(c, facts) for c in cond.items]
    if isinstance(cond, All):
        if any(v is False for v in values):
            return False
        return True if all(v is True for v in values) else UNKNOWN
    if isinstance(cond, AnyOf):
        if any(v is True for v in values):
            return True
        return False if all(v is False for v in values) else UNKNOWN
    raise TypeError(cond)


class ReferenceEngine:
    """Same interface as :class:`engine.decide.durable.DurableEngine`."""

    def __init__(self, checks: list[Check]):
        self._by_kind: dict[str, list[Check]] = {}
        for check in checks:
            self._by_kind.setdefault(check.kind, []).append(check)

    def decide(self, subjects: list[Subject]) -> list[Decision]:
        out = []
        for subject in subjects:
            true, unknown = set(), set()
            for check in self._by_kind.get(subject.kind, ()):
                t = truth(check.condition, subject.facts)
                if t is True:
                    true.add(check.key)
                elif t is UNKNOWN:
                    unknown.add(check.key)
            out.append(Decision(true, unknown))
        return out
