"""The reference evaluator compiled to plain Python closures: the practical speed limit.

Each check's condition is put in negation normal form and compiled once into nested
closures that return ``True``, ``False`` or ``None`` (unknown), with the same Kleene
three-valued semantics as :mod:`engine.decide.reference` (which interprets the condition tree on
every call). :class:`ClosureEngine` has the ``decide`` interface of the durable engine, so it
can stand in for it inside :class:`engine.evaluate.evaluator.Evaluator`. Before any timing, the bench
holds it equal to :class:`engine.decide.reference.ReferenceEngine` on every benchmark product.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.decide.protocol import Check, Decision
from engine.facts.registry import Subject
from engine.law.conditions import NUMERIC_OPS, All, AnyOf, Atom, Condition, to_nnf

Fn = Callable[[dict[str, Any]], bool | None]
_ABSENT = object()


def _same_test(x: Any) -> Callable[[Any], bool]:
    """``v`` equals ``x`` as the reference evaluator reads it (null only equals null, bool is no number)."""
    if x is None:
        return lambda v: v is None
    if isinstance(x, bool):
        return lambda v: v is x
    if isinstance(x, int | float):
        return lambda v: v == x and v.__class__ is not bool and v is not None
    return lambda v: v == x


def _member_test(xs: tuple[Any, ...]) -> Callable[[Any], bool]:
    if all(isinstance(x, str) for x in xs):
        members = frozenset(xs)
        return lambda v: isinstance(v, str) and v in members
    tests = [_same_test(x) for x in xs]
    return lambda v: any(t(v) for t in tests)


def _numeric(op: str, x: Any) -> Callable[[Any], bool]:
    if op == "lt":
        return lambda v: v is not None and v < x
    if op == "lte":
        return lambda v: v is not None and v <= x
    if op == "gt":
        return lambda v: v is not None and v > x
    return lambda v: v is not None and v >= x


def compile_atom(atom: Atom) -> Fn:
    path, op, x = atom.fact, atom.op, atom.value
    if op == "exists":
        return lambda facts: path in facts
    if op == "missing":
        return lambda facts: path not in facts
    test: Callable[[Any], bool]
    if op in ("eq", "ne"):
        test = _same_test(x)
        negate = op == "ne"
    elif op in ("in", "not_in"):
        test = _member_test(x)
        negate = op == "not_in"
    elif op in NUMERIC_OPS:
        test = _numeric(op, x)
        negate = False
    elif op == "contains":
        test = lambda v: x in v  # noqa: E731
        negate = False
    elif op in ("contains_any", "contains_none"):
        wanted = tuple(x)
        test = lambda v: any(w in v for w in wanted)  # noqa: E731
        negate = op == "contains_none"
    else:  # pragma: no cover - parse() rejects it
        raise ValueError(f"unknown operator {op}")
    if atom.negated:
        negate = not negate

    if negate:

        def fn(facts: dict[str, Any]) -> bool | None:
            v = facts.get(path, _ABSENT)
            if v is _ABSENT:
                return None
            return not test(v)

    else:

        def fn(facts: dict[str, Any]) -> bool | None:
            v = facts.get(path, _ABSENT)
            if v is _ABSENT:
                return None
            return test(v)

    return fn


def compile_nnf(cond: Condition) -> Fn:
    if isinstance(cond, Atom):
        return compile_atom(cond)
    items = tuple(compile_nnf(c) for c in cond.items)
    if isinstance(cond, All):
        if len(items) == 1:
            return items[0]

        def all_of(facts: dict[str, Any]) -> bool | None:
            unknown = False
            for item in items:
                r = item(facts)
                if r is False:
                    return False
                if r is None:
                    unknown = True
            return None if unknown else True

        return all_of
    if isinstance(cond, AnyOf):
        if len(items) == 1:
            return items[0]

        def any_of(facts: dict[str, Any]) -> bool | None:
            unknown = False
            for item in items:
                r = item(facts)
                if r is True:
                    return True
                if r is None:
                    unknown = True
            return None if unknown else False

        return any_of
    raise TypeError("conditions reach the compiler in negation normal form")  # pragma: no cover


def compile_condition(cond: Condition) -> Fn:
    """A three-valued closure equal to :func:`engine.decide.reference.truth` on ``cond``."""
    return compile_nnf(to_nnf(cond))


class ClosureEngine:
    """Same interface as :class:`engine.decide.durable.DurableEngine`; conditions as compiled closures."""

    def __init__(self, checks: list[Check]):
        self._by_kind: dict[str, list[tuple[str, Fn]]] = {}
        for check in checks:
            self._by_kind.setdefault(check.kind, []).append((check.key, compile_condition(check.condition)))

    def decide(self, subjects: list[Subject]) -> list[Decision]:
        out = []
        for subject in subjects:
            true: set[str] = set()
            unknown: set[str] = set()
            facts = subject.facts
            for key, fn in self._by_kind.get(subject.kind, ()):
                t = fn(facts)
                if t is True:
                    true.add(key)
                elif t is None:
                    unknown.add(key)
            out.append(Decision(true, unknown))
        return out
