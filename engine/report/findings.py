"""Findings for CI: stable fingerprints, suppressions and baselines applied to a report, and findings
grouped by rule, by subject or by fix (one row per group instead of one per violation).

A fingerprint is ``rule id | product id | subject id`` — no dates, no line numbers, no wording — so it
survives edits of the description and of the rule's text, and names the same finding on every run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from engine.law.severity import SEVERITY_RANK
from engine.report.model import Report, Violation


def fingerprint(product_id: str, rule_id: str, subject_id: str) -> str:
    """The stable key of one finding: the same rule, product and subject give the same key."""
    return f"{rule_id}|{product_id}|{subject_id}"


def violation_fingerprint(report: Report, v: Violation) -> str:
    return fingerprint(report.product_id, v.rule_id, v.subject.id)


@dataclass(frozen=True)
class Suppression:
    """An accepted finding: ``rule`` at ``subject`` (a practice id, a subject path or ``*``), with why,
    who approved it and until when. An expired suppression no longer applies."""

    rule: str
    subject: str
    reason: str
    approver: str | None = None
    expires: dt.date | None = None
    origin: str = ""  # file:line of the entry, for messages
    kind: str = "suppression"  # or "disabled" (a rule disabled in the configuration)

    def matches(self, v: Violation) -> bool:
        return self.rule == v.rule_id and self.subject in ("*", v.subject.id, v.subject.path)

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(frozen=True)
class Triaged:
    """One violation and what CI makes of it: ``new`` fails the run, ``suppressed`` and ``baselined``
    do not (``suppression`` says why)."""

    violation: Violation
    fingerprint: str
    status: str  # new | suppressed | baselined
    suppression: Suppression | None = None


@dataclass
class Triage:
    """The violations of one report with their status, and the suppressions that have expired."""

    items: list[Triaged]
    expired: list[Suppression] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for t in self.items if t.status == status)

    @property
    def new(self) -> list[Triaged]:
        return [t for t in self.items if t.status == "new"]


def triage(
    report: Report,
    suppressions: Sequence[Suppression] = (),
    baseline: frozenset[str] | set[str] = frozenset(),
    today: dt.date | None = None,
) -> Triage:
    """Mark each violation new, suppressed (a live suppression matches) or baselined (its
    fingerprint is in ``baseline``). An expired suppression matches nothing and is listed."""
    today = today or dt.date.today()
    live = [s for s in suppressions if not s.expired(today)]
    items = []
    for v in report.violations:
        fp = violation_fingerprint(report, v)
        match = next((s for s in live if s.matches(v)), None)
        if match is not None:
            items.append(Triaged(v, fp, "suppressed", match))
        elif fp in baseline:
            items.append(Triaged(v, fp, "baselined"))
        else:
            items.append(Triaged(v, fp, "new"))
    expired = [s for s in suppressions if s.expired(today) and any(s.matches(v) for v in report.violations)]
    return Triage(items, expired)


def untriaged(report: Report) -> Triage:
    """Every violation new (no suppressions, no baseline)."""
    return triage(report)


def subject_label(v: Violation) -> str:
    """How a subject is named in a table: the practice id, the transfer, or ``product``."""
    return "product" if v.subject.kind == "product" else v.subject.id


@dataclass(frozen=True)
class Group:
    """Violations shown as one row: of one rule (``by rule``), of one subject, or sharing one fix."""

    key: str
    items: tuple[Triaged, ...]

    @property
    def first(self) -> Violation:
        return self.items[0].violation

    @property
    def severity(self) -> str:
        return min((t.violation.severity for t in self.items), key=SEVERITY_RANK.__getitem__)

    @property
    def rule_ids(self) -> list[str]:
        return list(dict.fromkeys(t.violation.rule_id for t in self.items))

    @property
    def subjects(self) -> list[str]:
        return list(dict.fromkeys(subject_label(t.violation) for t in self.items))

    @property
    def statuses(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.items:
            out[t.status] = out.get(t.status, 0) + 1
        return out


GROUP_KEYS = {
    "rule": lambda v: v.rule_id,
    "practice": subject_label,
    "fix": lambda v: v.remediation,
}


def group(items: Iterable[Triaged], by: str = "rule") -> list[Group]:
    """Groups in order of first appearance (the report's order: jurisdiction, instrument, rule)."""
    key = GROUP_KEYS[by]
    groups: dict[str, list[Triaged]] = {}
    for t in items:
        groups.setdefault(key(t.violation), []).append(t)
    return [Group(k, tuple(v)) for k, v in groups.items()]
