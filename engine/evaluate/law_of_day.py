"""The law as it stands on a day, whatever the product: made once per rule, tier and day.

What a violation of a rule says besides its subject, evidence and penalty (citations, title,
period, source), each penalty tier's version, and the later days on which a tier changes
depend only on the rulesets and the day. An evaluator keeps them for the most recent few days,
so an evaluation builds them once, not once per violation; penalties priced and violations
judged on a day are kept with them, by all they are computed from.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from engine.evaluate.memo import BoundedMemo
from engine.law.model import Instrument, Rule, RuleSet
from engine.law.parameters import PenaltyTier
from engine.law.severity import SEVERITY_RANK
from engine.law.sources import Reference, source_fields
from engine.report.model import Period


class RuleDay:
    """A rule under its instrument as it bears on a verdict on one day: when its duty starts,
    the grace for processing begun earlier (before the start, or still running on the day),
    whether it is in force, ``plain`` (a true condition is simply a violation), where its
    violations sort, what its penalty is priced by besides the product (``priced_as``), the
    later days on which its tier changes and its condition prepared for explaining."""

    __slots__ = (
        "inst", "rule", "starts", "early", "grace", "in_force", "plain", "order", "priced_as", "later", "plan",
    )  # fmt: skip

    def __init__(self, inst: Instrument, rule: Rule, day: dt.date, later: list[dt.date], order: int):
        self.inst, self.rule, self.later, self.order = inst, rule, later, order
        self.plan: Any = None  # its condition as decided on the day, prepared (set by the verdicts)
        self.priced_as = (
            inst.jurisdiction, rule.penalty, rule.aggravated or "", rule.aggravated_when or "",
            rule.penalty_mapping or "",
        )  # fmt: skip
        self.starts = max(rule.effective.from_, inst.in_force)
        before = day < self.starts
        self.early = rule.effective.grace_for_existing(self.starts) if before else None
        self.grace = None if before else rule.effective.grace_for_existing(day)
        self.in_force = rule.effective.in_force(day)
        self.plain = not before and self.grace is None and self.in_force


class _Day:
    __slots__ = ("rules", "dates", "tiers", "later", "priced", "violations", "exposed")

    def __init__(self) -> None:
        self.rules: dict[str, dict[str, Any]] = {}
        self.dates: dict[str, RuleDay] = {}
        self.tiers: dict[str, PenaltyTier] = {}
        self.later: dict[str, list[dt.date]] = {}
        self.priced = BoundedMemo(4096)
        self.violations = BoundedMemo(8192)
        self.exposed = BoundedMemo(2048)


class LawOfDay:
    """Rule texts and tier versions by day, for one evaluator's rulesets (thread-safe)."""

    DAYS_KEPT = 16

    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset
        self._days: dict[dt.date, _Day] = {}
        self._lock = threading.Lock()
        by_order = sorted(
            (inst.jurisdiction, inst.id, SEVERITY_RANK[rule.severity], rule.id)
            for inst in ruleset.instruments
            for rule in inst.rules
        )
        #: each rule's place in report order (jurisdiction, instrument, severity, rule)
        self._order = {rule_id: n for n, (*_, rule_id) in enumerate(by_order)}

    def _day(self, day: dt.date) -> _Day:
        found = self._days.get(day)
        if found is None:
            with self._lock:
                found = self._days.get(day)
                if found is None:
                    while len(self._days) >= self.DAYS_KEPT:
                        del self._days[next(iter(self._days))]
                    found = self._days[day] = _Day()
        return found

    def violation_fields(self, inst: Instrument, rule: Rule, day: dt.date) -> dict[str, Any]:
        """The fields of a violation of ``rule`` on ``day`` that do not depend on the product
        (shared: validation copies its lists into each violation)."""
        rules = self._day(day).rules
        found = rules.get(rule.id)
        if found is None:
            start, end = rule.period(day)
            source = source_fields(rule.source_at(day), rule.references)
            source["references"] = [Reference.model_validate(r) for r in source["references"]]
            found = rules[rule.id] = dict(
                rule_id=rule.id, instrument=inst.id, jurisdiction=inst.jurisdiction,
                citation=rule.citation_at(day), title=rule.title, severity=rule.severity,
                citations=list(rule.provisions(day)), citation_practice=rule.citation_practice,
                remediation=rule.remediation, confirmed=rule.confirmed_at(day), note=rule.note_at(day),
                period=Period(from_=max(start, inst.in_force), until=end), **source,
            )  # fmt: skip
        return found

    def rule_day(self, inst: Instrument, rule: Rule, day: dt.date) -> RuleDay:
        """The dates of ``rule`` under ``inst`` as they bear on a verdict on ``day``."""
        dates = self._day(day).dates
        found = dates.get(rule.id)
        if found is None:
            found = dates[rule.id] = RuleDay(
                inst, rule, day, self.later_changes(rule.penalty, day), self._order[rule.id]
            )
        return found

    def tier(self, tier_id: str, day: dt.date) -> PenaltyTier:
        """The penalty tier ``tier_id`` as it stands on ``day``."""
        tiers = self._day(day).tiers
        found = tiers.get(tier_id)
        if found is None:
            found = tiers[tier_id] = self.ruleset.tiers[tier_id].at(day)
        return found

    def priced(self, day: dt.date) -> BoundedMemo:
        """Penalties priced for evaluations on ``day``, by everything they are computed from
        (filled by :class:`engine.evaluate.exposure.Pricing`; bounded)."""
        return self._day(day).priced

    def violations(self, day: dt.date) -> BoundedMemo:
        """Violations and other verdicts (undecided rules, instruments not applying) judged on
        ``day``, by everything they are made from (filled by :class:`engine.evaluate.verdicts.Judge`;
        bounded)."""
        return self._day(day).violations

    def exposed(self, day: dt.date) -> BoundedMemo:
        """Exposures priced on ``day``, by what they are computed from (filled by
        :func:`engine.evaluate.exposure.exposures`; bounded)."""
        return self._day(day).exposed

    def later_changes(self, tier_id: str, day: dt.date) -> list[dt.date]:
        """The days after ``day`` on which the tier ``tier_id`` changes, in order."""
        later = self._day(day).later
        found = later.get(tier_id)
        if found is None:
            found = later[tier_id] = sorted(d for d in self.ruleset.tiers[tier_id].boundaries() if d > day)
        return found
