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

from engine import conditions
from engine.durable import Check, Decision, DurableEngine
from engine.facts import Subject, build_subjects
from engine.fx import fx_rates
from engine.jurisdictions import jurisdictions, market_of
from engine.penalties import PenaltyContext, basis_of, evaluate_formula, money
from engine.product import Product
from engine.report import (
    EngineInfo,
    Evidence,
    Exposure,
    Insufficient,
    NotApplicable,
    Penalty,
    Report,
    RulesetRef,
    SubjectRef,
    Summary,
    Upcoming,
    UsdRange,
    Violation,
)  # fmt: skip
from engine.ruleset import Instrument, Rule, RuleSet, load_rulesets

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


class Decider(Protocol):
    def decide(self, subjects: list[Subject]) -> list[Decision]: ...


def checks_of(ruleset: RuleSet) -> list[Check]:
    """What the engine decides: every instrument's scope and every rule."""
    out = [Check(f"scope:{i.id}", "product", i.scope) for i in ruleset.instruments]
    out += [Check(r.id, r.subject, r.when) for r in ruleset.rules]
    return out


@cache
def engine_version() -> str:
    try:
        return metadata.version("regulint")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.1.0"


def restrict_markets(product: Product, markets: list[str] | None) -> tuple[Product, set[str] | None]:
    """Keep only the product's markets that fall under ``markets`` (DE stays under EU)."""
    if not markets:
        return product, None
    wanted = {m.strip().upper() for m in markets}
    kept = [m for m in product.markets if m in wanted or market_of(m) in wanted]
    selected = {market_of(m) or m for m in wanted}
    if not kept:
        return product, selected
    return product.model_copy(update={"markets": kept}), selected


class Evaluator:
    """Rulesets compiled once; evaluates products (thread-safe: the engine serialises itself)."""

    def __init__(self, ruleset: RuleSet, backend: str = "durable"):
        self.ruleset = ruleset
        self.backend = backend
        checks = checks_of(ruleset)
        if backend == "durable":
            self.decider: Decider = DurableEngine(checks)
        elif backend == "reference":
            from engine.reference import ReferenceEngine

            self.decider = ReferenceEngine(checks)
        else:
            raise ValueError(f"unknown backend {backend!r}")
        self._explained: dict[int, tuple[conditions.Condition, _Explained]] = {}
        self._info = EngineInfo(
            version=engine_version(),
            backend="durable_rules" if backend == "durable" else backend,
            rulesets=[RulesetRef(id=i.id, digest=i.digest) for i in ruleset.instruments],
        )

    def evaluate(
        self, product: Product, as_of: dt.date | None = None, markets: list[str] | None = None
    ) -> Report:
        """Evaluate one product on ``as_of`` (default today), optionally only in ``markets``."""
        as_of = as_of or dt.date.today()
        product, selected = restrict_markets(product, markets)
        subjects = build_subjects(product, as_of)
        decisions = self.decider.decide(subjects)
        return _assemble(self, product, as_of, selected, subjects, decisions)


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
    """:func:`engine.conditions.evidence` on a condition already in negation normal form."""
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


def _evidence(ev: Evaluator, rule: Rule, subject: Subject) -> list[Evidence]:
    plan = _explained(ev, rule.when)
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


def _penalty(inst: Instrument, rule: Rule, product: Product, as_of: dt.date) -> Penalty:
    tier = inst.penalty_tiers[rule.penalty]
    currency = tier.currency or jurisdictions()[inst.jurisdiction].currency
    org = product.organization
    revenue = None
    if org.annual_revenue is not None:
        revenue = fx_rates().convert(org.annual_revenue.amount, org.annual_revenue.currency, currency, as_of)
    count, label = 1, "violation"
    if tier.counts == "affected_consumers":
        users = product.audience.users_by_market.get(inst.jurisdiction)
        if users is None:
            label = f"affected consumer (audience.users_by_market.{inst.jurisdiction} not given: 1 counted)"
        else:
            count, label = users, "affected consumer"
    ctx = PenaltyContext(currency=currency, revenue=revenue, count=count, count_label=label, as_of=as_of)
    formula = tier.sme_max if (org.sme and tier.sme_max is not None) else tier.max
    high, text = evaluate_formula(formula, ctx)
    low = evaluate_formula(tier.min, ctx)[0] if tier.min is not None else Decimal(0)
    if org.sme and tier.sme_max is not None:
        text = f"SME: {text}"
    return Penalty(
        currency=currency,
        min=min(low, high),
        max=high,
        basis=basis_of(formula),
        citation=tier.citation,
        explanation=text,
        confirmed=tier.confirmed,
        tier=rule.penalty,
    )


def _exposure(inst: Instrument, violations: list[Violation], as_of: dt.date) -> Exposure:
    currency = violations[0].penalty.currency
    maxima = [v.penalty.max for v in violations]
    minima = [v.penalty.min for v in violations]
    if inst.aggregation == "gravest":
        low, high = max(minima), max(maxima)
        cite = f" ({inst.aggregation_citation})" if inst.aggregation_citation else ""
        text = f"gravest of {len(violations)} violation(s){cite}: {money(high, currency)}"
    else:
        low, high = sum(minima, Decimal(0)), sum(maxima, Decimal(0))
        text = f"sum of {len(violations)} violation(s): {money(high, currency)}"
    rates = fx_rates()
    usd = UsdRange(
        min=rates.convert(low, currency, "USD", as_of), max=rates.convert(high, currency, "USD", as_of)
    )
    return Exposure(
        jurisdiction=inst.jurisdiction,
        instrument=inst.id,
        currency=currency,
        min=low,
        max=high,
        usd=usd,
        aggregation=inst.aggregation,
        explanation=text,
    )


def _scope_reason(inst: Instrument, product: Product) -> str:
    return (
        f"{inst.short} applies when "
        + conditions.describe(inst.scope)
        + f"; this product does not (markets: {', '.join(sorted(product.markets))})"
    )


def _assemble(
    ev: Evaluator, product: Product, as_of: dt.date, selected: set[str] | None,
    subjects: list[Subject], decisions: list[Decision],
) -> Report:  # fmt: skip
    product_decision = decisions[0]
    violations: list[Violation] = []
    not_applicable: list[NotApplicable] = []
    insufficient: list[Insufficient] = []
    upcoming: list[Upcoming] = []
    by_kind: dict[str, list[tuple[Subject, Decision]]] = {}
    penalties: dict[tuple[str, str], Penalty] = {}  # per (instrument, tier): one product, one as_of
    refs: dict[int, SubjectRef] = {}

    def ref(subject: Subject) -> SubjectRef:
        found = refs.get(id(subject))
        if found is None:
            found = refs[id(subject)] = _subject_ref(subject)
        return found

    def penalty(inst: Instrument, rule: Rule) -> Penalty:
        found = penalties.get((inst.id, rule.penalty))
        if found is None:
            found = penalties[(inst.id, rule.penalty)] = _penalty(inst, rule, product, as_of)
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
                    instrument=inst.id, jurisdiction=inst.jurisdiction, reason=_scope_reason(inst, product)
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
                    if as_of < starts:
                        upcoming.append(Upcoming(
                            rule_id=rule.id, instrument=inst.id, jurisdiction=inst.jurisdiction,
                            citation=rule.citation, title=rule.title, severity=rule.severity,
                            effective_from=starts, subject=ref(subject), remediation=rule.remediation,
                        ))  # fmt: skip
                    elif rule.effective.in_force(as_of):
                        inst_violations.append(Violation(
                            rule_id=rule.id, instrument=inst.id, jurisdiction=inst.jurisdiction,
                            citation=rule.citation, title=rule.title, severity=rule.severity,  # type: ignore[arg-type]
                            citations=list(rule.citations), citation_practice=rule.citation_practice,
                            subject=ref(subject), evidence=_evidence(ev, rule, subject),
                            remediation=rule.remediation, penalty=penalty(inst, rule),
                            source=rule.source, confirmed=rule.confirmed, note=rule.note,
                        ))  # fmt: skip
                elif (
                    rule.id in decision.unknown
                    and not scope_unknown
                    and rule.effective.in_force(as_of)
                    and as_of >= inst.in_force
                ):
                    insufficient.append(Insufficient(
                        rule_id=rule.id, instrument=inst.id, jurisdiction=inst.jurisdiction,
                        subject=ref(subject), missing=_missing(ev, rule.when, subject),
                        reason=f"{rule.citation}: the rule turns on facts the description does not give",
                    ))  # fmt: skip
        if scope_unknown and as_of >= inst.in_force:  # nothing is undecided before the law applies
            insufficient.append(Insufficient(
                rule_id=None, instrument=inst.id, jurisdiction=inst.jurisdiction,
                missing=_missing(ev, inst.scope, subjects[0]),
                reason=f"whether {inst.short} applies depends on facts the description does not give: "
                + conditions.describe(inst.scope),
                would_violate=sorted(set(would)),
            ))  # fmt: skip
        violations += inst_violations

    violations.sort(
        key=lambda v: (v.jurisdiction, v.instrument, SEVERITY_ORDER[v.severity], v.rule_id, v.subject.path)
    )
    upcoming.sort(key=lambda u: (u.effective_from, u.jurisdiction, u.rule_id, u.subject.path))
    insufficient.sort(
        key=lambda i: (i.jurisdiction, i.instrument, i.rule_id or "", i.subject.path if i.subject else "")
    )
    not_applicable.sort(key=lambda n: (n.jurisdiction, n.instrument))

    exposure = []
    for inst in ev.ruleset.instruments:
        mine = [v for v in violations if v.instrument == inst.id]
        if mine:
            exposure.append(_exposure(inst, mine, as_of))
    by_jurisdiction = {j: 0 for j in sorted({i.jurisdiction for i in ev.ruleset.instruments})}
    for v in violations:
        by_jurisdiction[v.jurisdiction] += 1
    summary = Summary(
        violations=len(violations),
        by_severity={s: sum(1 for v in violations if v.severity == s) for s in SEVERITY_ORDER},
        by_jurisdiction=by_jurisdiction,
        exposure=exposure,
    )
    from engine.jurisdictions import markets_of

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
