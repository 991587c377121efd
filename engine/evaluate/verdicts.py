"""Verdicts: what each decided (rule, subject) pair means on the day evaluated.

A rule true for a subject is a violation when it is in force; a duty upcoming when it is not yet
in force, or when processing begun before a date is bound only after a grace period; and
insufficient information when that grace turns on a start date the description does not give.
A rule unknown for a subject is insufficient information. An instrument's scope decides first
(:mod:`engine.evaluate.scope`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.decide.protocol import Decision
from engine.evaluate.evidence import Explainer, SubjectEvidence
from engine.evaluate.exposure import Pricing
from engine.evaluate.law_of_day import LawOfDay
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
from engine.law.severity import SEVERITY_RANK
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
    """What the verdicts of one evaluation add up to, before ordering."""

    violations: list[Violation] = field(default_factory=list)
    not_applicable: list[NotApplicable] = field(default_factory=list)
    insufficient: list[Insufficient] = field(default_factory=list)
    upcoming: list[Upcoming] = field(default_factory=list)

    def add(self, item: Violation | Upcoming | Insufficient | None) -> None:
        if isinstance(item, Violation):
            self.violations.append(item)
        elif isinstance(item, Upcoming):
            self.upcoming.append(item)
        elif isinstance(item, Insufficient):
            self.insufficient.append(item)

    def sort(self) -> None:
        """Every list in its report order."""
        self.violations.sort(
            key=lambda v: (
                v.jurisdiction,
                v.instrument,
                SEVERITY_RANK[v.severity],
                v.rule_id,
                v.subject.path,
            )
        )
        self.upcoming.sort(key=lambda u: (u.effective_from, u.jurisdiction, u.rule_id, u.subject.path))
        self.insufficient.sort(
            key=lambda i: (i.jurisdiction, i.instrument, i.rule_id or "", i.subject.path if i.subject else "")
        )
        self.not_applicable.sort(key=lambda n: (n.jurisdiction, n.instrument))


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
        self._refs: dict[int, SubjectRef] = {}
        self._evidence: dict[int, SubjectEvidence] = {}

    def ref(self, subject: Subject) -> SubjectRef:
        """The report's reference to ``subject``."""
        found = self._refs.get(id(subject))
        if found is None:
            path = subject.doc_prefix.rstrip(".")
            found = self._refs[id(subject)] = SubjectRef(kind=subject.kind, id=subject.id, path=path)  # type: ignore[arg-type]
        return found

    def evidence_of(self, subject: Subject) -> SubjectEvidence:
        """The evidence of ``subject`` in this evaluation."""
        found = self._evidence.get(id(subject))
        if found is None:
            found = self._evidence[id(subject)] = SubjectEvidence(self.case.explainer, subject)
        return found

    def all(self) -> Findings:
        """Every instrument's applicability and every decided rule's verdict, instrument by instrument."""
        case = self.case
        findings = Findings()
        by_kind: dict[str, list[tuple[Subject, Decision]]] = {}
        for subject, decision in zip(case.subjects, case.decisions, strict=True):
            by_kind.setdefault(subject.kind, []).append((subject, decision))
        product_decision = case.decisions[0]
        for inst in case.ruleset.instruments:
            applies = applicability(inst, case.selected, product_decision)
            scope = case.conditions.get(scope_key(inst))
            if applies in (Applicability.NOT_SELECTED, Applicability.NO):
                findings.not_applicable.append(
                    not_applicable(inst, applies, scope, case.product, case.selected)
                )  # type: ignore[arg-type]
                continue
            decided = case.as_of >= inst.in_force  # nothing is undecided before the law applies
            would: list[str] = []
            for rule in inst.rules:
                for subject, decision in by_kind.get(rule.subject, ()):
                    if rule.id in decision.true:
                        if applies is Applicability.UNKNOWN:
                            if decided and rule.effective.in_force(case.as_of):
                                would.append(rule.id)
                            continue
                        findings.add(self.fired(inst, rule, subject))
                    elif (
                        rule.id in decision.unknown
                        and applies is Applicability.YES
                        and decided
                        and rule.effective.in_force(case.as_of)
                    ):
                        findings.add(self.undecided(inst, rule, subject))
            if applies is Applicability.UNKNOWN and decided:
                findings.add(undecided_applicability(inst, scope, case.subjects[0], would, case.explainer))  # type: ignore[arg-type]
        return findings

    def fired(
        self, inst: Instrument, rule: Rule, subject: Subject
    ) -> Violation | Upcoming | Insufficient | None:
        """The verdict on a rule true for ``subject`` under an instrument that applies."""
        as_of = self.case.as_of
        starts = max(rule.effective.from_, inst.in_force)
        # processing already running when the duty starts is bound only after its grace
        if (
            as_of < starts
            and (grace := rule.effective.grace_for_existing(starts)) is not None
            and began_before(subject, grace.began_before)
        ):
            starts = grace.until + dt.timedelta(days=1)
        if as_of < starts:
            return self.upcoming(inst, rule, subject, starts, rule.citation)
        if (grace := rule.effective.grace_for_existing(as_of)) is not None and (
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
        if rule.effective.in_force(as_of):
            return self.violation(inst, rule, subject)
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

    def violation(self, inst: Instrument, rule: Rule, subject: Subject) -> Violation:
        """A rule in force broken by ``subject``, with its evidence and penalty.

        A violation is a value of the rule, the day, the subject's place, the values its evidence
        reads and what its penalty is computed from: one made for the same is reused
        (:meth:`LawOfDay.violations`).
        """
        as_of, cond = self.case.as_of, self.case.conditions[rule.id]
        penalty = self.pricing.violated(inst, rule)
        evidence = self.evidence_of(subject)
        evidence_key = evidence.key(cond)
        kept = self.case.law.violations(as_of)
        key = None
        if evidence_key is not None:
            key = (rule.id, subject.kind, subject.id, evidence_key, self.pricing.key(inst, rule))
            found = kept.get(key)
            if found is not None:
                return found
        made = Violation(
            **self.case.law.violation_fields(inst, rule, as_of),
            subject=self.ref(subject),
            evidence=evidence.of(cond, evidence_key),
            penalty=penalty,
        )
        if key is not None:
            kept[key] = made
        return made

    def undecided(self, inst: Instrument, rule: Rule, subject: Subject) -> Insufficient:
        """A rule in force whose condition turns on facts ``subject`` does not give."""
        return Insufficient(
            rule_id=rule.id, instrument=inst.id, jurisdiction=inst.jurisdiction, subject=self.ref(subject),
            missing=self.case.explainer.missing(self.case.conditions[rule.id], subject),
            reason=f"{rule.citation}: the rule turns on facts the description does not give",
        )  # fmt: skip
