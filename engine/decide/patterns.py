"""Rule conditions compiled to durable_rules' JSON patterns, one durable rule per check and truth.

The durable backend (:mod:`engine.decide.durable`, the only module that imports durable_rules)
registers what this module writes; nothing here touches the engine. For each check it compiles

- a **definite** rule, true when the condition is definitely true, and
- for a condition on facts that may be unknown, an **unknown** rule: the condition is possibly
  true *and* possibly false (``P(c) ∧ P(¬c)``, unknown atoms counted as true on both sides),
  so it fires only when one of the condition's facts is actually unknown for the subject, and
  never beside the definite rule.

Each is **one** durable rule whose pattern keeps the condition's ``and``/``or`` nesting.
durable_rules turns every branch of an ``$or`` into its own path to the rule, so a subject that
satisfies several branches gives several frames; the rules carry ``cap`` (:data:`CAP`), which
hands all of a rule's frames to one action: one fire per rule and subject.

Measured limits (shared/research/durable-rules-bench.md §5, and the C source): every ``$and``
and ``$or`` of a pattern, the anchor's ``$and`` included, takes two of the 31 entries of its
beta node's expression sequence (error 113), so a pattern holds at most
:data:`MAX_LOGIC_NODES` of them. A larger condition is split into several durable rules
(:func:`split`) whose union is the condition; such a check may fire more than once and is
counted in ``DurableEngine.stats()["split_checks"]``.

Cost (callgrind): at every alpha node a fact reaches, durable_rules walks all the fact's
properties to find the node's children, so an ``$and`` puts equality tests first (they stop most
facts early), nested ORs last; a list's overlap with several values is one flag
(:meth:`PropertyNames.of_any`) rather than an ``$or`` of item flags, and so is "holds all of"
(:meth:`PropertyNames.of_all`): several tests of one list in an ``and``/``or`` become one test
(``PatternCompiler._merge_lists``), not a ``$or`` giving a frame per matching branch.
"""

from __future__ import annotations

import itertools
import json
import math
from decimal import Decimal
from typing import Any

from engine.decide.protocol import EngineError
from engine.facts.registry import fact_specs
from engine.law.conditions import NUMERIC_OPS, All, AnyOf, Atom, Condition, Not, atoms, to_nnf

#: 31 expression entries per beta node (error 113 at 32), two per ``$and``/``$or``.
MAX_LOGIC_NODES = 15
#: frames handed to one action: more than a pattern can have paths to its rule
CAP = 65535
#: durable rules one check may be split into (error past it: simplify the rule)
MAX_ALTERNATIVES = 512
#: ... and its exact unknown rule; past it the unknown rule is ``P(c)`` alone (see ``rules``)
MAX_SPLIT = 64

Test = dict[str, Any]  # one durable_rules test, e.g. {"p3": true}, {"$nex": {"f2": 1}}, {"$or": [...]}
_NEG_NUMERIC = {"lt": "$gte", "lte": "$gt", "gt": "$lte", "gte": "$lt"}
_NUMERIC = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}
TRUE: Test = {"$and": []}  # always holds (only ever returned, never written into a pattern)
FALSE: Test = {"$or": []}  # never holds


def fnv1a32(text: str) -> int:
    """durable_rules' FNV-1a hash of a property name."""
    h = 0x811C9DC5
    for byte in text.encode():
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def fnv1_32(text: str) -> int:
    """durable_rules' FNV-1 hash of a property name."""
    h = 0x811C9DC5
    for byte in text.encode():
        h = ((h * 0x01000193) & 0xFFFFFFFF) ^ byte
    return h


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise EngineError(f"cannot evaluate a non-finite number {value!r}")
    text = format(Decimal(repr(value)) if isinstance(value, float) else value, "f")
    return text if "." in text else text + ".0"


def to_json(value: Any) -> str:
    """JSON as durable_rules reads it: no exponents, booleans and nulls as JSON."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int | float | Decimal):
        return _number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ",".join(f"{to_json(str(k))}:{to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    raise EngineError(f"cannot serialise {type(value).__name__} for durable_rules")


class PropertyNames:
    """Short property names for fact paths and list flags, free of 32-bit hash collisions."""

    RESERVED = ("k", "sid", "id", "i", "$s")

    def __init__(self) -> None:
        self.value: dict[str, str] = {}
        self.null: dict[str, str] = {}
        self.flag: dict[tuple[str, Any], str] = {}
        self.any_of: dict[tuple[str, frozenset[Any]], str] = {}  # "the list holds one of these"
        self.all_of: dict[tuple[str, frozenset[Any]], str] = {}  # "the list holds all of these"
        self.bucket: dict[int, str] = {}
        self.truth: dict[str, str] = {}  # a boolean never unknown: the property is there iff true
        self._counter = itertools.count()
        self._hashes: set[int] = {fnv1a32(r) for r in self.RESERVED} | {fnv1_32(r) for r in self.RESERVED}

    def _fresh(self, prefix: str) -> str:
        while True:
            name = f"{prefix}{next(self._counter)}"
            h1, h2 = fnv1a32(name), fnv1_32(name)
            if h1 not in self._hashes and h2 not in self._hashes:
                self._hashes.update((h1, h2))
                return name

    def _name(self, names: dict[Any, str], key: Any, prefix: str) -> str:
        """The property name of ``key`` in ``names``, made on first use."""
        found = names.get(key)
        if found is None:
            found = names[key] = self._fresh(prefix)
        return found

    def of_value(self, path: str) -> str:
        return self._name(self.value, path, "p")

    def of_null(self, path: str) -> str:
        return self._name(self.null, path, "n")

    def of_any(self, path: str, items: frozenset[Any]) -> str:
        return self._name(self.any_of, (path, items), "s")

    def of_all(self, path: str, items: frozenset[Any]) -> str:
        return self._name(self.all_of, (path, items), "a")

    def of_truth(self, path: str) -> str:
        return self._name(self.truth, path, "t")

    def of_bucket(self, n: int) -> str:
        """A property no fact has (its ``$nex`` holds for every fact): see ``durable._buckets``."""
        return self._name(self.bucket, n, "b")

    def of_flag(self, path: str, item: Any) -> str:
        return self._name(self.flag, (path, item), "f")


def _and(items: list[Test]) -> Test:
    """All of ``items`` (nested ``$and``s flattened; ``FALSE`` absorbs, ``TRUE`` drops out)."""
    out: list[Test] = []
    for item in items:
        if item is FALSE:
            return FALSE
        out += item["$and"] if "$and" in item else [item]
    if not out:
        return TRUE
    # durable_rules chains an $and's tests in order: equality first (a hash lookup that stops
    # most facts early), then other tests, then nested ORs
    out.sort(key=_test_cost)
    return out[0] if len(out) == 1 else {"$and": out}


def _test_cost(test: Test) -> int:
    ((key, _),) = test.items()
    return 2 if key in ("$or", "$and") else 1 if key.startswith("$") else 0


def _or(items: list[Test]) -> Test:
    """Any of ``items`` (nested ``$or``s flattened, duplicates dropped; ``TRUE`` absorbs)."""
    out: dict[str, Test] = {}
    for item in items:
        if item is TRUE:
            return TRUE
        for x in item["$or"] if "$or" in item else [item]:
            out.setdefault(repr(x), x)  # structural identity, cheaply
    if not out:
        return FALSE
    return next(iter(out.values())) if len(out) == 1 else {"$or": list(out.values())}


class PatternCompiler:
    """Compile conditions to durable_rules patterns over one subject kind's property names."""

    def __init__(self, names: PropertyNames):
        self.names = names
        self.specs = fact_specs()

    def _missing(self, path: str) -> Test:
        tests = [{"$nex": {self.names.of_value(path): 1}}]
        if self.specs[path].nullable:
            tests.append({"$nex": {self.names.of_null(path): 1}})
        return _and(tests)

    def _eq(self, path: str, v: Any) -> Test:
        if v is None:
            return {self.names.of_null(path): True} if self.specs[path].nullable else FALSE
        return {self.names.of_value(path): v}

    def _ne(self, path: str, v: Any) -> Test:
        p = self.names.of_value(path)
        if v is None:
            return {"$ex": {p: 1}}
        if self.specs[path].nullable:
            return _or([{"$neq": {p: v}}, {self.names.of_null(path): True}])
        return {"$neq": {p: v}}

    def is_truth(self, path: str) -> bool:
        """A boolean that is never unknown nor null: written as a flag, there only when true
        (false facts, most of them, add no property a fact's every lookup walks past)."""
        spec = self.specs[path]
        return spec.type == "bool" and not spec.may_be_missing and not spec.nullable

    def _truth(self, a: Atom) -> Test:
        """An atom on a boolean of :meth:`is_truth`: which of true and false satisfy it."""
        holds = [b for b in (True, False) if _bool_atom(a, b)]
        if len(holds) == 2:
            return TRUE
        if not holds:
            return FALSE
        flag = self.names.of_truth(a.fact)
        return {flag: True} if holds[0] else {"$nex": {flag: 1}}

    def atom(self, a: Atom) -> Test:
        """The test that holds when the atom is definitely true."""
        path, op, v = a.fact, a.op, a.value
        if self.is_truth(path):
            return self._truth(a)
        if op == "eq":
            return self._eq(path, v)
        if op == "ne":
            return self._ne(path, v)
        if op == "in":
            return _or([self._eq(path, x) for x in v])
        if op == "not_in":
            p = self.names.of_value(path)
            # each value is ``ne``; a null (flagged apart from the value) differs from every non-null
            tests = [{"$neq": {p: x}} for x in v if x is not None]
            if None in v:
                tests.insert(0, {"$ex": {p: 1}})
            if None in v or not self.specs[path].nullable:
                return _and(tests)
            return _or([_and(tests), {self.names.of_null(path): True}])
        if op in NUMERIC_OPS:
            p = self.names.of_value(path)
            if not a.negated:
                return {_NUMERIC[op]: {p: v}}
            if self.specs[path].nullable:
                return _or([{_NEG_NUMERIC[op]: {p: v}}, {self.names.of_null(path): True}])
            return {_NEG_NUMERIC[op]: {p: v}}
        if op == "exists":
            if self.specs[path].nullable:
                return _or([{"$ex": {self.names.of_value(path): 1}}, {"$ex": {self.names.of_null(path): 1}}])
            return {"$ex": {self.names.of_value(path): 1}}
        if op == "missing":
            return self._missing(path)
        if op == "contains":
            flag = self.names.of_flag(path, v)
            return {"$nex": {flag: 1}} if a.negated else {flag: True}
        # a list's overlap with several values is one flag the encoder writes (one test, no $or)
        if op == "contains_any":
            items = frozenset(v)
            if len(items) == 1:
                return {self.names.of_flag(path, v[0]): True}
            return {self.names.of_any(path, items): True}
        if op == "contains_none":
            items = frozenset(v)
            if len(items) == 1:
                return {"$nex": {self.names.of_flag(path, v[0]): 1}}
            return {"$nex": {self.names.of_any(path, items): 1}}
        raise EngineError(f"unknown operator {op}")  # pragma: no cover - parse() rejects it

    def pattern(self, cond: Condition, possible: bool) -> Test:
        """The test of an NNF condition being true; ``possible`` counts unknown atoms as true."""
        if isinstance(cond, Atom):
            test = self.atom(cond)
            if possible and cond.op not in ("exists", "missing") and self.specs[cond.fact].may_be_missing:
                return _or([test, self._missing(cond.fact)])
            return test
        if isinstance(cond, All):
            rest, merged = self._merge_lists(cond.items, anyof=False)
            return _and([*merged, *(self.pattern(c, possible) for c in rest)])
        if isinstance(cond, AnyOf):
            rest, merged = self._merge_lists(cond.items, anyof=True)
            return _or([*merged, *(self.pattern(c, possible) for c in rest)])
        raise EngineError("conditions reach the compiler in negation normal form")  # pragma: no cover

    def _merge_lists(self, items: tuple[Condition, ...], anyof: bool) -> tuple[list[Condition], list[Test]]:
        """Several tests of one list in an ``and``/``or`` as one flag test: ``a or b`` of "holds"
        is "holds one of {a, b}", of "lacks" is "lacks one of" (not "holds all of"); ``and`` the
        other way round. One test instead of a ``$or`` whose every matching branch is a frame."""
        groups: dict[tuple[str, bool], list[Atom]] = {}
        rest: list[Condition] = []
        for c in _flat(items, AnyOf if anyof else All):
            holds = self._list_test(c, anyof)
            if holds is None:
                rest.append(c)
            else:
                groups.setdefault((c.fact, holds), []).append(c)  # type: ignore[union-attr]
        merged: list[Test] = []
        for (path, holds), group in groups.items():
            if len(group) == 1:
                rest += group
                continue
            values = frozenset(v for a in group for v in (a.value if a.op != "contains" else (a.value,)))
            if len(values) == 1:
                flag = self.names.of_flag(path, next(iter(values)))
            elif anyof == holds:  # holds one of / lacks all of
                flag = self.names.of_any(path, values)
            else:  # holds all of / lacks one of
                flag = self.names.of_all(path, values)
            merged.append({flag: True} if holds else {"$nex": {flag: 1}})
        return rest, merged

    def _list_test(self, c: Condition, anyof: bool) -> bool | None:
        """For an atom of a list that ``_merge_lists`` merges: does it test that the list holds?"""
        if not isinstance(c, Atom) or self.specs[c.fact].type != "list" or self.specs[c.fact].may_be_missing:
            return None
        if c.op == "contains":
            return not c.negated
        if c.op == "contains_any" and (anyof or len(c.value) == 1):
            return True
        if c.op == "contains_none" and (not anyof or len(c.value) == 1):
            return False
        return None

    def rules(self, cond: Condition) -> list[tuple[list[Test], bool]]:
        """``(tests after the anchor, definite?)`` of each durable rule compiled for a condition."""
        out: list[tuple[list[Test], bool]] = []
        definite = self.pattern(to_nnf(cond), possible=False)
        out += [(tests, True) for tests in split(definite)]
        if needs_unknown_rule(cond):
            possible = self.pattern(to_nnf(cond), possible=True)
            try:
                not_false = self.pattern(to_nnf(Not(cond)), possible=True)
                unknown = split(_and([possible, not_false]), MAX_SPLIT)
            except TooLarge:
                # too large to exclude "definitely true" in durable_rules: the caller does
                unknown = split(possible)
            out += [(tests, False) for tests in unknown]
        return out


def _same(value: bool, x: Any) -> bool:
    return isinstance(x, bool) and value == x  # as the reference: a boolean is no number


def _bool_atom(a: Atom, value: bool) -> bool:
    """Whether an atom holds for a known boolean ``value``."""
    if a.op in ("exists", "missing"):
        return a.op == "exists"
    if a.op in ("eq", "ne"):
        return _same(value, a.value) == (a.op == "eq")
    if a.op in ("in", "not_in"):
        return any(_same(value, x) for x in a.value) == (a.op == "in")
    if a.op in NUMERIC_OPS:
        try:
            out = {
                "lt": value < a.value,
                "lte": value <= a.value,
                "gt": value > a.value,
                "gte": value >= a.value,
            }[a.op]
        except TypeError:
            out = False
        return not out if a.negated else out
    raise EngineError(f"{a.op} does not apply to a boolean ({a.fact})")


def _flat(items: tuple[Condition, ...], kind: type[All] | type[AnyOf]) -> list[Condition]:
    """The items of an ``and`` (``or``) with the ``and``s (``or``s) among them spliced in."""
    out: list[Condition] = []
    for c in items:
        out += _flat(c.items, kind) if isinstance(c, kind) else [c]
    return out


def logic_nodes(test: Test) -> int:
    """How many ``$and``/``$or`` a test holds (each costs two expression entries)."""
    ((key, value),) = test.items()
    if key in ("$and", "$or"):
        return 1 + sum(logic_nodes(t) for t in value)
    return 0


def _tests(pattern: Test) -> list[Test]:
    """The tests that follow the anchor in a rule's top ``$and``."""
    return list(pattern["$and"]) if "$and" in pattern else [pattern]


def _rule_nodes(pattern: Test) -> int:
    return 1 + sum(logic_nodes(t) for t in _tests(pattern))


class TooLarge(EngineError):
    """A condition splits into more durable rules than :data:`MAX_SPLIT` allows."""


def split(pattern: Test, limit: int = MAX_ALTERNATIVES) -> list[list[Test]]:
    """The pattern as rules (tests after the anchor) within durable_rules' expression limit.

    Most conditions fit in one rule. A larger one is cut along its widest ``$or``: the
    branches are packed into as few rules as fit, each beside the rest of the ``$and`` the
    ``$or`` sits in. Raises :class:`TooLarge` past ``limit`` rules.
    """
    if pattern is FALSE:
        return []
    if pattern is TRUE:
        return [[]]
    if _rule_nodes(pattern) <= MAX_LOGIC_NODES:
        return [_tests(pattern)]
    if "$or" in pattern:
        rest: list[Test] = []
        branches = pattern["$or"]
    else:
        children = pattern["$and"]
        widest = max((c for c in children if "$or" in c), key=logic_nodes)
        rest = [c for c in children if c is not widest]
        branches = widest["$or"]
    out: list[list[Test]] = []
    group: list[Test] = []
    # the anchor's $and, the rest, this group's $or (an estimate: a piece still too large is split again)
    base = 2 + sum(logic_nodes(t) for t in rest)
    size = base
    for branch in [*branches, None]:
        grown = None if branch is None else size + logic_nodes(branch)
        if group and (grown is None or grown > MAX_LOGIC_NODES):
            out += split(_and([*rest, _or(group)]), max(0, limit - len(out)))
            if len(out) > limit:
                raise TooLarge(
                    f"a condition needs more than {limit} durable rules; split the rule or simplify it"
                )
            group, size = [], base
        if branch is not None:
            group.append(branch)
            size += logic_nodes(branch)
    return out


def properties_of(tests: list[Test]) -> set[str]:
    """The fact properties a pattern reads."""
    out: set[str] = set()
    for test in tests:
        ((key, value),) = test.items()
        if key in ("$or", "$and"):
            out |= properties_of(value)
        elif key.startswith("$"):
            out |= set(value)
        else:
            out.add(key)
    return out


def needs_unknown_rule(cond: Condition) -> bool:
    """Whether a condition tests a fact that may be unknown (so it can be neither true nor false)."""
    specs = fact_specs()
    return any(specs[a.fact].may_be_missing and a.op not in ("exists", "missing") for a in atoms(cond))
