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
  durable rules and ``MAX_PROPERTIES`` fact properties (well under the 64-children, 512-child
  and 252-property limits); arrays become boolean flag properties (shared alpha nodes); every
  rule starts with a positive anchor ``k == <subject kind>`` (no self-matching state fact).
- **Hashes.** Property names are short generated names checked at compile time for 32-bit
  FNV collisions (durable_rules identifies properties by hash only).
- **Numbers.** Facts and rules are serialised by :func:`_json` without exponent notation
  (durable_rules rejects ``1e-06``).
- **Speed.** Evaluation drives the C extension through the Host's ruleset handles
  (``assert_fact``/``start_action_for_state``/``complete_and_start_action``/``retract_fact``),
  skipping the per-action Python closure, state round trip and JSON parse of the stock Host.

Truth is three-valued (:mod:`engine.conditions`): for a condition that tests a fact which may
be unknown, a second "possible" rule is compiled (unknown atoms counted as true). A check is
*true* when its definite rule fires, *unknown* when only its possible rule fires.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import durable_rules_engine as _dre
from durable import engine as _durable_engine

from engine.conditions import NUMERIC_OPS, All, AnyOf, Atom, Condition, atoms, to_nnf
from engine.facts import Subject, fact_specs

MAX_RULES_PER_RULESET = 40
MAX_PROPERTIES = 200
_SID = "regulint"
_NEG_NUMERIC = {"lt": "$gte", "lte": "$gt", "gt": "$lte", "gte": "$lt"}
_NUMERIC = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}


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


class _QuietHost(_durable_engine.Host):
    """A Host without the background dispatcher threads (bench §5.1 item 2)."""

    def _run(self) -> None:  # noqa: D401 - overrides the thread starter
        return None


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


def _or(items: list[dict[str, Any]]) -> dict[str, Any]:
    return items[0] if len(items) == 1 else {"$or": items}


def _and(items: list[dict[str, Any]]) -> dict[str, Any]:
    return items[0] if len(items) == 1 else {"$and": items}


class _Compiler:
    """Compile NNF conditions to durable_rules expressions over one chunk's property names."""

    def __init__(self, names: _Names):
        self.names = names
        self.specs = fact_specs()

    def missing(self, path: str) -> dict[str, Any]:
        return _and([{"$nex": {self.names.of_value(path): 1}}, {"$nex": {self.names.of_null(path): 1}}])

    def _eq(self, path: str, v: Any) -> dict[str, Any]:
        if v is None:
            return {self.names.of_null(path): True}
        return {self.names.of_value(path): v}

    def _ne(self, path: str, v: Any) -> dict[str, Any]:
        p = self.names.of_value(path)
        if v is None:
            return {"$ex": {p: 1}}
        return _or([{"$neq": {p: v}}, {self.names.of_null(path): True}])

    def atom(self, a: Atom) -> dict[str, Any]:
        """The durable expression that holds exactly when the atom is (definitely) true."""
        path, op, v = a.fact, a.op, a.value
        if op == "eq":
            return self._eq(path, v)
        if op == "ne":
            return self._ne(path, v)
        if op == "in":
            return _or([self._eq(path, x) for x in v])
        if op == "not_in":
            return _and([self._ne(path, x) for x in v])
        if op in NUMERIC_OPS:
            p = self.names.of_value(path)
            if not a.negated:
                return {_NUMERIC[op]: {p: v}}
            return _or([{_NEG_NUMERIC[op]: {p: v}}, {self.names.of_null(path): True}])
        if op == "exists":
            return _or([{"$ex": {self.names.of_value(path): 1}}, {"$ex": {self.names.of_null(path): 1}}])
        if op == "missing":
            return self.missing(path)
        if op == "contains":
            flag = self.names.of_flag(path, v)
            return {"$nex": {flag: 1}} if a.negated else {flag: True}
        if op == "contains_any":
            return _or([{self.names.of_flag(path, x): True} for x in v])
        if op == "contains_none":
            return _and([{"$nex": {self.names.of_flag(path, x): 1}} for x in v])
        raise EngineError(f"unknown operator {op}")  # pragma: no cover - parse() rejects it

    def expr(self, cond: Condition, possible: bool) -> dict[str, Any]:
        if isinstance(cond, Atom):
            definite = self.atom(cond)
            if possible and cond.op not in ("exists", "missing") and self.specs[cond.fact].may_be_missing:
                return _or([definite, self.missing(cond.fact)])
            return definite
        if isinstance(cond, All):
            return _and([self.expr(c, possible) for c in cond.items])
        if isinstance(cond, AnyOf):
            return _or([self.expr(c, possible) for c in cond.items])
        raise EngineError("conditions reach the compiler in negation normal form")  # pragma: no cover


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


_instances = itertools.count()


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

    def _compile_kind(self, kind: str, checks: list[Check], serial: int) -> list[_Chunk]:
        chunks: list[_Chunk] = []
        current: list[tuple[Check, bool]] = []

        def flush() -> None:
            if current:
                chunks.append(
                    self._build_chunk(f"regulint{serial}_{kind}_{len(chunks)}", kind, list(current))
                )
                current.clear()

        for check in checks:
            variants = [(check, True)] + ([(check, False)] if _needs_possible(check.condition) else [])
            trial = _Names()
            comp = _Compiler(trial)
            for c, definite in current + variants:
                comp.expr(to_nnf(c.condition), possible=not definite)
            props = len(trial.value) + len(trial.null) + len(trial.flag)
            if current and (len(current) + len(variants) > MAX_RULES_PER_RULESET or props > MAX_PROPERTIES):
                flush()
            current.extend(variants)
        flush()
        return chunks

    def _build_chunk(self, name: str, kind: str, variants: list[tuple[Check, bool]]) -> _Chunk:
        names = _Names()
        comp = _Compiler(names)
        definition: dict[str, Any] = {}
        actions: dict[str, tuple[str, bool]] = {}
        for n, (check, definite) in enumerate(variants):
            rule_name = f"r{n}"
            expr = comp.expr(to_nnf(check.condition), possible=not definite)
            definition[rule_name] = {"all": [{"m": {"$and": [{"k": kind}, expr]}}], "run": _no_action}
            actions[rule_name] = (check.key, definite)
        if len(names.value) + len(names.null) + len(names.flag) > MAX_PROPERTIES + 50:
            raise EngineError(f"ruleset chunk {name} needs too many fact properties")
        # register through the Host (its registry refuses duplicate names), then keep the C handle
        self._host.register_rulesets({name: _roundtrip(definition)})
        handle = self._host.get_ruleset(name)._handle
        flag_items: dict[str, list[tuple[Any, str]]] = {}
        for (path, item), flag in names.flag.items():
            flag_items.setdefault(path, []).append((item, flag))
        return _Chunk(
            name, kind, names, handle, actions, sorted(set(names.value) | set(names.null)), flag_items
        )

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
        with self._lock:
            for subject in subjects:
                fired_definite: set[str] = set()
                fired_possible: set[str] = set()
                for chunk in self._chunks.get(subject.kind, ()):
                    fact = self._encode(chunk, subject.facts)
                    fact["k"] = subject.kind
                    fact["sid"] = _SID
                    fact["i"] = next(self._counter)
                    for rule_name in self._assert(chunk, _json(fact)):
                        key, definite = chunk.actions[rule_name]  # type: ignore[index]
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


def _no_action(_closure: Any) -> None:
    """Actions are never run through the Host: results are read from the C layer."""


def _roundtrip(definition: dict[str, Any]) -> dict[str, Any]:
    """Refuse rule constants the Host would serialise with an exponent (durable error 204)."""
    import json
    import re

    text = json.dumps({n: {k: v for k, v in r.items() if k != "run"} for n, r in definition.items()})
    if re.search(r"(?<=[:\[,\s])-?\d+(\.\d+)?[eE][+-]?\d+(?=[,\]}\s])", text):
        raise EngineError(
            "a rule constant is too small or too large for durable_rules; write it as a plain decimal"
        )
    return definition
