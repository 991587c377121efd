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
from engine.evaluate.evidence import Explainer
from engine.evaluate.exposure import Penalties
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
from engine.law.sources import source_fields
from engine.report.model import Insufficient, NotApplicable, Period, SubjectRef, Upcoming, Violation


@dataclass
class Case:
    """One evaluation: the product on a day, its subjects and the decider's answers for them."""

    ruleset: RuleSet
    conditions: Mapping[str, Condition]  # each check's condition as decided, by check key
    explainer: Explainer
    product: Product
    as_of: dt.date
    selected: set[str] | None  # the jurisdictions of the markets selected; None: every market
    subjects: list[Subject]
    decisions: list[Decision]
    _refs: dict[int, SubjectRef] = field(default_factory=dict)

    def ref(self, subject: Subject) -> SubjectRef:
        """The report's reference to ``subject`` (one object per subject)."""
        found = self._refs.get(id(subject))
        if found is None:
            path = subject.doc_prefix.rstrip(".")
            found = self._refs[id(subject)] = SubjectRef(kind=subject.kind, id=subject.id, path=path)  # type: ignore[arg-type]
        return found

    def by_kind(self) -> dict[str, list[tuple[Subject, Decision]]]:
        """The subjects with their decisions, by subject kind, in document order."""
        out: dict[str, list[tuple[Subject, Decision]]] = {}
        for subject, decision in zip(self.subjects, self.decisions, strict=True):
            out.setdefault(subject.kind, []).append((subject, decision))
        return out


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


def judge(case: Case, penalties: Penalties) -> Findings:
    """Every instrument's applicability and every decided rule's verdict, instrument by instrument."""
    findings = Findings()
    by_kind = case.by_kind()
    product_decision = case.decisions[0]
    for inst in case.ruleset.instruments:
        applies = applicability(inst, case.selected, product_decision)
        scope = case.conditions.get(scope_key(inst))
        if applies in (Applicability.NOT_SELECTED, Applicability.NO):
            findings.not_applicable.append(not_applicable(inst, applies, scope, case.product, case.selected))  # type: ignore[arg-type]
            continue
        would: list[str] = []
        for rule in inst.rules:
            for subject, decision in by_kind.get(rule.subject, ()):
                if rule.id in decision.true:
                    if applies is Applicability.UNKNOWN:
                        if rule.effective.in_force(case.as_of) and case.as_of >= inst.in_force:
                            would.append(rule.id)
                        continue
                    findings.add(fired(case, penalties, inst, rule, subject))
                elif (
                    rule.id in decision.unknown
                    and applies is Applicability.YES
                    and rule.effective.in_force(case.as_of)
                    and case.as_of >= inst.in_force
                ):
                    findings.add(undecided(case, inst, rule, subject))
        if (
            applies is Applicability.UNKNOWN and case.as_of >= inst.in_force
        ):  # nothing is undecided before the law applies
            findings.add(undecided_applicability(inst, scope, case.subjects[0], would, case.explainer))  # type: ignore[arg-type]
    return findings


def began_before(subject: Subject, day: dt.date) -> bool | None:
    """Whether the subject's practice began before ``day`` (None: its start is not given)."""
    started = subject.facts.get("practice.started_on")
    if started is None:
        return None
    return bool(started < date_number(day))


def fired(
    case: Case, penalties: Penalties, inst: Instrument, rule: Rule, subject: Subject
) -> Violation | Upcoming | Insufficient | None:
    """The verdict on a rule true for ``subject`` under an instrument that applies."""
    as_of = case.as_of
    starts = max(rule.effective.from_, inst.in_force)
    # processing already running when the duty starts is bound only after its grace
    if (
        as_of < starts
        and (grace := rule.effective.grace_for_existing(starts)) is not None
        and began_before(subject, grace.began_before)
    ):
        starts = grace.until + dt.timedelta(days=1)
    if as_of < starts:
        return upcoming(case, inst, rule, subject, starts, rule.citation)
    if (grace := rule.effective.grace_for_existing(as_of)) is not None and (
        began := began_before(subject, grace.began_before)
    ) is not False:
        if began is None:
            return Insufficient(
                rule_id=rule.id, instrument=inst.id, jurisdiction=inst.jurisdiction,
                subject=case.ref(subject), missing=[subject.doc_path("practice.started_on")],
                reason=f"{grace.citation}: processing begun before {grace.began_before} "
                f"is bound only after {grace.until}; when did it begin?",
            )  # fmt: skip
        citation = f"{rule.citation_at(as_of)}; {grace.citation}"
        return upcoming(case, inst, rule, subject, grace.until + dt.timedelta(days=1), citation)
    if rule.effective.in_force(as_of):
        return violation(case, penalties, inst, rule, subject)
    return None


def upcoming(
    case: Case, inst: Instrument, rule: Rule, subject: Subject, starts: dt.date, citation: str
) -> Upcoming:
    """A duty the subject would break from ``starts``."""
    return Upcoming(
        rule_id=rule.id, instrument=inst.id, jurisdiction=inst.jurisdiction,
        citation=citation, title=rule.title, severity=rule.severity,
        effective_from=starts, subject=case.ref(subject), remediation=rule.remediation,
    )  # fmt: skip


def violation(case: Case, penalties: Penalties, inst: Instrument, rule: Rule, subject: Subject) -> Violation:
    """A rule in force broken by ``subject``, with its evidence and penalty."""
    as_of = case.as_of
    start, end = rule.period(as_of)
    return Violation(
        rule_id=rule.id, instrument=inst.id, jurisdiction=inst.jurisdiction,
        citation=rule.citation_at(as_of), title=rule.title, severity=rule.severity,  # type: ignore[arg-type]
        citations=list(rule.provisions(as_of)), citation_practice=rule.citation_practice,
        subject=case.ref(subject), evidence=case.explainer.evidence(case.conditions[rule.id], subject),
        remediation=rule.remediation, penalty=penalties.of(inst, rule),
        confirmed=rule.confirmed_at(as_of), note=rule.note_at(as_of),
        period=Period(from_=max(start, inst.in_force), until=end),
        **source_fields(rule.source_at(as_of), rule.references),
    )  # fmt: skip


def undecided(case: Case, inst: Instrument, rule: Rule, subject: Subject) -> Insufficient:
    """A rule in force whose condition turns on facts ``subject`` does not give."""
    return Insufficient(
        rule_id=rule.id, instrument=inst.id, jurisdiction=inst.jurisdiction,
        subject=case.ref(subject), missing=case.explainer.missing(case.conditions[rule.id], subject),
        reason=f"{rule.citation}: the rule turns on facts the description does not give",
    )  # fmt: skip
