"""The one place regulint touches durable_rules.

Rule conditions are compiled to durable_rules' JSON ruleset format, registered through a
``Host``, and products are decided by asserting one fact per subject. The engine's sharp
edges (shared/research/durable-rules-bench.md) are handled here, following its §6:

- **Timer threads.** The stock ``Host`` starts dispatcher threads that run actions on foreign
  threads and crash under load; :class:`_QuietHost` overrides ``_run`` so none start.
- **Thread safety.** durable_rules is not thread-safe and its C calls never release the GIL:
  every decision holds one ``threading.Lock`` per :class:`DurableEngine`, so concurrent callers
  queue (threads add no throughput here anyway; scale with processes — each process builds its
  own engine, see :func:`engine_for`).
- **Sessions.** One long-lived session (a fixed sid) per ruleset; every fact is retracted in
  ``finally``. Sessions are never deleted, so the delete-without-action heap bug, the 1,024
  live-session limit and 32-bit sid-hash collisions cannot occur.
- **No match.** A fact that matches nothing is not an error (``assert_fact`` code 1), not an
  exception path; the same content twice (code 2) cannot happen: every fact carries a counter.
- **Registry.** Ruleset names are unique per Host and each engine owns its Host, so reloads
  and test runs never collide.
- **Structural limits.** Rules are split into chunks of at most ``MAX_RULES_PER_RULESET``
  durable rules and ``MAX_PROPERTIES`` fact properties (under the 256 rules per alpha node of
  error 108, the 512 children that hang ``create_ruleset`` and the 252 properties of error 302;
  the 64-rule limit of error 303 is for array tests, and arrays become boolean flag properties
  with shared alpha nodes); every rule starts with a positive anchor ``k == <subject kind>``
  (no self-matching state fact). Fewer, larger chunks mean fewer C calls per subject.
- **Hashes.** Property names are short generated names checked at compile time for 32-bit
  FNV collisions (durable_rules identifies properties by hash only).
- **Numbers.** Facts and rules are serialised by :func:`_json` without exponent notation
  (durable_rules rejects ``1e-06``).
- **Speed.** Evaluation drives the C extension through the Host's ruleset handles
  (``assert_fact``/``start_action_for_state``/``complete_and_start_action``/``retract_fact``),
  skipping the per-action Python closure, state round trip and JSON parse of the stock Host.
  Each chunk's fact is written straight to JSON from fragments precomputed at compile time
  (:func:`_encode_fact`), not built as a dict and serialised.

Truth is three-valued (:mod:`engine.law.conditions`): for a condition that tests a fact which may
be unknown, a second "possible" rule is compiled (unknown atoms counted as true). A check is
*true* when its definite rule fires, *unknown* when only its possible rule fires.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import durable_rules_engine as _dre
from durable import engine as _durable_engine

from engine.decide.protocol import Check, Decision, EngineError
from engine.facts.registry import Subject, fact_specs
from engine.law.conditions import NUMERIC_OPS, All, AnyOf, Atom, Condition, atoms, to_nnf

MAX_RULES_PER_RULESET = 120  # measured: 40 -> 120 saves ~16% of decide() (5 C rulesets, not 8)
MAX_PROPERTIES = 200
_SID = "regulint"
_NEG_NUMERIC = {"lt": "$gte", "lte": "$gt", "gt": "$lte", "gte": "$lt"}
_NUMERIC = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}


class _ExactRuleset(_durable_engine.Ruleset):
    """A Host ruleset whose definition is serialised without exponents (durable error 204)."""

    def __init__(self, name: str, host: _durable_engine.Host, definition: dict[str, Any]):
        self._actions = {}
        self._name = name
        self._host = host
        for rule_name, rule in definition.items():
            self._actions[rule_name] = _durable_engine.Promise(rule.pop("run"))
        self._handle = _dre.create_ruleset(name, _json(definition))
        self._definition = definition


class _QuietHost(_durable_engine.Host):
    """A Host without the background dispatcher threads (bench §5.1 item 2)."""

    def _run(self) -> None:  # noqa: D401 - overrides the thread starter
        return None

    def register_rulesets(self, ruleset_definitions: dict[str, Any]) -> list[str]:
        for name, definition in ruleset_definitions.items():
            if name in self._ruleset_directory:
                raise EngineError(f"ruleset {name} is already registered on this host")
            ruleset = _ExactRuleset(name, self, definition)
            self._ruleset_directory[name] = ruleset
            self._ruleset_list.append(ruleset)
        return list(ruleset_definitions)


def _fnv1a32(text: str) -> int:
    h = 0x811C9DC5
    for byte in text.encode():
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def _fnv1_32(text: str) -> int:
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


def _json(value: Any) -> str:
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
        import json

        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_json(str(k))}:{_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_json(v) for v in value) + "]"
    raise EngineError(f"cannot serialise {type(value).__name__} for durable_rules")


class _Names:
    """Short property names for fact paths and list flags, free of 32-bit hash collisions."""

    RESERVED = ("k", "sid", "id", "i", "$s")

    def __init__(self) -> None:
        self.value: dict[str, str] = {}
        self.null: dict[str, str] = {}
        self.flag: dict[tuple[str, Any], str] = {}
        self._counter = itertools.count()
        self._hashes: set[int] = {_fnv1a32(r) for r in self.RESERVED} | {_fnv1_32(r) for r in self.RESERVED}

    def _fresh(self, prefix: str) -> str:
        while True:
            name = f"{prefix}{next(self._counter)}"
            h1, h2 = _fnv1a32(name), _fnv1_32(name)
            if h1 not in self._hashes and h2 not in self._hashes:
                self._hashes.update((h1, h2))
                return name

    def of_value(self, path: str) -> str:
        if path not in self.value:
            self.value[path] = self._fresh("p")
        return self.value[path]

    def of_null(self, path: str) -> str:
        if path not in self.null:
            self.null[path] = self._fresh("n")
        return self.null[path]

    def of_flag(self, path: str, item: Any) -> str:
        if (path, item) not in self.flag:
            self.flag[(path, item)] = self._fresh("f")
        return self.flag[(path, item)]


Test = dict[str, Any]  # one durable_rules test on one property, e.g. {"p3": true} or {"$nex": {"f2": 1}}
Conjunction = tuple[str, ...]  # serialised tests that must all hold


@dataclass(frozen=True)
class _Alternative:
    """One durable rule's pattern: tests that all hold, and clauses (flat ORs of tests) that all hold."""

    tests: tuple[str, ...] = ()
    clauses: tuple[tuple[str, ...], ...] = ()

    def unit(self) -> tuple[str, ...] | None:
        """The tests of this alternative if it is a single disjunction (one test or one clause)."""
        if len(self.tests) == 1 and not self.clauses:
            return self.tests
        if not self.tests and len(self.clauses) == 1:
            return self.clauses[0]
        return None


#: durable_rules expands a pattern's ORs into a beta node's expression sequence, which holds
#: at most 31 entries (error 113): measured, 12 flat ORs beside 10 tests load and 16 do not,
#: and ORs of ANDs fail sooner. So patterns keep at most this many flat OR clauses and no
#: nesting; a rule that needs more is split into several durable rules.
MAX_CLAUSES = 10
MAX_ALTERNATIVES = 512


class _Compiler:
    """Compile NNF conditions to durable_rules patterns over one kind's property names."""

    def __init__(self, names: _Names):
        self.names = names
        self.specs = fact_specs()

    def _missing(self, path: str) -> list[Conjunction]:
        tests = [_json({"$nex": {self.names.of_value(path): 1}})]
        if self.specs[path].nullable:
            tests.append(_json({"$nex": {self.names.of_null(path): 1}}))
        return [tuple(tests)]

    def _one(self, test: Test) -> Conjunction:
        return (_json(test),)

    def _eq(self, path: str, v: Any) -> list[Conjunction]:
        if v is None:
            return [self._one({self.names.of_null(path): True})] if self.specs[path].nullable else []
        return [self._one({self.names.of_value(path): v})]

    def _ne(self, path: str, v: Any) -> list[Conjunction]:
        p = self.names.of_value(path)
        if v is None:
            return [self._one({"$ex": {p: 1}})]
        out = [self._one({"$neq": {p: v}})]
        if self.specs[path].nullable:
            out.append(self._one({self.names.of_null(path): True}))
        return out

    def atom(self, a: Atom) -> list[Conjunction]:
        """Alternatives (each a conjunction of tests) that make the atom definitely true."""
        path, op, v = a.fact, a.op, a.value
        if op == "eq":
            return self._eq(path, v)
        if op == "ne":
            return self._ne(path, v)
        if op == "in":
            return [c for x in v for c in self._eq(path, x)]
        if op == "not_in":
            out: list[Conjunction] = [()]
            for x in v:
                out = [tuple(dict.fromkeys(c + d)) for c in out for d in self._ne(path, x)]
            return out
        if op in NUMERIC_OPS:
            p = self.names.of_value(path)
            if not a.negated:
                return [self._one({_NUMERIC[op]: {p: v}})]
            res = [self._one({_NEG_NUMERIC[op]: {p: v}})]
            if self.specs[path].nullable:
                res.append(self._one({self.names.of_null(path): True}))
            return res
        if op == "exists":
            res = [self._one({"$ex": {self.names.of_value(path): 1}})]
            if self.specs[path].nullable:
                res.append(self._one({"$ex": {self.names.of_null(path): 1}}))
            return res
        if op == "missing":
            return self._missing(path)
        if op == "contains":
            flag = self.names.of_flag(path, v)
            return [self._one({"$nex": {flag: 1}} if a.negated else {flag: True})]
        if op == "contains_any":
            return [self._one({self.names.of_flag(path, x): True}) for x in v]
        if op == "contains_none":
            return [tuple(_json({"$nex": {self.names.of_flag(path, x): 1}}) for x in v)]
        raise EngineError(f"unknown operator {op}")  # pragma: no cover - parse() rejects it

    def alternatives(self, cond: Condition, possible: bool) -> list[_Alternative]:
        """Patterns whose union is the condition; ``possible`` counts unknown atoms as true."""
        if isinstance(cond, Atom):
            conjs = self.atom(cond)
            if possible and cond.op not in ("exists", "missing") and self.specs[cond.fact].may_be_missing:
                conjs = conjs + self._missing(cond.fact)
            conjs = list(dict.fromkeys(conjs))
            if len(conjs) > 1 and all(len(c) == 1 for c in conjs):
                return [_Alternative(clauses=(tuple(c[0] for c in conjs),))]
            return [_Alternative(tests=c) for c in conjs]
        if isinstance(cond, AnyOf):
            parts = [self.alternatives(c, possible) for c in cond.items]
            units = [p[0].unit() for p in parts if len(p) == 1]
            if len(units) == len(parts) and all(u is not None for u in units):
                merged = tuple(dict.fromkeys(t for u in units for t in u))  # type: ignore[union-attr]
                return [_Alternative(tests=merged) if len(merged) == 1 else _Alternative(clauses=(merged,))]
            return _cap(list(dict.fromkeys(a for p in parts for a in p)))
        if isinstance(cond, All):
            out = [_Alternative()]
            for item in cond.items:
                part = self.alternatives(item, possible)
                out = _cap([_join(a, b) for a in out for b in part])
            return out
        raise EngineError("conditions reach the compiler in negation normal form")  # pragma: no cover

    def patterns(self, cond: Condition, possible: bool) -> list[list[Test]]:
        """durable_rules patterns (lists of tests for ``$and``) for a condition."""
        import json

        out = []
        for alt in self.alternatives(cond, possible):
            for alt2 in _limit_clauses(alt):
                tests: list[Test] = [json.loads(t) for t in alt2.tests]
                tests += [{"$or": [json.loads(t) for t in clause]} for clause in alt2.clauses]
                out.append(tests)
        return out


def _join(a: _Alternative, b: _Alternative) -> _Alternative:
    clauses = tuple(dict.fromkeys(a.clauses + b.clauses))
    tests = tuple(dict.fromkeys(a.tests + b.tests))
    # a clause already implied by a test of the same alternative is redundant
    clauses = tuple(c for c in clauses if not set(c) & set(tests))
    return _Alternative(tests, clauses)


def _limit_clauses(alt: _Alternative) -> list[_Alternative]:
    if len(alt.clauses) <= MAX_CLAUSES:
        return [alt]
    smallest = min(range(len(alt.clauses)), key=lambda i: len(alt.clauses[i]))
    rest = alt.clauses[:smallest] + alt.clauses[smallest + 1 :]
    out = []
    for test in alt.clauses[smallest]:
        out += _limit_clauses(_Alternative(tuple(dict.fromkeys(alt.tests + (test,))), rest))
    return out


def _cap(alts: list[_Alternative]) -> list[_Alternative]:
    if len(alts) > MAX_ALTERNATIVES:
        raise EngineError(
            f"a condition expands to more than {MAX_ALTERNATIVES} durable rules; split the rule or simplify it"
        )
    return alts


@dataclass
class _Chunk:
    name: str
    kind: str
    names: _Names
    handle: Any = None
    # durable rule name -> (check key, definite?)
    actions: dict[str, tuple[str, bool]] | None = None
    scalar_paths: list[str] | None = None
    flag_items: dict[str, list[tuple[Any, str]]] | None = None
    properties: int = 0
    plan: _Plan | None = None  # the fact encoder, built once the kind's names are final


_instances = itertools.count()


def _properties_of(tests: list[Test]) -> set[str]:
    """The fact properties a pattern reads."""
    out: set[str] = set()
    for test in tests:
        ((key, value),) = test.items()
        if key == "$or":
            out |= _properties_of(value)
        elif key.startswith("$"):
            out |= set(value)
        else:
            out.add(key)
    return out


def _needs_possible(cond: Condition) -> bool:
    specs = fact_specs()
    return any(specs[a.fact].may_be_missing and a.op not in ("exists", "missing") for a in atoms(cond))


class DurableEngine:
    """Checks compiled into durable_rules rulesets on a private Host; safe to call from threads."""

    def __init__(self, checks: list[Check]):
        self._lock = threading.Lock()
        self._host = _QuietHost()
        self._counter = itertools.count()
        self._chunks: dict[str, list[_Chunk]] = {}
        self.pid = os.getpid()
        serial = next(_instances)
        by_kind: dict[str, list[Check]] = {}
        for check in checks:
            by_kind.setdefault(check.kind, []).append(check)
        for kind, kind_checks in sorted(by_kind.items()):
            self._chunks[kind] = self._compile_kind(kind, kind_checks, serial)
        for kind_chunks in self._chunks.values():
            for chunk in kind_chunks:
                chunk.plan = _plan(chunk)

    def _compile_kind(self, kind: str, checks: list[Check], serial: int) -> list[_Chunk]:
        """Lay the checks of one subject kind out in chunks within durable_rules' limits."""
        chunks: list[_Chunk] = []
        names = _Names()
        compiler = _Compiler(names)
        rules: list[tuple[list[Test], str, bool]] = []
        for check in checks:
            nnf = to_nnf(check.condition)
            variants = [True] + ([False] if _needs_possible(check.condition) else [])
            for definite in variants:
                for pattern in compiler.patterns(nnf, possible=not definite):
                    rules.append((pattern, check.key, definite))
        current: list[tuple[list[Test], str, bool]] = []
        props: set[str] = set()
        for rule in rules:
            needed = _properties_of(rule[0])
            if current and (len(current) >= MAX_RULES_PER_RULESET or len(props | needed) > MAX_PROPERTIES):
                chunks.append(
                    self._build_chunk(f"regulint{serial}_{kind}_{len(chunks)}", kind, current, names)
                )
                current, props = [], set()
            current.append(rule)
            props |= needed
        if current:
            chunks.append(self._build_chunk(f"regulint{serial}_{kind}_{len(chunks)}", kind, current, names))
        return chunks

    def _build_chunk(
        self, name: str, kind: str, rules: list[tuple[list[Test], str, bool]], names: _Names
    ) -> _Chunk:
        definition: dict[str, Any] = {}
        actions: dict[str, tuple[str, bool]] = {}
        used: set[str] = set()
        for n, (pattern, key, definite) in enumerate(rules):
            rule_name = f"r{n}"
            # the positive anchor first: no rule can match durable_rules' own state fact
            definition[rule_name] = {"all": [{"m": {"$and": [{"k": kind}, *pattern]}}], "run": _no_action}
            actions[rule_name] = (key, definite)
            used |= _properties_of(pattern)
        # register through the Host (its registry refuses duplicate names), then keep the C handle
        self._host.register_rulesets({name: definition})
        handle = self._host.get_ruleset(name)._handle
        scalar = sorted(
            {p for p, n in names.value.items() if n in used} | {p for p, n in names.null.items() if n in used}
        )
        flag_items: dict[str, list[tuple[Any, str]]] = {}
        for (path, item), flag in names.flag.items():
            if flag in used:
                flag_items.setdefault(path, []).append((item, flag))
        return _Chunk(name, kind, names, handle, actions, scalar, flag_items, len(used))

    @staticmethod
    def _encode(chunk: _Chunk, facts: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        names = chunk.names
        for path in chunk.scalar_paths or ():
            if path not in facts:
                continue  # unknown: neither value nor null flag
            value = facts[path]
            if isinstance(value, list):
                out[names.value[path]] = len(value)
            elif value is None:
                if path in names.null:
                    out[names.null[path]] = True
            elif path in names.value:
                out[names.value[path]] = value
        for path, items in (chunk.flag_items or {}).items():
            present = facts.get(path) or ()
            for item, flag in items:
                if item in present:
                    out[flag] = True
        return out

    def decide(self, subjects: list[Subject]) -> list[Decision]:
        """For each subject, the checks of its kind that are true and those that are unknown."""
        results: list[Decision] = []
        chunks_of = self._chunks.get
        assert_ = self._assert
        with self._lock:
            counter = self._counter
            for subject in subjects:
                fired_definite: set[str] = set()
                fired_possible: set[str] = set()
                facts = subject.facts
                for chunk in chunks_of(subject.kind, ()):
                    actions = chunk.actions
                    for rule_name in assert_(chunk, _encode_fact(chunk.plan, facts, next(counter))):  # type: ignore[arg-type]
                        key, definite = actions[rule_name]  # type: ignore[index]
                        (fired_definite if definite else fired_possible).add(key)
                results.append(Decision(fired_definite, fired_possible - fired_definite))
        return results

    @staticmethod
    def _assert(chunk: _Chunk, js: str) -> list[str]:
        handle = chunk.handle
        fired: list[str] = []
        try:
            code, state = _dre.assert_fact(handle, js)[:2]
            try:
                if code == 0:
                    result = _dre.start_action_for_state(handle, state)
                    message = result[1] if result else None
                    while message:
                        # '{"r12": {"m": {...}}}': the rule name is the first key
                        fired.append(message[2 : message.index('"', 2)])
                        message = _dre.complete_and_start_action(handle, state)
                elif code not in (1, 3):
                    raise EngineError(f"durable_rules refused a fact (code {code})")
            finally:
                _dre.retract_fact(handle, js)
        except _dre.error as exc:
            raise EngineError(f"durable_rules could not evaluate this product: {exc}") from None
        return fired

    def stats(self) -> dict[str, int]:
        """How the checks were laid out (for benchmarks and tests)."""
        return {
            "rulesets": sum(len(c) for c in self._chunks.values()),
            "durable_rules": sum(len(ch.actions or {}) for c in self._chunks.values() for ch in c),
            "max_properties": max(
                (
                    len(ch.names.value) + len(ch.names.null) + len(ch.names.flag)
                    for c in self._chunks.values()
                    for ch in c
                ),
                default=0,
            ),
        }


@dataclass(frozen=True)
class _Plan:
    """How one chunk's fact is written: JSON fragments precomputed, values filled in per subject.

    It writes the same properties as :meth:`DurableEngine._encode` (which stays the readable
    specification, held equal to this by the tests), without building a dict and serialising it.
    """

    head: str  # '{"k":"practice","sid":"regulint","i":'
    scalars: tuple[tuple[str, str | None, str | None], ...]  # (path, ',"p3":', ',"n3":true')
    # (path, ((item, ',"f2":true'), ...), {item: ',"f2":true'})
    flags: tuple[tuple[str, tuple[tuple[Any, str], ...], dict[Any, str]], ...]


def _plan(chunk: _Chunk) -> _Plan:
    names = chunk.names
    scalars = tuple(
        (
            path,
            f",{_json(names.value[path])}:" if path in names.value else None,
            f",{_json(names.null[path])}:true" if path in names.null else None,
        )
        for path in chunk.scalar_paths or ()
    )
    flags = []
    for path, items in (chunk.flag_items or {}).items():
        pairs = tuple((item, f",{_json(flag)}:true") for item, flag in items)
        flags.append((path, pairs, dict(pairs)))
    head = "{" + f'"k":{_json(chunk.kind)},"sid":{_json(_SID)},"i":'
    return _Plan(head, scalars, tuple(flags))


_ABSENT = object()
_quote = json.encoder.encode_basestring  # what json.dumps(s, ensure_ascii=False) writes


def _encode_fact(plan: _Plan, facts: dict[str, Any], serial: int) -> str:
    """The JSON of ``_encode(chunk, facts)`` plus ``k``, ``sid`` and ``i``, written directly."""
    parts = [plan.head, str(serial)]
    append = parts.append
    get = facts.get
    for path, value_key, null_key in plan.scalars:
        value = get(path, _ABSENT)
        if value is _ABSENT:
            continue  # unknown: neither value nor null flag
        if value is None:
            if null_key is not None:
                append(null_key)
            continue
        if value_key is None:
            continue
        append(value_key)
        cls = value.__class__
        if cls is bool:
            append("true" if value else "false")
        elif cls is str:
            append(_quote(value))
        elif cls is int:
            append(str(value))
        elif isinstance(value, list):
            append(str(len(value)))
        else:
            append(_json(value))  # floats, Decimals, enum members: the general writer
    for path, items, by_item in plan.flags:
        present = get(path)
        if present:
            if len(present) < len(items):  # look the list's values up (each flag once)
                parts.extend({by_item[v] for v in present if v in by_item})
            else:
                for item, flag_key in items:
                    if item in present:
                        append(flag_key)
    append("}")
    return "".join(parts)


def _no_action(_closure: Any) -> None:
    """Actions are never run through the Host: results are read from the C layer."""
