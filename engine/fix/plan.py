"""Fix plans: the smallest set of edits to a description that clears its violations, verified.

The search works on the engine's own evidence. Every targeted violation (in the chosen
markets, at or above ``fail_on``) names the atoms of its rule that hold; for each atom
:func:`engine.fix.edits.falsifying_edits` lists the moves that make it stop holding, of which a
plan uses only the ones a team can make (``engine.fix.edits.TEAM_KINDS``; with
``allow_scope_changes`` also dropping a category, market or feature). Then:

1. greedy cover: the moves are ranked by how many targeted findings' evidence they break
   (weighted by severity); the best few are evaluated for real and the one that leaves the
   lightest set of findings is taken (a move that only helps together with the next one is
   found by a short look-ahead);
2. minimisation: each edit is dropped in turn and kept out when the description stays as
   clean without it, until every edit is needed (removing any one brings a finding back);
3. verification: the patched description is evaluated once more; what it still violates is
   reported as a finding no edit clears, with the reason.

Work is bounded by ``time_budget`` seconds and ``max_edits``; a plan cut short says so
(``complete: false``) and is never presented as clearing what it did not clear.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from engine.evaluate.evaluator import Evaluator, default_evaluator
from engine.facts.inputs import product_from_data
from engine.fix.edits import SCOPE_KINDS, TEAM_KINDS, Edit, Move, apply_edits, falsifying_edits
from engine.fix.jsonpatch import diff as json_diff
from engine.law.severity import SEVERITY_RANK, per_severity
from engine.report.model import Report, Violation

#: Weight of a finding of each severity in the search's score (one critical outweighs any number
#: of graver-looking lows a move could trade it for).
_WEIGHT = per_severity((1_000_000, 10_000, 100, 1))
_LOOKAHEAD = 4  # rounds of repair after a move that does not help alone
_BATCH = 6  # moves tried with a look-ahead
_SCAN = 24  # moves evaluated one by one when a round of the cover does not help


@dataclass
class Finding:
    """A violation, as a fix plan refers to it."""

    rule_id: str
    jurisdiction: str
    severity: str
    subject: str  # JSON path of the practice / transfer, "" for the product
    title: str

    @classmethod
    def of(cls, v: Violation) -> Finding:
        return cls(v.rule_id, v.jurisdiction, v.severity, v.subject.path, v.title)

    @property
    def key(self) -> tuple[str, str]:
        return (self.rule_id, self.subject)

    def to_dict(self) -> dict[str, str]:
        return {
            "rule_id": self.rule_id,
            "jurisdiction": self.jurisdiction,
            "severity": self.severity,
            "subject": self.subject,
            "title": self.title,
        }


@dataclass
class PlannedEdit:
    edit: Edit
    previous: Any
    clears: list[Finding] = field(default_factory=list)

    def summary(self) -> str:
        places = sorted({f.jurisdiction for f in self.clears})
        n = len(self.clears)
        where = " and ".join([", ".join(places[:-1]), places[-1]] if len(places) > 1 else places)
        return f"{self.edit.describe()} — clears {n} finding{'s' if n != 1 else ''}" + (
            f" in {where}" if where else ""
        )

    def to_dict(self) -> dict[str, Any]:
        e = self.edit
        return {
            "op": e.op,
            "path": e.path,
            "value": list(e.value) if isinstance(e.value, tuple) else e.value,
            "previous": self.previous,
            "kind": e.kind,
            "text": self.summary(),
            "clears": [f.to_dict() for f in self.clears],
        }


@dataclass
class Uncleared:
    finding: Finding
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {**self.finding.to_dict(), "reason": self.reason}


@dataclass
class FixPlan:
    """A verified plan: edits, the RFC 6902 patch, what stays, and how the search went."""

    product_id: str
    as_of: dt.date
    markets: list[str] | None
    fail_on: str
    allow_scope_changes: bool
    before: int  # targeted findings before
    after: int  # targeted findings after the plan (each listed in ``uncleared``)
    edits: list[PlannedEdit]
    patch: list[dict[str, Any]]
    patched: dict[str, Any]
    uncleared: list[Uncleared]
    complete: bool  # the search ran to its end (not cut by the budget)
    minimal: bool  # every edit was shown to be needed
    verified: bool  # the patched description was evaluated and gave ``after``
    evaluations: int
    elapsed_ms: int

    def to_dict(self, with_patched: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "product_id": self.product_id,
            "as_of": self.as_of.isoformat(),
            "markets": self.markets,
            "fail_on": self.fail_on,
            "allow_scope_changes": self.allow_scope_changes,
            "findings_before": self.before,
            "findings_after": self.after,
            "clears_all": self.after == 0 and self.verified,
            "edits": [e.to_dict() for e in self.edits],
            "patch": self.patch,
            "uncleared": [u.to_dict() for u in self.uncleared],
            "complete": self.complete,
            "minimal": self.minimal,
            "verified": self.verified,
            "evaluations": self.evaluations,
            "elapsed_ms": self.elapsed_ms,
        }
        if with_patched:
            out["patched"] = self.patched
        return out


class _Search:
    def __init__(
        self, doc: dict[str, Any], ev: Evaluator, as_of: dt.date, markets: list[str] | None,
        threshold: int, kinds: tuple[str, ...], deadline: float,
    ):  # fmt: skip
        self.doc, self.ev, self.as_of, self.markets = doc, ev, as_of, markets
        self.threshold, self.kinds, self.deadline = threshold, kinds, deadline
        self.evaluations = 0
        self._cache: dict[tuple[Any, ...], tuple[tuple[int, ...], list[Violation], Report | None]] = {}

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline

    def targets(self, report: Report) -> list[Violation]:
        return [v for v in report.violations if SEVERITY_RANK[v.severity] <= self.threshold]

    def run(self, edits: list[Edit]) -> tuple[tuple[int, ...], list[Violation], Report | None]:
        """(score, targeted violations, report) of the description with ``edits`` applied."""
        key = tuple(sorted((_plain_key(e) for e in edits), key=repr))
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        doc = apply_edits(self.doc, edits)
        try:
            product = product_from_data(doc)
        except Exception:  # noqa: BLE001 - an edit that makes the description invalid is no move
            result: tuple[tuple[int, ...], list[Violation], Report | None] = ((1 << 62,), [], None)
        else:
            self.evaluations += 1
            report = self.ev.evaluate(product, self.as_of, self.markets)
            found = self.targets(report)
            score = (
                sum(_WEIGHT[v.severity] for v in found),
                sum(len(v.evidence) for v in found),
                len(report.insufficient_information),
            )
            result = (score, found, report)
        self._cache[key] = result
        return result

    def moves(self, doc: dict[str, Any], found: list[Violation]) -> list[tuple[int, int, Move]]:
        """Candidate moves from the evidence of ``found``: (static gain, order, move), best first."""
        gain: dict[tuple[Any, ...], int] = {}
        first: dict[tuple[Any, ...], tuple[int, Move]] = {}
        for v in found:
            seen: set[tuple[Any, ...]] = set()
            for ev in v.evidence:
                for move in falsifying_edits(doc, v.subject.path, ev.rule_fact, ev.op, ev.expected):
                    if not all(e.kind in self.kinds for e in move):
                        continue
                    k = tuple(_plain_key(e) for e in move)
                    if k in seen:
                        continue
                    seen.add(k)
                    gain[k] = gain.get(k, 0) + _WEIGHT[v.severity]
                    if k not in first:
                        rank = max(_kind_rank(e.kind) for e in move)
                        first[k] = (rank * 100_000 + len(first), move)
        ranked = [(gain[k], first[k][0], first[k][1]) for k in gain]
        ranked.sort(key=lambda t: (-t[0] / _cost(t[2]), t[1]))
        return ranked


def _plain_key(e: Edit) -> tuple[Any, ...]:
    return (*e.key, repr(e.value)) if e.op == "set" else e.key


#: What an edit of each kind costs a team, relative to a safeguard: the planner drops a category
#: or a feature only where it clears several times what a safeguard would, a market last.
_COST = {"scope": 4, "market": 16}


def _cost(move: Move) -> int:
    return sum(_COST.get(e.kind, 1) for e in move)


def _kind_rank(kind: str) -> int:
    order = TEAM_KINDS + SCOPE_KINDS
    return order.index(kind) if kind in order else len(order)


def _merge(plan: list[Edit], move: Move) -> list[Edit]:
    """``plan`` with ``move`` added; an edit of the same key (a value set twice) is replaced."""
    keys = {e.key for e in move}
    return [e for e in plan if e.key not in keys] + list(move)


def plan_fixes(
    doc: dict[str, Any],
    *,
    as_of: dt.date | None = None,
    markets: list[str] | None = None,
    fail_on: str = "low",
    allow_scope_changes: bool = False,
    evaluator: Evaluator | None = None,
    time_budget: float = 20.0,
    max_edits: int = 200,
) -> FixPlan:
    """The smallest set of edits found that clears every violation of ``doc`` at or above
    ``fail_on`` in ``markets`` (all of the product's markets by default), verified.

    ``doc`` is the description as submitted (a dict); raises :class:`engine.facts.inputs.InputError`
    when it is not a valid description.
    """
    started = time.monotonic()
    ev = evaluator or default_evaluator()
    product_from_data(doc)  # bad input is the caller's error, before any search
    day = as_of or dt.date.today()
    kinds = TEAM_KINDS + (SCOPE_KINDS if allow_scope_changes else ())
    s = _Search(doc, ev, day, markets, SEVERITY_RANK[fail_on], kinds, started + time_budget)
    score0, found0, report0 = s.run([])
    assert report0 is not None
    plan: list[Edit] = []
    score, found = score0, found0
    complete = True
    while found:
        if s.out_of_time() or len(plan) >= max_edits:
            complete = False
            break
        step = _cover_step(s, plan, score, found) or _best_step(s, plan, score, found)
        if step is None:
            break
        plan, score, found = step

    minimal = True
    if not s.out_of_time():
        plan, complete_min = _minimise(s, plan, {_fkey(v) for v in found})
        minimal = complete_min
    else:
        minimal = False
    complete = complete and minimal

    # verification and attribution
    _, final_found, _ = s.run(plan)
    before_keys = {_fkey(v) for v in found0}
    planned: list[PlannedEdit] = []
    for e in plan:
        _, without, _ = s.run([x for x in plan if x is not e])  # cached by the minimisation
        cleared = {_fkey(v): v for v in without}
        final_keys = {_fkey(v) for v in final_found}
        clears = [Finding.of(v) for k, v in cleared.items() if k not in final_keys and k in before_keys]
        if not clears:  # needed only to keep clear what another edit introduced
            clears = [Finding.of(v) for k, v in cleared.items() if k not in final_keys]
        clears.sort(key=lambda f: (SEVERITY_RANK[f.severity], f.jurisdiction, f.rule_id, f.subject))
        planned.append(PlannedEdit(e, _previous(doc, e), clears))
    planned.sort(
        key=lambda p: (
            -len(p.clears),
            min((SEVERITY_RANK[f.severity] for f in p.clears), default=9),
            p.edit.path,
        )
    )
    # verification: exactly the description shown (edits in the order shown), evaluated afresh
    patched = apply_edits(doc, [p.edit for p in planned])
    s.evaluations += 1
    final_found = s.targets(ev.evaluate(product_from_data(patched), day, markets))
    verified = {_fkey(v) for v in final_found} == {_fkey(v) for v in s.run(plan)[1]}
    final_keys = {_fkey(v) for v in final_found}
    uncleared = [
        Uncleared(Finding.of(v), _why_uncleared(s, plan, v, final_keys, allow_scope_changes, complete))
        for v in final_found
    ]
    return FixPlan(
        product_id=str(doc.get("id")),
        as_of=day,
        markets=markets,
        fail_on=fail_on,
        allow_scope_changes=allow_scope_changes,
        before=len(found0),
        after=len(final_found),
        edits=planned,
        patch=json_diff(doc, patched),
        patched=patched,
        uncleared=uncleared,
        complete=complete,
        minimal=minimal,
        verified=verified,
        evaluations=s.evaluations,
        elapsed_ms=int((time.monotonic() - started) * 1000),
    )


def _fkey(v: Violation) -> tuple[str, str]:
    return (v.rule_id, v.subject.path)


def _previous(doc: dict[str, Any], e: Edit) -> Any:
    from engine.core.docpath import get_path

    try:
        return get_path(doc, e.path)
    except (KeyError, IndexError, TypeError):
        return None


def _cover_step(
    s: _Search, plan: list[Edit], score: tuple[int, ...], found: list[Violation]
) -> tuple[list[Edit], tuple[int, ...], list[Violation]] | None:
    """A whole round at once: a greedy set cover of ``found`` by moves that break an atom of
    their evidence (one evaluation); None when the round does not improve the score."""
    doc = apply_edits(s.doc, plan)
    covers: dict[tuple[Any, ...], tuple[Move, set[tuple[str, str]]]] = {}
    order: dict[tuple[Any, ...], int] = {}
    for v in found:
        for _, rank, move in s.moves(doc, [v]):
            k = tuple(_plain_key(e) for e in move)
            covers.setdefault(k, (move, set()))[1].add(_fkey(v))
            order[k] = min(order.get(k, rank), rank)
    weight = {_fkey(v): _WEIGHT[v.severity] for v in found}
    uncovered = set(weight)
    chosen: list[Edit] = []
    taken: set[tuple[Any, ...]] = set()
    while uncovered:
        best = max(
            (k for k in covers if k not in taken and covers[k][1] & uncovered),
            key=lambda k: (sum(weight[f] for f in covers[k][1] & uncovered) / _cost(covers[k][0]), -order[k]),
            default=None,
        )
        if best is None:
            break
        taken.add(best)
        uncovered -= covers[best][1]
        chosen = _merge(chosen, covers[best][0])
    if not chosen:
        return None
    trial = _merge(plan, tuple(chosen))
    sc, fnd, _ = s.run(trial)
    if sc < score:
        return trial, sc, fnd
    # the round as a whole does not help (a move in it breaks another rule): keep the moves
    # that help on their own
    kept, kept_score, kept_found = plan, score, found
    for k in taken:
        trial = _merge(kept, covers[k][0])
        sc, fnd, _ = s.run(trial)
        if sc < kept_score:
            kept, kept_score, kept_found = trial, sc, fnd
        if s.out_of_time():
            break
    return (kept, kept_score, kept_found) if kept_score < score else None


def _best_step(
    s: _Search, plan: list[Edit], score: tuple[int, ...], found: list[Violation]
) -> tuple[list[Edit], tuple[int, ...], list[Violation]] | None:
    """The next move of the greedy cover, or None when no move (or short sequence) helps.

    Lazy: a move's static gain bounds what it can clear (a finding whose evidence it leaves
    alone still holds), so moves are evaluated best-bound first until the best real gain
    reaches the next bound."""
    doc = apply_edits(s.doc, plan)
    ranked = s.moves(doc, found)
    best: tuple[tuple[int, ...], list[Edit], list[Violation]] | None = None
    best_rate = 0.0
    for i, (_, _, move) in enumerate(ranked[:_SCAN]):
        trial = _merge(plan, move)
        sc, fnd, _ = s.run(trial)
        if sc < score and (best is None or (score[0] - sc[0]) / _cost(move) > best_rate or sc < best[0]):
            best, best_rate = (sc, trial, fnd), max(best_rate, (score[0] - sc[0]) / _cost(move))
        bound = ranked[i + 1][0] / _cost(ranked[i + 1][2]) if i + 1 < len(ranked) else 0
        if (best is not None and best_rate >= bound) or s.out_of_time():
            break
    if best is not None:
        return best[1], best[0], best[2]
    # look ahead: a move that helps only together with what it then needs (legal basis ->
    # consent, then the consent's quality): repair what it brought in, a few rounds
    before = {_fkey(v) for v in found}
    for _, _, move in ranked[:_BATCH]:
        trial = _merge(plan, move)
        sc, fnd, _ = s.run(trial)
        for _ in range(_LOOKAHEAD):
            if sc < score or s.out_of_time():
                break
            new = [v for v in fnd if _fkey(v) not in before]
            if not new:
                break
            follow: list[Edit] = []
            for v in new:
                options = s.moves(apply_edits(s.doc, trial), [v])
                if options:
                    follow += options[0][2]
            if not follow:
                break
            trial = _merge(trial, tuple(follow))
            sc, fnd, _ = s.run(trial)
        if sc < score:
            return trial, sc, fnd
    return None


def _minimise(s: _Search, plan: list[Edit], allowed: set[tuple[str, str]]) -> tuple[list[Edit], bool]:
    """Drop edits one at a time while the targeted findings stay within ``allowed``, until each
    remaining edit has been shown needed since the last drop (1-minimal)."""
    needed: set[tuple[Any, ...]] = set()  # shown needed since the last drop
    while True:
        dropped = False
        for e in sorted(reversed(plan), key=lambda e: -_COST.get(e.kind, 1)):
            if _plain_key(e) in needed:
                continue
            if s.out_of_time():
                return plan, False
            trial = [x for x in plan if x is not e]
            _, fnd, report = s.run(trial)
            if report is not None and {_fkey(v) for v in fnd} <= allowed:
                plan, dropped = trial, True
                needed.clear()
            else:
                needed.add(_plain_key(e))
        if not dropped:
            return plan, True


def _why_uncleared(
    s: _Search, plan: list[Edit], v: Violation, final: set[tuple[str, str]], scope: bool, complete: bool
) -> str:
    if not complete:
        return "the search ran out of its budget before clearing this finding"
    doc = apply_edits(s.doc, plan)
    facts = ", ".join(dict.fromkeys(f"`{e.fact}`" for e in v.evidence))
    moves = s.moves(doc, [v])
    conflicts = []
    for _, _, move in moves[:4]:
        _, fnd, _ = s.run(_merge(plan, move))
        brought = sorted({f"{x.rule_id} ({x.jurisdiction})" for x in fnd if _fkey(x) not in final})
        if brought:
            what = "; ".join(e.describe() for e in move)
            conflicts.append(f"{what} clears it but brings in {', '.join(brought)}")
    if conflicts:
        return (
            "every edit that clears it breaks another rule (the description cannot say both; a "
            "conflict between markets or rules): " + "; ".join(conflicts)
        )
    if not scope:
        any_scope = any(
            any(e.kind in SCOPE_KINDS for e in move)
            for ev in v.evidence
            for move in falsifying_edits(doc, v.subject.path, ev.rule_fact, ev.op, ev.expected)
        )
        if any_scope:
            return (
                "no safeguard, notice, consent, contract, label, retention or governance edit clears it: "
                f"it turns on what the product does ({facts}); only a change of scope clears it "
                "(stop or change the practice; --allow-scope-changes lets the plan propose one)"
            )
    return (
        f"no edit regulint can propose clears it: it turns on {facts}, facts about the company or "
        "the practice itself (a prohibited practice is stopped, not fixed)"
    )
