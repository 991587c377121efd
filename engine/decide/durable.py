"""The one place regulint touches durable_rules.

Rule conditions are compiled to durable_rules' JSON ruleset format, registered through a
``Host``, and products are decided by asserting one fact per subject. The engine's sharp
edges (shared/research/durable-rules-bench.md) are handled here, following its §6:

- **Timer threads.** The stock ``Host`` starts dispatcher threads that run actions on foreign
  threads and crash under load; :class:`_QuietHost` overrides ``_run`` so none start.
- **Thread safety.** durable_rules is not thread-safe and its C calls never release the GIL:
  every decision holds one ``threading.Lock`` per :class:`DurableEngine`, so concurrent callers
  queue (threads add no throughput here anyway; scale with processes — each process builds its
  own engine).
- **Sessions.** One long-lived session (a fixed sid) per ruleset; every fact is retracted in
  ``finally``. Sessions are never deleted, so the delete-without-action heap bug, the 1,024
  live-session limit and 32-bit sid-hash collisions cannot occur.
- **No match.** A fact that matches nothing is not an error (``assert_fact`` code 1), not an
  exception path; the same content twice (code 2) cannot happen: every fact's ``id`` is a
  counter (an explicit id also spares durable_rules hashing the fact's content for one: -6%
  of decide's instructions).
- **Registry.** Ruleset names are unique per Host and each engine owns its Host, so reloads
  and test runs never collide.
- **Structural limits.** Rules are split into chunks of at most ``MAX_RULES_PER_RULESET``
  durable rules and ``MAX_PROPERTIES`` fact properties (under the 256 rules per alpha node of
  error 108, the 512 children that hang ``create_ruleset`` and the 252 properties of error 302;
  the 64-rule limit of error 303 is for array tests, and arrays become boolean flag properties
  with shared alpha nodes — one per tested item, one per set of items a rule asks the list to
  overlap); every rule starts with a positive anchor ``k == <subject kind>``
  (no self-matching state fact). A pattern holds at most 15 ``$and``/``$or`` (error 113: 31
  expression entries per beta node); larger conditions become several durable rules
  (:mod:`engine.decide.patterns`). Fewer, larger chunks mean fewer C calls per subject.
- **One fire per rule.** durable_rules gives a rule one frame per ``$or`` branch a fact
  satisfies, each a fire (a ``complete_and_start_action`` C call); every rule carries ``cap``
  so all its frames come in one action. A check compiles to one definite rule and, if it tests
  facts that may be unknown, one unknown rule that excludes "definitely true", so a check
  fires once per subject when it is true or unknown and not at all when false
  (:meth:`DurableEngine.calls` counts it; the few checks too large for one rule may fire more
  than once, :attr:`DurableEngine.split_checks`).
- **Hashes.** Property names are short generated names checked at compile time for 32-bit
  FNV collisions (durable_rules identifies properties by hash only).
- **Numbers.** Facts and rules are serialised by :func:`engine.decide.patterns.to_json` without
  exponent notation (durable_rules rejects ``1e-06``).
- **Speed.** Evaluation drives the C extension through the Host's ruleset handles
  (``assert_fact``/``start_action_for_state``/``complete_and_start_action``/``retract_fact``),
  skipping the per-action Python closure, state round trip and JSON parse of the stock Host.
  Each chunk's fact is written straight to JSON from fragments precomputed at compile time
  (:func:`_encode_fact`), not built as a dict and serialised, and retracted by its sid and id
  alone. A chunk's rules hang below the anchor in buckets (:func:`_buckets`): no alpha node
  has more than a few dozen children to probe for each of the fact's properties. A boolean
  that is never unknown is a flag, written only when true
  (:meth:`engine.decide.patterns.PatternCompiler.is_truth`): most are false, and every
  property of a fact is walked at every alpha node it reaches, copied into every frame and
  decoded again in Python (facts of 406 characters on average became 249).

Truth is three-valued (:mod:`engine.law.conditions`): a check is *true* when its definite rule
fires, *unknown* when its unknown rule fires (compiled as "possibly true and possibly false",
unknown atoms counted as true on both sides; :mod:`engine.decide.patterns` writes both rules).
"""

from __future__ import annotations

import itertools
import json
import os
import threading
from dataclasses import dataclass, field
from typing import Any

import durable_rules_engine as _dre
from durable import engine as _durable_engine

from engine.decide.patterns import CAP, PatternCompiler, PropertyNames, Test, properties_of, to_json
from engine.decide.protocol import Check, Decision, EngineError
from engine.facts.registry import Subject

MAX_RULES_PER_RULESET = 120  # measured: 40 -> 120 saves ~16% of decide() (5 C rulesets, not 8)
MAX_PROPERTIES = 200
_SID = "regulint"


class _ExactRuleset(_durable_engine.Ruleset):
    """A Host ruleset whose definition is serialised without exponents (durable error 204)."""

    def __init__(self, name: str, host: _durable_engine.Host, definition: dict[str, Any]):
        self._actions = {}
        self._name = name
        self._host = host
        for rule_name, rule in definition.items():
            self._actions[rule_name] = _durable_engine.Promise(rule.pop("run"))
        self._handle = _dre.create_ruleset(name, to_json(definition))
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


@dataclass
class CallCounts:
    """C calls made deciding some subjects: one assert (and one retract) per chunk of the
    subject's kind, a start-action when the fact matched, one complete-and-start per fire."""

    subjects: int = 0
    asserts: int = 0
    starts: int = 0
    fires: int = 0
    results: int = 0  # checks found true or unknown: each needs one fire, more are redundant
    most_fires: dict[str, int] = field(default_factory=dict)  # check -> most fires on one subject

    @property
    def redundant(self) -> int:
        return self.fires - self.results


@dataclass
class _Chunk:
    name: str
    kind: str
    names: PropertyNames
    handle: Any = None
    # durable rule name -> (check key, definite?)
    actions: dict[str, tuple[str, bool]] | None = None
    scalar_paths: list[str] | None = None
    flag_items: dict[str, list[tuple[Any, str]]] | None = None
    any_items: dict[str, list[tuple[frozenset[Any], str]]] | None = None
    all_items: dict[str, list[tuple[frozenset[Any], str]]] | None = None
    truths: list[tuple[str, str]] | None = None  # (path, flag) of the booleans written when true
    properties: int = 0
    plan: _Plan | None = None  # the fact encoder, built once the kind's names are final


_instances = itertools.count()


class DurableEngine:
    """Checks compiled into durable_rules rulesets on a private Host; safe to call from threads."""

    def __init__(self, checks: list[Check]):
        self._lock = threading.Lock()
        self._host = _QuietHost()
        self._counter = itertools.count()
        self._chunks: dict[str, list[_Chunk]] = {}
        self._split_checks: set[str] = set()
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
        names = PropertyNames()
        compiler = PatternCompiler(names)
        rules: list[tuple[list[Test], str, bool]] = []
        for check in checks:
            compiled = compiler.rules(check.condition)
            if sum(definite for _, definite in compiled) > 1 or sum(not d for _, d in compiled) > 1:
                self._split_checks.add(check.key)
            rules += [(tests, check.key, definite) for tests, definite in compiled]
        current: list[tuple[list[Test], str, bool]] = []
        props: set[str] = set()
        for rule in rules:
            needed = properties_of(rule[0])
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
        self, name: str, kind: str, rules: list[tuple[list[Test], str, bool]], names: PropertyNames
    ) -> _Chunk:
        definition: dict[str, Any] = {}
        actions: dict[str, tuple[str, bool]] = {}
        used: set[str] = set()
        buckets = _buckets([pattern for pattern, _, _ in rules], names)
        for n, (pattern, key, definite) in enumerate(rules):
            rule_name = f"r{n}"
            # the positive anchor first: no rule can match durable_rules' own state fact
            definition[rule_name] = {
                "all": [{"m": {"$and": [{"k": kind}, *buckets[n], *pattern]}}],
                "cap": CAP,  # every frame of the rule (one per matching $or branch) in one action
                "run": _no_action,
            }
            actions[rule_name] = (key, definite)
            used |= properties_of(pattern)
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
        any_items: dict[str, list[tuple[frozenset[Any], str]]] = {}
        for (path, items), flag in names.any_of.items():
            if flag in used:
                any_items.setdefault(path, []).append((items, flag))
        all_items: dict[str, list[tuple[frozenset[Any], str]]] = {}
        for (path, items), flag in names.all_of.items():
            if flag in used:
                all_items.setdefault(path, []).append((items, flag))
        truths = [(path, flag) for path, flag in names.truth.items() if flag in used]
        return _Chunk(
            name, kind, names, handle, actions, scalar, flag_items, any_items, all_items, truths, len(used)
        )

    @staticmethod
    def _encode(chunk: _Chunk, facts: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        names = chunk.names
        for path, flag in chunk.truths or ():
            if facts.get(path) is True:
                out[flag] = True
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
        for path, sets in (chunk.any_items or {}).items():
            present = facts.get(path) or ()
            for items, flag in sets:
                if not items.isdisjoint(present):
                    out[flag] = True
        for path, sets in (chunk.all_items or {}).items():
            present = facts.get(path) or ()
            for items, flag in sets:
                if items.issubset(present):
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
                    serial = next(counter)
                    for rule_name in assert_(chunk, _encode_fact(chunk.plan, facts, serial), serial):  # type: ignore[arg-type]
                        key, definite = actions[rule_name]  # type: ignore[index]
                        (fired_definite if definite else fired_possible).add(key)
                results.append(Decision(fired_definite, fired_possible - fired_definite))
        return results

    @staticmethod
    def _assert(chunk: _Chunk, js: str, serial: int, tally: CallCounts | None = None) -> list[str]:
        handle = chunk.handle
        fired: list[str] = []
        try:
            code, state = _dre.assert_fact(handle, js)[:2]
            try:
                if code == 0:
                    result = _dre.start_action_for_state(handle, state)
                    message = result[1] if result else None
                    while message:
                        # '{"r12": [{"m": {...}}, ...]}': the rule name is the first key
                        fired.append(message[2 : message.index('"', 2)])
                        message = _dre.complete_and_start_action(handle, state)
                elif code not in (1, 3):
                    raise EngineError(f"durable_rules refused a fact (code {code})")
            finally:
                # durable_rules finds the fact to retract by sid and id alone: no need to parse it whole
                _dre.retract_fact(handle, f'{{"sid":"{_SID}","id":"{serial}"}}')
        except _dre.error as exc:
            raise EngineError(f"durable_rules could not evaluate this product: {exc}") from None
        if tally is not None:
            tally.asserts += 1
            tally.starts += code == 0
            tally.fires += len(fired)
        return fired

    def calls(self, subjects: list[Subject]) -> CallCounts:
        """Decide ``subjects`` as :meth:`decide` does, counting the C calls and fires (bench, tests)."""
        tally = CallCounts()
        with self._lock:
            for subject in subjects:
                fires: dict[tuple[str, bool], int] = {}
                for chunk in self._chunks.get(subject.kind, ()):
                    serial = next(self._counter)
                    js = _encode_fact(chunk.plan, subject.facts, serial)  # type: ignore[arg-type]
                    for rule_name in self._assert(chunk, js, serial, tally):
                        fired = chunk.actions[rule_name]  # type: ignore[index]
                        fires[fired] = fires.get(fired, 0) + 1
                true = {key for key, definite in fires if definite}
                tally.subjects += 1
                tally.results += len(true) + len({key for key, _ in fires} - true)
                for (key, _), n in fires.items():
                    tally.most_fires[key] = max(tally.most_fires.get(key, 0), n + ((key, not _) in fires))
        return tally

    @property
    def split_checks(self) -> frozenset[str]:
        """Checks too large for one durable rule each (they may fire more than once)."""
        return frozenset(self._split_checks)

    def stats(self) -> dict[str, int]:
        """How the checks were laid out (for benchmarks and tests)."""
        return {
            "rulesets": sum(len(c) for c in self._chunks.values()),
            "split_checks": len(self._split_checks),
            "durable_rules": sum(len(ch.actions or {}) for c in self._chunks.values() for ch in c),
            "max_properties": max(
                (
                    len(ch.names.value)
                    + len(ch.names.null)
                    + len(ch.names.flag)
                    + len(ch.names.any_of)
                    + len(ch.names.all_of)
                    + len(ch.names.truth)
                    for c in self._chunks.values()
                    for ch in c
                ),
                default=0,
            ),
        }


#: children of one alpha node's hash set past which the chunk's rules are spread over buckets
BUCKET_CHILDREN = 16


def _buckets(patterns: list[list[Test]], names: PropertyNames) -> list[list[Test]]:
    """Per rule, the test that puts it in a bucket (none when the anchor's node stays small).

    At every alpha node a fact reaches, durable_rules looks each of the fact's properties up in
    the node's children, a hash set whose 32 first slots fill up (linear probing): the anchor's
    node, parent of every rule's first test, made each lookup walk ~40 slots (a third of
    decide's alpha cost). A bucket is an absent property's ``$nex``, true for every fact (a
    cheap list entry, not a hash set lookup); rules sharing a first test share a bucket, and each
    bucket's node holds at most :data:`BUCKET_CHILDREN` first tests.
    """
    firsts: dict[str, int] = {}  # first test -> how many hash set children it adds
    for pattern in patterns:
        if pattern:
            first = pattern[0]
            ((key, value),) = first.items()
            width = 0 if key == "$nex" else len(value) if key == "$or" else 1
            firsts.setdefault(repr(first), width)
    if sum(firsts.values()) <= BUCKET_CHILDREN:
        return [[] for _ in patterns]
    bucket_of: dict[str, int] = {}
    n, size = 0, 0
    for first, width in firsts.items():
        if size and size + width > BUCKET_CHILDREN:
            n, size = n + 1, 0
        bucket_of[first] = n
        size += width
    tests = [{"$nex": {names.of_bucket(b): 1}} for b in range(n + 1)]
    return [[tests[bucket_of[repr(p[0])]]] if p else [] for p in patterns]


@dataclass(frozen=True)
class _Plan:
    """How one chunk's fact is written: JSON fragments precomputed, values filled in per subject.

    It writes the same properties as :meth:`DurableEngine._encode` (which stays the readable
    specification, held equal to this by the tests), without building a dict and serialising it.
    """

    head: str  # '{"k":"practice","sid":"regulint","id":"' (the fact's id: a counter)
    scalars: tuple[tuple[str, str | None, str | None], ...]  # (path, ',"p3":', ',"n3":true')
    # (path, ((item, ',"f2":true'), ...), {item: ',"f2":true'})
    flags: tuple[tuple[str, tuple[tuple[Any, str], ...], dict[Any, str]], ...]
    any_of: tuple[
        tuple[str, tuple[tuple[frozenset[Any], str], ...]], ...
    ]  # (path, ((items, ',"s4":true'), ...))
    all_of: tuple[tuple[str, tuple[tuple[frozenset[Any], str], ...]], ...]  # as any_of
    truths: tuple[tuple[str, str], ...]  # (path, ',"t5":true'): booleans written when true


def _plan(chunk: _Chunk) -> _Plan:
    names = chunk.names
    scalars = tuple(
        (
            path,
            f",{to_json(names.value[path])}:" if path in names.value else None,
            f",{to_json(names.null[path])}:true" if path in names.null else None,
        )
        for path in chunk.scalar_paths or ()
    )
    flags = []
    for path, items in (chunk.flag_items or {}).items():
        pairs = tuple((item, f",{to_json(flag)}:true") for item, flag in items)
        flags.append((path, pairs, dict(pairs)))
    head = "{" + f'"k":{to_json(chunk.kind)},"sid":{to_json(_SID)},"id":"'
    any_of = tuple(
        (path, tuple((items, f",{to_json(flag)}:true") for items, flag in sets))
        for path, sets in (chunk.any_items or {}).items()
    )
    all_of = tuple(
        (path, tuple((items, f",{to_json(flag)}:true") for items, flag in sets))
        for path, sets in (chunk.all_items or {}).items()
    )
    truths = tuple((path, f",{to_json(flag)}:true") for path, flag in chunk.truths or ())
    return _Plan(head, scalars, tuple(flags), any_of, all_of, truths)


_ABSENT = object()
_quote = json.encoder.encode_basestring  # what json.dumps(s, ensure_ascii=False) writes


def _encode_fact(plan: _Plan, facts: dict[str, Any], serial: int) -> str:
    """The JSON of ``_encode(chunk, facts)`` plus ``k``, ``sid`` and ``id``, written directly."""
    parts = [plan.head, str(serial), '"']
    append = parts.append
    get = facts.get
    for path, flag_key in plan.truths:
        if get(path) is True:
            append(flag_key)
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
        elif isinstance(value, str):  # str enums: their value
            append(_quote(value))
        elif isinstance(value, list):
            append(str(len(value)))
        else:
            append(to_json(value))  # floats, Decimals, enum members: the general writer
    for path, items, by_item in plan.flags:
        present = get(path)
        if present:
            if len(present) < len(items):  # look the list's values up (each flag once)
                parts.extend({by_item[v] for v in present if v in by_item})
            else:
                for item, flag_key in items:
                    if item in present:
                        append(flag_key)
    for path, sets in plan.any_of:
        present = get(path)
        if present:
            for items, flag_key in sets:
                if not items.isdisjoint(present):
                    append(flag_key)
    for path, sets in plan.all_of:
        present = get(path)
        if present:
            for items, flag_key in sets:
                if items.issubset(present):
                    append(flag_key)
    append("}")
    return "".join(parts)


def _no_action(_closure: Any) -> None:
    """Actions are never run through the Host: results are read from the C layer."""
