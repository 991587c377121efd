"""Verdicts: what each decided (rule, subject) pair means on the day evaluated.

A rule true for a subject is a violation when it is in force; a duty upcoming when it is not yet
in force, or when processing begun before a date is bound only after a grace period; and
insufficient information when that grace turns on a start date the description does not give.
A rule unknown for a subject is insufficient information. An instrument's scope decides first
(:mod:`engine.evaluate.scope`).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.decide.protocol import Decision
from engine.evaluate.evidence import Explained, Explainer, SubjectEvidence
from engine.evaluate.exposure import Priced, Pricing
from engine.evaluate.law_of_day import LawOfDay, RuleDay
from engine.evaluate.scope import (
    Applicability,
    applicability,
    not_applicable,
    scope_key,
    undecided_applicability,
)
from engine.facts.product import Product
from engine.facts.registry import Subject, date_number
from engine.law.conditions import Condition
from engine.law.model import Instrument, Rule, RuleSet
from engine.report.model import (
    Insufficient,
    NotApplicable,
    SubjectRef,
    Upcoming,
    Violation,
)


@dataclass(frozen=True)
class Case:
    """One evaluation's inputs: the product on a day, its subjects and the decider's answers for
    them, with the evaluator's prepared conditions and rule texts."""

    ruleset: RuleSet
    conditions: Mapping[str, Condition]  # each check's condition as decided, by check key
    explainer: Explainer
    law: LawOfDay
    product: Product
    as_of: dt.date
    selected: set[str] | None  # the jurisdictions of the markets selected; None: every market
    subjects: list[Subject]
    decisions: list[Decision]


@dataclass
class Findings:
    """What the verdicts of one evaluation add up to; :meth:`sort` puts them in report order."""

    violations: list[Violation] = field(default_factory=list)
    not_applicable: list[NotApplicable] = field(default_factory=list)
    insufficient: list[Insufficient] = field(default_factory=list)
    upcoming: list[Upcoming] = field(default_factory=list)
    priced: list[Priced] = field(default_factory=list)  # the violations as made, with their prices

    def add(self, item: Priced | Upcoming | Insufficient | None) -> None:
        if isinstance(item, Priced):
            self.priced.append(item)
        elif isinstance(item, Upcoming):
            self.upcoming.append(item)
        elif isinstance(item, Insufficient):
            self.insufficient.append(item)

    def sort(self) -> None:
        """Every list in its report order (``violations`` from ``priced``)."""
        self.priced.sort()
        self.violations = [p.violation for p in self.priced]
        self.upcoming.sort(key=lambda u: (u.effective_from, u.jurisdiction, u.rule_id, u.subject.path))
        self.sort_insufficient()
        self.not_applicable.sort(key=lambda n: (n.jurisdiction, n.instrument))

    def sort_insufficient(self) -> None:
        self.insufficient.sort(
            key=lambda i: (i.jurisdiction, i.instrument, i.rule_id or "", i.subject.path if i.subject else "")
        )


def began_before(subject: Subject, day: dt.date) -> bool | None:
    """Whether the subject's practice began before ``day`` (None: its start is not given)."""
    started = subject.facts.get("practice.started_on")
    if started is None:
        return None
    return bool(started < date_number(day))


class Judge:
    """The verdicts of one evaluation; each subject's reference and evidence are made once."""

    def __init__(self, case: Case, pricing: Pricing):
        self.case, self.pricing = case, pricing
        self._evidence: dict[int, SubjectEvidence] = {}
        self._kept = case.law.violations(case.as_of).trim()
        self._made = itertools.count()
        self._markets = tuple(case.product.markets)
        self._selected = None if case.selected is None else frozenset(case.selected)
        case.explainer.trim()

    def ref(self, subject: Subject) -> SubjectRef:
        """The report's reference to ``subject``."""
        return self.evidence_of(subject).ref

    def evidence_of(self, subject: Subject) -> SubjectEvidence:
        """The evidence of ``subject`` in this evaluation (with its reference)."""
        found = self._evidence.get(id(subject))
        if found is None:
            found = self._evidence[id(subject)] = SubjectEvidence(self.case.explainer, subject)
        return found

    def all(self) -> Findings:
        """Every instrument's applicability and every decided rule's verdict, instrument by instrument."""
        case, law, as_of = self.case, self.case.law, self.case.as_of
        findings = Findings()
        by_kind: dict[str, list[tuple[SubjectEvidence, Decision]]] = {}
        for subject, decision in zip(case.subjects, case.decisions, strict=True):
            by_kind.setdefault(subject.kind, []).append((self.evidence_of(subject), decision))
        product_decision = case.decisions[0]
        priced = findings.priced
        for inst in case.ruleset.instruments:
            applies = applicability(inst, case.selected, product_decision)
            scope = case.conditions.get(scope_key(inst))
            if applies in (Applicability.NOT_SELECTED, Applicability.NO):
                findings.not_applicable.append(self.not_applicable(inst, applies, scope))  # type: ignore[arg-type]
                continue
            decided = as_of >= inst.in_force  # nothing is undecided before the law applies
            unknown = applies is Applicability.UNKNOWN
            would: list[str] = []
            for rule in inst.rules:
                pairs = by_kind.get(rule.subject)
                if not pairs:
                    continue
                rule_id, dates = rule.id, None
                for evidence, decision in pairs:
                    if rule_id in decision.true:
                        dates = dates or law.rule_day(inst, rule, as_of)
                        if unknown:
                            if decided and dates.in_force:
                                would.append(rule_id)
                        elif dates.plain:
                            priced.append(self.violation(dates, evidence))
                        else:
                            findings.add(self.fired(inst, rule, evidence.subject))
                    elif rule_id in decision.unknown and decided and not unknown:
                        dates = dates or law.rule_day(inst, rule, as_of)
                        if dates.in_force:
                            findings.insufficient.append(self.undecided(dates, evidence))
            if unknown and decided:
                findings.add(undecided_applicability(inst, scope, case.subjects[0], would, case.explainer))  # type: ignore[arg-type]
        return findings

    def fired(
        self, inst: Instrument, rule: Rule, subject: Subject
    ) -> Priced | Upcoming | Insufficient | None:
        """The verdict on a rule true for ``subject`` under an instrument that applies."""
        as_of = self.case.as_of
        dates = self.case.law.rule_day(inst, rule, as_of)
        if (starts := dates.starts) > as_of:
            # processing already running when the duty starts is bound only after its grace
            if (grace := dates.early) is not None and began_before(subject, grace.began_before):
                starts = grace.until + dt.timedelta(days=1)
            return self.upcoming(inst, rule, subject, starts, rule.citation)
        if (grace := dates.grace) is not None and (
            began := began_before(subject, grace.began_before)
        ) is not False:
            if began is None:
                return Insufficient(
                    rule_id=rule.id, instrument=inst.id, jurisdiction=inst.jurisdiction,
                    subject=self.ref(subject), missing=[subject.doc_path("practice.started_on")],
                    reason=f"{grace.citation}: processing begun before {grace.began_before} "
                    f"is bound only after {grace.until}; when did it begin?",
                )  # fmt: skip
            citation = f"{rule.citation_at(as_of)}; {grace.citation}"
            return self.upcoming(inst, rule, subject, grace.until + dt.timedelta(days=1), citation)
        if dates.in_force:
            return self.violation(dates, self.evidence_of(subject))
        return None

    def upcoming(
        self, inst: Instrument, rule: Rule, subject: Subject, starts: dt.date, citation: str
    ) -> Upcoming:
        """A duty the subject would break from ``starts``."""
        return Upcoming(
            rule_id=rule.id, instrument=inst.id, jurisdiction=inst.jurisdiction,
            citation=citation, title=rule.title, severity=rule.severity,
            effective_from=starts, subject=self.ref(subject), remediation=rule.remediation,
        )  # fmt: skip

    def _plan(self, dates: RuleDay) -> Explained:
        """The condition of the rule of ``dates`` as decided on the day, prepared (kept with the dates:
        one evaluator's conditions of a day never change)."""
        dates.plan = self.case.explainer.prepared(self.case.conditions[dates.rule.id])
        return dates.plan

    def violation(self, dates: RuleDay, evidence: SubjectEvidence) -> Priced:
        """The rule of ``dates``, in force, broken by the subject of ``evidence``: the violation with
        its evidence and penalty, priced.

        A violation is a value of the rule, the day, the subject's place, the values its evidence
        reads and its penalty: one made for the same is reused (:meth:`LawOfDay.violations`). The
        penalty is kept by all it is computed from, so its identity stands for its value (a kept
        violation holds its penalty, whose id no other object can take meanwhile).
        """
        case, inst, rule = self.case, dates.inst, dates.rule
        plan = dates.plan or self._plan(dates)
        penalty = self.pricing.violated(dates)
        subject = evidence.subject
        evidence_key = evidence.key_of(plan)
        kept = self._kept
        key = made = None
        if evidence_key is not None:
            key = (rule.id, subject.kind, subject.id, id(penalty), evidence_key)
            made = kept.get(key)
        if made is None:
            made = Violation(
                **case.law.violation_fields(inst, rule, case.as_of),
                subject=evidence.ref,
                evidence=evidence.of_plan(plan, evidence_key),
                penalty=penalty,
            )
            if key is not None:
                kept[key] = made
        fields = (dates.order, evidence.path, next(self._made), made, dates, subject.kind, penalty)
        return tuple.__new__(Priced, fields)  # as Priced(*fields), without its Python-level __new__

    def undecided(self, dates: RuleDay, evidence: SubjectEvidence) -> Insufficient:
        """The rule of ``dates``, in force, turns on facts the subject of ``evidence`` does not give
        (an entry kept by the rule, the subject's place and the facts it lacks)."""
        inst, rule = dates.inst, dates.rule
        plan = dates.plan or self._plan(dates)
        subject = evidence.subject
        facts = subject.facts
        absent = tuple(f for f in plan.facts if f not in facts)
        key = ("undecided", rule.id, subject.kind, subject.id, evidence.path, absent)
        found = self._kept.get(key)
        if found is None:
            found = self._kept[key] = Insufficient(
                rule_id=rule.id, instrument=inst.id, jurisdiction=inst.jurisdiction, subject=evidence.ref,
                missing=sorted({subject.doc_path(f) for f in absent}),
                reason=f"{rule.citation}: the rule turns on facts the description does not give",
            )  # fmt: skip
        return found  # type: ignore[no-any-return]

    def not_applicable(self, inst: Instrument, why: Applicability, scope: Condition) -> NotApplicable:
        """The entry for ``inst``, which does not apply (kept by why, the product's markets and the
        markets selected)."""
        case = self.case
        key = ("not applicable", inst.id, why, self._markets, self._selected)
        found = self._kept.get(key)
        if found is None:
            prepared = case.explainer.prepared(scope)
            found = self._kept[key] = not_applicable(inst, why, prepared, case.product, case.selected)
        return found  # type: ignore[no-any-return]
