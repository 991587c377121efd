"""Evaluation: product -> facts -> durable_rules -> violations, penalties and the report.

``evaluate`` is a pure function of (product, rulesets, as_of, markets): the facts are built
in document order, decisions come from the engine, and every list in the report is sorted.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from decimal import Decimal
from functools import cache
from importlib import metadata
from typing import Any, Protocol

from engine.core.fx import fx_rates
from engine.core.jurisdictions import jurisdictions, market_of, within
from engine.decide.durable import DurableEngine
from engine.decide.protocol import Check, Decision
from engine.facts.product import Product
from engine.facts.registry import Subject, build_subjects, date_number
from engine.law import conditions
from engine.law.loader import load_rulesets
from engine.law.model import Instrument, Rule, RuleSet
from engine.law.penalties import PenaltyContext, basis_of, bound, evaluate_formula, money
from engine.law.severity import SEVERITIES, SEVERITY_RANK
from engine.law.sources import source_fields
from engine.report.model import (
    EngineInfo,
    Evidence,
    Exposure,
    Insufficient,
    NotApplicable,
    Penalty,
    Period,
    Report,
    RulesetRef,
    SubjectRef,
    Summary,
    Upcoming,
    UpcomingPenaltyChange,
    UsdRange,
    Violation,
)  # fmt: skip


class Decider(Protocol):
    def decide(self, subjects: list[Subject]) -> list[Decision]: ...


def checks_of(ruleset: RuleSet, day: dt.date | None = None) -> list[Check]:
    """What the engine decides on ``day``: every instrument's scope and every rule not yet expired.

    A rule in force is decided as it stands on ``day`` (dated parameters resolved, exceptions in
    force applied); a rule not yet in force as it will stand when it starts (for ``upcoming``).
    Without ``day``: every rule and scope in its latest version.
    """
    if day is None:
        out = [Check(f"scope:{i.id}", "product", i.scope) for i in ruleset.instruments]
        return out + [Check(r.id, r.subject, r.when) for r in ruleset.rules]
    out = [Check(f"scope:{i.id}", "product", i.scope_at(day)) for i in ruleset.instruments]
    for inst in ruleset.instruments:
        for r in inst.rules:
            if r.effective.until is not None and r.effective.until < day:
                continue  # expired: nothing to report
            starts = max(r.effective.from_, inst.in_force)
            out.append(Check(r.id, r.subject, r.when_at(max(day, starts))))
    return out


@cache
def engine_version() -> str:
    try:
        return metadata.version("regulint")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.1.0"


class MarketSelectionError(ValueError):
    """A market selection that leaves none of the product's markets: nothing would be evaluated."""

    def __init__(self, product: Product, markets: list[str]):
        self.product_markets = sorted(product.markets)
        self.selected = sorted(markets)
        super().__init__(
            f"none of the product's markets ({', '.join(self.product_markets)}) falls under the markets "
            f"selected ({', '.join(self.selected)})"
        )


def restrict_markets(product: Product, markets: list[str] | None) -> tuple[Product, set[str] | None]:
    """Keep only the product's markets that fall under ``markets`` (DE under EU, US-CA under US).

    Raises :class:`MarketSelectionError` when none does: an evaluation of nothing would read as
    compliant.
    """
    if not markets:
        return product, None
    wanted = {m.strip().upper() for m in markets}
    kept = [m for m in product.markets if any(within(m, w) for w in wanted)]
    if not kept:
        raise MarketSelectionError(product, markets)
    selected = {market_of(m) or m for m in wanted} | {
        code for code in jurisdictions() if any(within(code, w) for w in wanted)
    }
    return product.model_copy(update={"markets": kept}), selected


class Evaluator:
    """Rulesets compiled once; evaluates products (thread-safe: the engine serialises itself)."""

    def __init__(self, ruleset: RuleSet, backend: str = "durable"):
        if backend not in ("durable", "reference"):
            raise ValueError(f"unknown backend {backend!r}")
        self.ruleset = ruleset
        self.backend = backend
        self._lock = threading.Lock()
        self._by_epoch: dict[dt.date, _Compiled] = {}
        self._by_checks: dict[tuple[Check, ...], _Compiled] = {}
        self._explained: dict[int, tuple[conditions.Condition, _Explained]] = {}
        self._info = EngineInfo(
            version=engine_version(),
            backend="durable_rules" if backend == "durable" else backend,
            rulesets=[RulesetRef(id=i.id, digest=i.digest) for i in ruleset.instruments],
        )

    def compiled_at(self, day: dt.date) -> _Compiled:
        """The checks of ``day``'s epoch, compiled on first use; epochs with equal checks share one."""
        epoch = self.ruleset.epoch_of(day)
        with self._lock:
            found = self._by_epoch.get(epoch)
            if found is None:
                checks = tuple(checks_of(self.ruleset, epoch))
                found = self._by_checks.get(checks)
                if found is None:
                    found = self._by_checks[checks] = _Compiled(self._decider(list(checks)), checks)
                self._by_epoch[epoch] = found
            return found

    def _decider(self, checks: list[Check]) -> Decider:
        if self.backend == "durable":
            return DurableEngine(checks)
        from engine.decide.reference import ReferenceEngine

        return ReferenceEngine(checks)

    def decider_at(self, day: dt.date) -> Decider:
        return self.compiled_at(day).decider

    @property
    def decider(self) -> Decider:
        """The decider of the latest epoch (the law as it stands after its last dated change)."""
        epochs = self.ruleset.epochs_cached()
        return self.decider_at(epochs[-1] if epochs else dt.date.today())

    def evaluate(
        self, product: Product, as_of: dt.date | None = None, markets: list[str] | None = None
    ) -> Report:
        """Evaluate one product on ``as_of`` (default today), optionally only in ``markets``."""
        as_of = as_of or dt.date.today()
        product, selected = restrict_markets(product, markets)
        subjects = build_subjects(product, as_of)
        compiled = self.compiled_at(as_of)
        decisions = compiled.decider.decide(subjects)
        return _assemble(self, compiled, product, as_of, selected, subjects, decisions)


class _Compiled:
    """One epoch's checks and their decider; ``conditions`` maps a check key to its condition."""

    __slots__ = ("decider", "conditions")

    def __init__(self, decider: Decider, checks: tuple[Check, ...]):
        self.decider = decider
        self.conditions = {c.key: c.condition for c in checks}


def _subject_ref(subject: Subject) -> SubjectRef:
    return SubjectRef(kind=subject.kind, id=subject.id, path=subject.doc_prefix.rstrip("."))  # type: ignore[arg-type]


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    return value


class _Explained:
    """A condition prepared once for explaining: its NNF, and per atom the op and expected value."""

    __slots__ = ("nnf", "atoms", "facts")

    def __init__(self, cond: conditions.Condition):
        self.nnf = conditions.to_nnf(cond)
        self.atoms = {
            id(a): (
                f"not {a.op}" if a.negated else a.op,
                _jsonable(a.value) if a.op not in ("exists", "missing") else None,
            )
            for a in conditions.atoms(self.nnf)
        }
        self.facts = tuple(dict.fromkeys(a.fact for a in conditions.atoms(cond)))


def _explained(ev: Evaluator, cond: conditions.Condition) -> _Explained:
    """The prepared form of one of ``ev``'s conditions (made once per process)."""
    found = ev._explained.get(id(cond))
    if found is None or found[0] is not cond:
        found = ev._explained[id(cond)] = (cond, _Explained(cond))
    return found[1]


def _holding(cond: conditions.Condition, facts: dict[str, Any]) -> list[conditions.Atom] | None:
    """:func:`engine.law.conditions.evidence` on a condition already in negation normal form."""
    if isinstance(cond, conditions.Atom):
        return [cond] if conditions.atom_holds(cond, facts) else None
    if isinstance(cond, conditions.All):
        out: list[conditions.Atom] = []
        for item in cond.items:
            got = _holding(item, facts)
            if got is None:
                return None
            out += got
        return out
    found: list[conditions.Atom] = []
    for item in cond.items:  # AnyOf: every branch that holds
        got = _holding(item, facts)
        if got is not None:
            found += got
    return found or None


def _evidence(ev: Evaluator, compiled: _Compiled, rule: Rule, subject: Subject) -> list[Evidence]:
    plan = _explained(ev, compiled.conditions[rule.id])
    facts = subject.facts
    out = []
    for atom in _holding(plan.nnf, facts) or ():
        op, expected = plan.atoms[id(atom)]
        out.append(Evidence(
            fact=subject.doc_path(atom.fact), rule_fact=atom.fact, op=op,
            expected=expected, actual=_jsonable(facts.get(atom.fact)),
        ))  # fmt: skip
    return out


def _missing(ev: Evaluator, cond: conditions.Condition, subject: Subject) -> list[str]:
    facts = subject.facts
    return sorted({subject.doc_path(f) for f in _explained(ev, cond).facts if f not in facts})


def _began_before(subject: Subject, day: dt.date) -> bool | None:
    """Whether the subject's practice began before ``day`` (None: its start is not given)."""
    started = subject.facts.get("practice.started_on")
    if started is None:
        return None
    return bool(started < date_number(day))


def _penalty(
    ruleset: RuleSet,
    inst: Instrument,
    rule: Rule,
    product: Product,
    as_of: dt.date,
    on: dt.date | None = None,
) -> Penalty:
    """The rule's penalty for ``product``: its tier as it stands ``on`` (default ``as_of``)."""
    on = on or as_of
    tier = ruleset.tiers[rule.penalty].at(on)
    currency = tier.currency or jurisdictions()[inst.jurisdiction].currency
    org = product.organization
    revenue = None
    if org.annual_revenue is not None:
        revenue = fx_rates().convert(org.annual_revenue.amount, org.annual_revenue.currency, currency, as_of)
    count: int | None = 1
    label, path = "violation", None
    if tier.counts == "affected_consumers":
        label, path = "affected consumer", f"audience.users_by_market.{inst.jurisdiction}"
        count = product.audience.users_by_market.get(inst.jurisdiction)
    ctx = PenaltyContext(
        currency=currency, revenue=revenue, count=count, count_label=label, as_of=as_of, count_path=path
    )
    formula = tier.sme_max if (org.sme and tier.sme_max is not None) else tier.max
    top = bound(formula, ctx)
    text = top.text
    # an amount that arises only on an event is never a minimum
    low = Decimal(0)
    if tier.min is not None and tier.conditional_on is None:
        low = evaluate_formula(tier.min, ctx)[0]
    if org.sme and tier.sme_max is not None:
        text = f"SME: {text}"
    if tier.conditional_on:
        text += f"; only if {tier.conditional_on}"
    aggravated_max = None
    if rule.aggravated is not None:
        grave = ruleset.tiers[rule.aggravated].at(on)
        grave_formula = grave.sme_max if (org.sme and grave.sme_max is not None) else grave.max
        grave_top = bound(grave_formula, ctx)
        aggravated_max, grave_text = grave_top.value, grave_top.text
        text = f"{text}; up to {grave_text} ({grave.citation}) where {rule.aggravated_when}"
    if rule.penalty_mapping:
        text = f"no fine of its own ({rule.penalty_mapping}), mapped to {tier.citation}: {text}"
    return Penalty(
        currency=currency,
        min=low if top.value is None else min(low, top.value),
        max=top.value,
        max_at_least=top.at_least if top.value is None else None,
        missing=list(top.missing),
        per_unit=top.per_unit,
        unit=top.unit,
        theoretical_ceiling=top.product_of_maxima,
        conditional=tier.conditional_on,
        basis=basis_of(formula),
        citation=tier.citation,
        explanation=text,
        confirmed=tier.confirmed,
        tier=rule.penalty,
        aggravated_tier=rule.aggravated,
        aggravated_when=rule.aggravated_when,
        aggravated_max=aggravated_max,
        mapping=rule.penalty_mapping,
    )


def _penalty_changes(
    ruleset: RuleSet, inst: Instrument, rule: Rule, product: Product, as_of: dt.date, now: Penalty
) -> list[UpcomingPenaltyChange]:
    """Each later day on which the maximum for this rule's violation changes (while the rule lasts)."""
    out = []
    previous = now
    for day in sorted(d for d in ruleset.tiers[rule.penalty].boundaries() if d > as_of):
        if rule.effective.until is not None and day > rule.effective.until:
            break
        later = _penalty(ruleset, inst, rule, product, as_of, on=day)
        if later.max != previous.max or later.currency != previous.currency:
            out.append(UpcomingPenaltyChange(
                rule_id=rule.id, instrument=inst.id, jurisdiction=inst.jurisdiction, title=rule.title,
                tier=rule.penalty, effective_from=day, currency=later.currency,
                old_max=previous.max, new_max=later.max, citation=later.citation,
                explanation=f"from {day}: {later.explanation} (was {_amount(previous)})",
            ))  # fmt: skip
        previous = later
    return out


def _amount(p: Penalty) -> str:
    return (
        money(p.max, p.currency)
        if p.max is not None
        else f"at least {money(p.max_at_least or Decimal(0), p.currency)}"
    )


def _exposure_of(
    jurisdiction: str, insts: list[Instrument], violations: list[Violation], as_of: dt.date
) -> Exposure:
    """The exposure of one instrument, or of several whose violations meet in one act."""
    currency = violations[0].penalty.currency
    # amounts that arise only on an event are shown apart, never added to the range
    certain = [v for v in violations if not v.penalty.conditional]
    conditional = [v for v in violations if v.penalty.conditional]
    counted = certain or conditional
    minima = [v.penalty.min for v in counted] if certain else [Decimal(0)]
    known = [v.penalty.max for v in counted if v.penalty.max is not None]
    floors = [
        v.penalty.max if v.penalty.max is not None else v.penalty.max_at_least or Decimal(0) for v in counted
    ]
    open_ended = len(known) < len(counted)
    missing = list(dict.fromkeys(m for v in counted for m in v.penalty.missing))
    ids = [i.id for i in insts]
    aggregation = insts[0].aggregation
    if aggregation == "gravest":
        low, floor = max(minima), max(floors)
        cites = sorted({i.aggregation_citation for i in insts if i.aggregation_citation})
        cite = f" ({'; '.join(cites)})" if cites else ""
        scope = f" under {', '.join(ids)}, one act meeting several instruments" if len(insts) > 1 else ""
        text = f"gravest of {len(counted)} violation(s){scope}{cite}"
    else:
        low, floor = sum(minima, Decimal(0)), sum(floors, Decimal(0))
        text = f"sum of {len(counted)} violation(s)"
    high = None if open_ended else floor
    if high is None:
        text += f": at least {money(floor, currency)}, open-ended until {', '.join(missing) or 'the number of violations (days in violation) is known'}"
    else:
        text += f": {money(high, currency)}"
    ceiling = any(v.penalty.theoretical_ceiling for v in counted)
    if ceiling:
        text += (
            "; a theoretical ceiling: the statutory maximum multiplied by every affected consumer, "
            "not an expected fine (see each violation's arithmetic)"
        )
    cond_text = None
    if conditional:
        events = sorted({v.penalty.conditional or "" for v in conditional})
        cond_text = f"{len(conditional)} violation(s) priced only if {'; '.join(events)}" + (
            "" if certain else " (the range shown is that conditional amount)"
        )
        if certain:
            text += f"; not counted: {cond_text}"
    rates = fx_rates()
    usd = UsdRange(
        min=rates.convert(low, currency, "USD", as_of),
        max=None if high is None else rates.convert(high, currency, "USD", as_of),
    )
    return Exposure(
        jurisdiction=jurisdiction,
        instrument=ids[0],
        instruments=ids,
        tiers=sorted({v.penalty.tier for v in violations}),
        currency=currency,
        min=low,
        max=high,
        max_at_least=floor if high is None else None,
        missing=missing,
        theoretical_ceiling=ceiling,
        conditional=cond_text,
        usd=usd,
        aggregation=aggregation,
        explanation=text,
    )


def _exposures(ruleset: RuleSet, violations: list[Violation], as_of: dt.date) -> list[Exposure]:
    """Exposure per instrument, except that instruments aggregating at the gravest whose violations
    share a penalty tier for the same subject (one act, several instruments) are counted together:
    one act is not fined twice (Administrative Penalty Law Art. 29; GDPR Art. 83(3))."""
    by_inst: dict[str, list[Violation]] = {}
    for v in violations:
        by_inst.setdefault(v.instrument, []).append(v)
    parent = {i: i for i in by_inst}

    def find(i: str) -> str:
        while parent[i] != i:
            i = parent[i]
        return i

    meets: dict[tuple[str, str, str, str], list[str]] = {}
    for v in violations:
        if ruleset.instrument(v.instrument).aggregation == "gravest":
            key = (v.jurisdiction, v.subject.kind, v.subject.path, v.penalty.tier)
            meets.setdefault(key, []).append(v.instrument)
    for insts in meets.values():
        for other in insts[1:]:
            parent[find(other)] = find(insts[0])
    groups: dict[str, list[str]] = {}
    for inst in ruleset.instruments:
        if inst.id in by_inst:
            groups.setdefault(find(inst.id), []).append(inst.id)
    out = []
    for members in groups.values():
        insts = [ruleset.instrument(i) for i in members]
        mine = [v for i in members for v in by_inst[i]]
        out.append(_exposure_of(insts[0].jurisdiction, insts, mine, as_of))
    out.sort(key=lambda e: (e.jurisdiction, e.instrument))
    return out


def _scope_reason(inst: Instrument, scope: conditions.Condition, product: Product) -> str:
    return (
        f"{inst.short} applies when "
        + conditions.describe(scope)
        + f"; this product does not (markets: {', '.join(sorted(product.markets))})"
    )


def _assemble(
    ev: Evaluator, compiled: _Compiled, product: Product, as_of: dt.date, selected: set[str] | None,
    subjects: list[Subject], decisions: list[Decision],
) -> Report:  # fmt: skip
    product_decision = decisions[0]
    violations: list[Violation] = []
    not_applicable: list[NotApplicable] = []
    insufficient: list[Insufficient] = []
    upcoming: list[Upcoming] = []
    changes: dict[str, list[UpcomingPenaltyChange]] = {}
    by_kind: dict[str, list[tuple[Subject, Decision]]] = {}
    penalties: dict[tuple[str, str], Penalty] = {}  # per (instrument, tier): one product, one as_of
    refs: dict[int, SubjectRef] = {}

    def ref(subject: Subject) -> SubjectRef:
        found = refs.get(id(subject))
        if found is None:
            found = refs[id(subject)] = _subject_ref(subject)
        return found

    def penalty(inst: Instrument, rule: Rule) -> Penalty:
        key = (
            inst.jurisdiction,
            rule.penalty,
            rule.aggravated or "",
            rule.aggravated_when or "",
            rule.penalty_mapping or "",
        )
        found = penalties.get(key)
        if found is None:
            found = penalties[key] = _penalty(ev.ruleset, inst, rule, product, as_of)
        if rule.id not in changes:
            changes[rule.id] = _penalty_changes(ev.ruleset, inst, rule, product, as_of, found)
        return found

    for subject, decision in zip(subjects, decisions, strict=True):
        by_kind.setdefault(subject.kind, []).append((subject, decision))

    for inst in ev.ruleset.instruments:
        if selected is not None and inst.jurisdiction not in selected:
            not_applicable.append(NotApplicable(
                instrument=inst.id, jurisdiction=inst.jurisdiction,
                reason=f"{inst.jurisdiction} is not among the markets selected ({', '.join(sorted(selected))})",
            ))  # fmt: skip
            continue
        scope_key = f"scope:{inst.id}"
        scope_unknown = scope_key in product_decision.unknown
        if scope_key not in product_decision.true and not scope_unknown:
            not_applicable.append(
                NotApplicable(
                    instrument=inst.id,
                    jurisdiction=inst.jurisdiction,
                    reason=_scope_reason(inst, compiled.conditions[scope_key], product),
                )
            )
            continue
        would: list[str] = []
        inst_violations: list[Violation] = []
        for rule in inst.rules:
            for subject, decision in by_kind.get(rule.subject, ()):
                if rule.id in decision.true:
                    if scope_unknown:
                        if rule.effective.in_force(as_of) and as_of >= inst.in_force:
                            would.append(rule.id)
                        continue
                    starts = max(rule.effective.from_, inst.in_force)
                    # processing already running when the duty starts is bound only after its grace
                    if (
                        as_of < starts
                        and (grace := rule.effective.grace_for_existing(starts)) is not None
                        and _began_before(subject, grace.began_before)
                    ):
                        starts = grace.until + dt.timedelta(days=1)
                    if as_of < starts:
                        upcoming.append(Upcoming(
                            rule_id=rule.id, instrument=inst.id, jurisdiction=inst.jurisdiction,
                            citation=rule.citation, title=rule.title, severity=rule.severity,
                            effective_from=starts, subject=ref(subject), remediation=rule.remediation,
                        ))  # fmt: skip
                    elif (grace := rule.effective.grace_for_existing(as_of)) is not None and (
                        began := _began_before(subject, grace.began_before)
                    ) is not False:
                        if began is None:
                            insufficient.append(Insufficient(
                                rule_id=rule.id, instrument=inst.id, jurisdiction=inst.jurisdiction,
                                subject=ref(subject), missing=[subject.doc_path("practice.started_on")],
                                reason=f"{grace.citation}: processing begun before {grace.began_before} "
                                f"is bound only after {grace.until}; when did it begin?",
                            ))  # fmt: skip
                        else:
                            upcoming.append(Upcoming(
                                rule_id=rule.id, instrument=inst.id, jurisdiction=inst.jurisdiction,
                                citation=f"{rule.citation_at(as_of)}; {grace.citation}", title=rule.title,
                                severity=rule.severity, effective_from=grace.until + dt.timedelta(days=1),
                                subject=ref(subject), remediation=rule.remediation,
                            ))  # fmt: skip
                    elif rule.effective.in_force(as_of):
                        start, end = rule.period(as_of)
                        inst_violations.append(Violation(
                            rule_id=rule.id, instrument=inst.id, jurisdiction=inst.jurisdiction,
                            citation=rule.citation_at(as_of), title=rule.title, severity=rule.severity,  # type: ignore[arg-type]
                            citations=list(rule.provisions(as_of)), citation_practice=rule.citation_practice,
                            subject=ref(subject), evidence=_evidence(ev, compiled, rule, subject),
                            remediation=rule.remediation, penalty=penalty(inst, rule),
                            confirmed=rule.confirmed_at(as_of), note=rule.note_at(as_of),
                            period=Period(from_=max(start, inst.in_force), until=end),
                            **source_fields(rule.source_at(as_of), rule.references),
                        ))  # fmt: skip
                elif (
                    rule.id in decision.unknown
                    and not scope_unknown
                    and rule.effective.in_force(as_of)
                    and as_of >= inst.in_force
                ):
                    insufficient.append(Insufficient(
                        rule_id=rule.id, instrument=inst.id, jurisdiction=inst.jurisdiction,
                        subject=ref(subject), missing=_missing(ev, compiled.conditions[rule.id], subject),
                        reason=f"{rule.citation}: the rule turns on facts the description does not give",
                    ))  # fmt: skip
        if scope_unknown and as_of >= inst.in_force:  # nothing is undecided before the law applies
            insufficient.append(Insufficient(
                rule_id=None, about="applicability", instrument=inst.id, jurisdiction=inst.jurisdiction,
                missing=_missing(ev, compiled.conditions[scope_key], subjects[0]),
                reason=f"whether {inst.short} applies depends on facts the description does not give: "
                + conditions.describe(compiled.conditions[scope_key]),
                would_violate=sorted(set(would)),
            ))  # fmt: skip
        violations += inst_violations

    violations.sort(
        key=lambda v: (v.jurisdiction, v.instrument, SEVERITY_RANK[v.severity], v.rule_id, v.subject.path)
    )
    upcoming.sort(key=lambda u: (u.effective_from, u.jurisdiction, u.rule_id, u.subject.path))
    insufficient.sort(
        key=lambda i: (i.jurisdiction, i.instrument, i.rule_id or "", i.subject.path if i.subject else "")
    )
    not_applicable.sort(key=lambda n: (n.jurisdiction, n.instrument))

    exposure = _exposures(ev.ruleset, violations, as_of)
    for e in exposure:
        if e.max is None and e.missing:
            insufficient.append(Insufficient(
                rule_id=None, about="penalty", instrument=e.instrument, jurisdiction=e.jurisdiction,
                missing=e.missing,
                reason=f"the maximum penalty is open-ended (at least {money(e.max_at_least or Decimal(0), e.currency)}): "
                f"give {', '.join(e.missing)} to bound it",
            ))  # fmt: skip
    insufficient.sort(
        key=lambda i: (i.jurisdiction, i.instrument, i.rule_id or "", i.subject.path if i.subject else "")
    )
    penalty_changes = sorted(
        (c for cs in changes.values() for c in cs),
        key=lambda c: (c.effective_from, c.jurisdiction, c.rule_id),
    )
    by_jurisdiction = {j: 0 for j in sorted({i.jurisdiction for i in ev.ruleset.instruments})}
    for v in violations:
        by_jurisdiction[v.jurisdiction] += 1
    summary = Summary(
        violations=len(violations),
        by_severity={s: sum(1 for v in violations if v.severity == s) for s in SEVERITIES},
        by_jurisdiction=by_jurisdiction,
        exposure=exposure,
    )
    from engine.core.jurisdictions import markets_of

    return Report(
        product_id=product.id,
        as_of=as_of,
        markets=markets_of(product.markets),
        engine=ev._info,
        summary=summary,
        violations=violations,
        not_applicable=not_applicable,
        insufficient_information=insufficient,
        upcoming=upcoming,
        upcoming_penalty_changes=penalty_changes,
    )


_default: dict[tuple[int, str], Evaluator] = {}
_default_lock = threading.Lock()


def default_evaluator(backend: str = "durable") -> Evaluator:
    """The shipped rulesets, compiled once per process (a forked child builds its own)."""
    key = (os.getpid(), backend)
    with _default_lock:
        if key not in _default:
            _default[key] = Evaluator(load_rulesets(), backend)
        return _default[key]


def evaluate(product: Product, as_of: dt.date | None = None, markets: list[str] | None = None) -> Report:
    """Evaluate ``product`` against the shipped rulesets through durable_rules."""
    return default_evaluator().evaluate(product, as_of, markets)
