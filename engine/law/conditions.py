"""Rule conditions: the small declarative language of ``when:`` and ``scope:``.

A condition is ``{all: [...]}``, ``{any: [...]}``, ``{not: {...}}`` or an atom
``{fact: <path>, <op>: <value>}``. Nothing in a condition is ever evaluated as code.

A value may name a dated legal parameter instead of spelling it out:
``{fact: transfer.to_markets, contains_none: {param: eu.adequacy}}``. Parsing keeps a
:class:`Param`; :func:`resolve` replaces it by the parameter's value on a given day
(:mod:`engine.law.parameters`), before a condition reaches an engine.

Truth is three-valued: an atom on a fact whose value is unknown (absent from the fact) is
*unknown*, except ``exists``/``missing``, which ask exactly that. A rule whose condition is
unknown is reported as "insufficient information", never as a violation.

This module parses conditions and explains them (evidence). Deciding them is the engine's
job (durable_rules, :mod:`engine.decide.durable`); :mod:`engine.decide.reference` is an independent
evaluator kept only to check it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OPERATORS = (
    "eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in",
    "contains", "contains_any", "contains_none", "exists", "missing",
)  # fmt: skip

#: Each operator's negation, used to push ``not`` down to atoms. ``contains`` and the numeric
#: comparisons have none (``not lt 5`` holds on a null, ``gte 5`` does not): their atoms
#: carry ``negated`` instead.
NEGATION = {
    "eq": "ne", "ne": "eq",
    "in": "not_in", "not_in": "in", "contains_any": "contains_none", "contains_none": "contains_any",
    "exists": "missing", "missing": "exists",
}  # fmt: skip

LIST_OPS = {"contains", "contains_any", "contains_none"}
NUMERIC_OPS = {"lt", "lte", "gt", "gte"}


class ConditionError(ValueError):
    """A malformed condition, with the YAML location (a list of keys) where it is."""

    def __init__(self, loc: list[str | int], message: str):
        self.loc, self.message = loc, message
        super().__init__(message)


@dataclass(frozen=True)
class Param:
    """A reference to a dated legal parameter (``{param: eu.adequacy}``), resolved per day."""

    name: str

    def __repr__(self) -> str:
        return f"{{param: {self.name}}}"


@dataclass(frozen=True)
class Atom:
    fact: str
    op: str
    value: Any
    negated: bool = False  # "not contains" / "not lt": operators without a single-op negation

    def describe(self) -> str:
        neg = "not " if self.negated else ""
        if self.op in ("exists", "missing"):
            return f"{self.fact} {neg}{self.op}"
        return f"{self.fact} {neg}{self.op} {self.value!r}"


@dataclass(frozen=True)
class All:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = Atom | All | AnyOf | Not


def parse(node: Any, loc: list[str | int] | None = None) -> Condition:
    """Parse a YAML condition; raise :class:`ConditionError` with its location."""
    loc = loc or []
    if not isinstance(node, dict):
        raise ConditionError(loc, f"a condition is a mapping (all/any/not or fact + operator), got {node!r}")
    keys = set(node)
    for combinator in ("all", "any"):
        if combinator in keys:
            if keys != {combinator}:
                raise ConditionError(
                    loc,
                    f"'{combinator}' stands alone in its mapping; found also {sorted(keys - {combinator})}",
                )
            items = node[combinator]
            if not isinstance(items, list) or not items:
                raise ConditionError(
                    loc + [combinator], f"'{combinator}' takes a non-empty list of conditions"
                )
            parsed = tuple(parse(item, loc + [combinator, i]) for i, item in enumerate(items))
            return All(parsed) if combinator == "all" else AnyOf(parsed)
    if "not" in keys:
        if keys != {"not"}:
            raise ConditionError(loc, "'not' stands alone in its mapping")
        return Not(parse(node["not"], loc + ["not"]))
    if "fact" not in keys:
        raise ConditionError(loc, "a condition needs 'all', 'any', 'not', or 'fact' with one operator")
    ops = keys - {"fact"}
    if len(ops) != 1:
        raise ConditionError(
            loc, f"an atom has exactly one operator of {', '.join(OPERATORS)}; got {sorted(ops) or 'none'}"
        )
    (op,) = ops
    if op not in OPERATORS:
        raise ConditionError(loc + [op], f"unknown operator {op!r}; expected one of {', '.join(OPERATORS)}")
    fact = node["fact"]
    if not isinstance(fact, str) or not fact:
        raise ConditionError(
            loc + ["fact"], f"'fact' is a fact path such as practice.consent.explicit, got {fact!r}"
        )
    value = node[op]
    if isinstance(value, dict) and set(value) == {"param"}:
        name = value["param"]
        if op in ("exists", "missing") or not isinstance(name, str) or not name:
            raise ConditionError(loc + [op], f"'{op}' cannot take a parameter reference {value!r}")
        return Atom(fact, op, Param(name))
    if op in ("in", "not_in", "contains_any", "contains_none"):
        if not isinstance(value, list) or not value:
            raise ConditionError(loc + [op], f"'{op}' takes a non-empty list, got {value!r}")
        value = tuple(value)
    elif op in NUMERIC_OPS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConditionError(loc + [op], f"'{op}' takes a number, got {value!r}")
    elif op in ("exists", "missing"):
        if value is not True:
            raise ConditionError(loc + [op], f"write '{op}: true', got {value!r}")
    elif isinstance(value, list | dict):
        raise ConditionError(loc + [op], f"'{op}' takes a single value, got {value!r}")
    return Atom(fact, op, value)


def params(cond: Condition) -> set[str]:
    """The names of the parameters a condition refers to."""
    return {a.value.name for a in atoms(cond) if isinstance(a.value, Param)}


def resolve(cond: Condition, value_of: Any) -> Condition:
    """``cond`` with every :class:`Param` replaced by ``value_of(name)`` (lists become tuples).

    Returns ``cond`` itself when it refers to no parameter, so unchanged conditions keep their
    identity (the engine caches by it).
    """
    if isinstance(cond, Atom):
        if not isinstance(cond.value, Param):
            return cond
        value = value_of(cond.value.name)
        return Atom(cond.fact, cond.op, tuple(value) if isinstance(value, list) else value, cond.negated)
    if isinstance(cond, Not):
        item = resolve(cond.item, value_of)
        return cond if item is cond.item else Not(item)
    items = tuple(resolve(c, value_of) for c in cond.items)
    if all(a is b for a, b in zip(items, cond.items, strict=True)):
        return cond
    return All(items) if isinstance(cond, All) else AnyOf(items)


def to_nnf(cond: Condition, negate: bool = False) -> Condition:
    """Push every ``not`` down to the atoms (negation normal form)."""
    if isinstance(cond, Not):
        return to_nnf(cond.item, not negate)
    if isinstance(cond, All):
        items = tuple(to_nnf(c, negate) for c in cond.items)
        return AnyOf(items) if negate else All(items)
    if isinstance(cond, AnyOf):
        items = tuple(to_nnf(c, negate) for c in cond.items)
        return All(items) if negate else AnyOf(items)
    if not negate:
        return cond
    if cond.op == "contains" or cond.op in NUMERIC_OPS:
        return Atom(cond.fact, cond.op, cond.value, not cond.negated)
    return Atom(cond.fact, NEGATION[cond.op], cond.value)


def atoms(cond: Condition) -> list[Atom]:
    """Every atom of a condition, in order."""
    if isinstance(cond, Atom):
        return [cond]
    if isinstance(cond, Not):
        return atoms(cond.item)
    return [a for c in cond.items for a in atoms(c)]


def describe(cond: Condition) -> str:
    """A condition in words: ``(practice.consent.explicit eq False or ...)``."""
    if isinstance(cond, Atom):
        return cond.describe()
    if isinstance(cond, Not):
        return f"not ({describe(cond.item)})"
    joiner = " and " if isinstance(cond, All) else " or "
    if len(cond.items) == 1:
        return describe(cond.items[0])
    return "(" + joiner.join(describe(c) for c in cond.items) + ")"


def fact_paths(cond: Condition) -> set[str]:
    return {a.fact for a in atoms(cond)}


_ABSENT = object()


def atom_holds(atom: Atom, facts: dict[str, Any]) -> bool | None:
    """Whether an NNF atom holds on ``facts``: True, False, or None (unknown)."""
    value = facts.get(atom.fact, _ABSENT)
    if atom.op == "exists":
        return value is not _ABSENT
    if atom.op == "missing":
        return value is _ABSENT
    if value is _ABSENT:
        return None
    op, expected = atom.op, atom.value
    if op == "eq":
        return value == expected and (value is None) == (expected is None)
    if op == "ne":
        return not (value == expected and (value is None) == (expected is None))
    if op in NUMERIC_OPS:
        if value is None:
            return atom.negated  # null compares as neither smaller nor larger
        held = {
            "lt": value < expected,
            "lte": value <= expected,
            "gt": value > expected,
            "gte": value >= expected,
        }[op]
        return held != atom.negated
    if op == "in":
        return any(value == e and (value is None) == (e is None) for e in expected)
    if op == "not_in":
        return not any(value == e and (value is None) == (e is None) for e in expected)
    items = value or []
    if op == "contains":
        return (expected in items) != atom.negated
    if op == "contains_any":
        return any(e in items for e in expected)
    return not any(e in items for e in expected)  # contains_none


def evidence(cond: Condition, facts: dict[str, Any]) -> list[Atom]:
    """The NNF atoms that make ``cond`` true on ``facts`` (for a fired rule's report)."""
    nnf = to_nnf(cond)

    def walk(c: Condition) -> list[Atom] | None:
        if isinstance(c, Atom):
            return [c] if atom_holds(c, facts) else None
        if isinstance(c, All):
            out: list[Atom] = []
            for item in c.items:
                got = walk(item)
                if got is None:
                    return None
                out += got
            return out
        found: list[Atom] = []
        for item in c.items:  # AnyOf: every branch that holds
            got = walk(item)
            if got is not None:
                found += got
        return found or None

    return walk(nnf) or []
