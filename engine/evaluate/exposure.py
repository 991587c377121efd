"""Exposure: each violation's penalty, its later changes, and the exposure per instrument.

A rule's penalty is its tier computed against the product (turnover, affected consumers, SME
status); it is the same for every violation of rules sharing a tier within one evaluation, so
:class:`Pricing` makes each once per day it is priced on. Exposure adds up (or takes the gravest
of) the violations of an instrument; instruments whose violations are one act under one shared
tier are counted once. Every amount read in another currency is converted here, at the rates of
the day evaluated (:attr:`Pricing.rates`), penalty formulas included.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, NamedTuple

from engine.core.fx import RateTable, fx_rates
from engine.core.jurisdictions import jurisdictions
from engine.evaluate.law_of_day import LawOfDay, RuleDay
from engine.evaluate.memo import BoundedMemo
from engine.facts.product import Product
from engine.law.model import Instrument, Rule, RuleSet
from engine.law.penalties import PenaltyContext, basis_of, bound, evaluate_formula, money
from engine.report.model import Exposure, Insufficient, Penalty, UpcomingPenaltyChange, UsdRange, Violation


class Priced(NamedTuple):
    """A violation with what ordering and pricing it read (its rule's dates, subject and penalty):
    records sort in report order (``n``, the order made, breaks no tie but keeps sorting total)."""

    order: int  # the rule's place in report order (:attr:`RuleDay.order`)
    path: str
    n: int
    violation: Violation
    dates: RuleDay
    kind: str
    penalty: Penalty


def penalty_of(
    law: LawOfDay,
    inst: Instrument,
    rule: Rule,
    product: Product,
    as_of: dt.date,
    rates: RateTable,
    on: dt.date | None = None,
) -> Penalty:
    """The rule's penalty for ``product``: its tier as it stands ``on`` (default ``as_of``), amounts
    in other currencies read at ``rates`` (those of ``as_of``)."""
    on = on or as_of
    tier = law.tier(rule.penalty, on)
    currency = tier.currency or jurisdictions()[inst.jurisdiction].currency
    org = product.organization
    revenue = None
    if org.annual_revenue is not None:
        revenue = rates.convert(org.annual_revenue.amount, org.annual_revenue.currency, currency)
    count: int | None = 1
    label, path = "violation", None
    if tier.counts == "affected_consumers":
        label, path = "affected consumer", f"audience.users_by_market.{inst.jurisdiction}"
        count = product.audience.users_by_market.get(inst.jurisdiction)
    ctx = PenaltyContext(
        currency=currency,
        revenue=revenue,
        count=count,
        count_label=label,
        as_of=as_of,
        count_path=path,
        rates=rates,
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
        grave = law.tier(rule.aggravated, on)
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


def _amount(p: Penalty) -> str:
    return (
        money(p.max, p.currency)
        if p.max is not None
        else f"at least {money(p.max_at_least or Decimal(0), p.currency)}"
    )


class Pricing:
    """The prices of one evaluation (one product, one day): each penalty, the later changes of the
    maximum of every rule violated, and the exposure.

    A penalty is a pure function of its tier, the days, the organisation's turnover and SME status
    and the count of affected consumers, so penalties are kept by those (:meth:`LawOfDay.priced`):
    products of one organisation, and re-evaluations, price each tier once.
    """

    def __init__(self, law: LawOfDay, product: Product, as_of: dt.date):
        self.law, self.product, self.as_of = law, product, as_of
        self.rates = fx_rates().table_for(as_of)
        org = product.organization
        revenue = org.annual_revenue
        self._org = (str(revenue.amount), revenue.currency) if revenue is not None else None, bool(org.sme)
        self._users = product.audience.users_by_market
        self._priced = law.priced(as_of).trim()
        self._exposed = law.exposed(as_of).trim()
        self._changes: dict[str, list[UpcomingPenaltyChange]] = {}
        self._by_class: dict[tuple[str, ...], Penalty] = {}
        self._steps: dict[tuple[Any, ...], list[tuple[dt.date, Penalty, Penalty]]] = {}

    def key(self, inst: Instrument, rule: Rule, on: dt.date | None = None) -> tuple[Any, ...]:
        """Everything the penalty for violating ``rule`` (its tier as it stands ``on``) is computed from."""
        return (
            inst.jurisdiction,
            rule.penalty,
            rule.aggravated or "",
            rule.aggravated_when or "",
            rule.penalty_mapping or "",
            on or self.as_of,
            self.as_of,
            self._org,
            self._users.get(inst.jurisdiction),
        )

    def penalty(self, inst: Instrument, rule: Rule, on: dt.date | None = None) -> Penalty:
        """The penalty for violating ``rule``, as its tier stands ``on`` (default: the day evaluated)."""
        on = on or self.as_of
        key = self.key(inst, rule, on)
        found = self._priced.get(key)
        if found is None:
            found = penalty_of(self.law, inst, rule, self.product, self.as_of, self.rates, on)
            self._priced[key] = found
        return found

    def violated(self, dates: RuleDay) -> Penalty:
        """The penalty of a violation of the rule of ``dates``, priced once per evaluation for all
        rules priced alike; records the rule's later penalty changes."""
        found = self._by_class.get(dates.priced_as)
        if found is None:
            found = self._by_class[dates.priced_as] = self.penalty(dates.inst, dates.rule)
        if dates.later and dates.rule.id not in self._changes:
            self._changes[dates.rule.id] = self._changes_of(dates, found)
        return found

    def _changes_of(self, dates: RuleDay, now: Penalty) -> list[UpcomingPenaltyChange]:
        """Each later day on which the maximum for this rule's violation changes (while the rule lasts)."""
        inst, rule = dates.inst, dates.rule
        steps_key = (dates.priced_as, rule.effective.until)
        steps = self._steps.get(steps_key)
        if steps is None:  # the same for every rule priced alike that lasts as long
            steps = self._steps[steps_key] = []
            previous = now
            for day in dates.later:
                if rule.effective.until is not None and day > rule.effective.until:
                    break
                later = self.penalty(inst, rule, day)
                if later.max != previous.max or later.currency != previous.currency:
                    steps.append((day, later, previous))
                previous = later
        return [
            UpcomingPenaltyChange(
                rule_id=rule.id, instrument=inst.id, jurisdiction=inst.jurisdiction, title=rule.title,
                tier=rule.penalty, effective_from=day, currency=later.currency,
                old_max=previous.max, new_max=later.max, citation=later.citation,
                explanation=f"from {day}: {later.explanation} (was {_amount(previous)})",
            )
            for day, later, previous in steps
        ]  # fmt: skip

    def changes(self) -> list[UpcomingPenaltyChange]:
        """Every later change of a violated rule's maximum, by day, jurisdiction and rule."""
        return sorted(
            (c for cs in self._changes.values() for c in cs),
            key=lambda c: (c.effective_from, c.jurisdiction, c.rule_id),
        )

    def exposures(self, violations: list[Priced]) -> list[Exposure]:
        """The exposure of ``violations`` (in report order), per instrument or act (:func:`exposures`)."""
        return exposures(self.law.ruleset, violations, self.rates, self._exposed)

    def open_ended(self, exposure: list[Exposure]) -> list[Insufficient]:
        """:func:`open_ended` of this evaluation's ``exposure``."""
        return open_ended(exposure, self._exposed)


class Terms:
    """What an exposure reads of one penalty, read once per evaluation however many violations
    share the penalty."""

    __slots__ = ("currency", "conditional", "min", "max", "floor", "missing", "ceiling", "tier")

    def __init__(self, p: Penalty):
        self.currency, self.conditional, self.min, self.max = p.currency, p.conditional, p.min, p.max
        self.floor = p.max if p.max is not None else p.max_at_least or Decimal(0)
        self.missing, self.ceiling, self.tier = p.missing, p.theoretical_ceiling, p.tier


def exposure_of(jurisdiction: str, insts: list[Instrument], terms: list[Terms], rates: RateTable) -> Exposure:
    """The exposure of one instrument, or of several whose violations meet in one act (the terms
    of its violations' penalties, in report order)."""
    currency = terms[0].currency
    # amounts that arise only on an event are shown apart, never added to the range
    certain = [t for t in terms if not t.conditional]
    conditional = [t for t in terms if t.conditional] if len(certain) < len(terms) else []
    counted = certain or conditional
    minima = [t.min for t in counted] if certain else [Decimal(0)]
    floors = [t.floor for t in counted]
    distinct = list(dict.fromkeys(counted))
    open_ended = any(t.max is None for t in distinct)
    missing = list(dict.fromkeys(m for t in distinct for m in t.missing))
    ceiling = any(t.ceiling for t in distinct)
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
    if ceiling:
        text += (
            "; a theoretical ceiling: the statutory maximum multiplied by every affected consumer, "
            "not an expected fine (see each violation's arithmetic)"
        )
    cond_text = None
    if conditional:
        events = sorted({t.conditional or "" for t in conditional})
        cond_text = f"{len(conditional)} violation(s) priced only if {'; '.join(events)}" + (
            "" if certain else " (the range shown is that conditional amount)"
        )
        if certain:
            text += f"; not counted: {cond_text}"
    usd = UsdRange(
        min=rates.convert(low, currency, "USD"),
        max=None if high is None else rates.convert(high, currency, "USD"),
    )
    return Exposure(
        jurisdiction=jurisdiction,
        instrument=ids[0],
        instruments=ids,
        tiers=sorted({t.tier for t in terms}),
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


def exposures(
    ruleset: RuleSet, violations: list[Priced], rates: RateTable, kept: BoundedMemo | None = None
) -> list[Exposure]:
    """Exposure per instrument, except that instruments aggregating at the gravest whose violations
    share a penalty tier for the same subject (one act, several instruments) are counted together:
    one act is not fined twice (Administrative Penalty Law Art. 29; GDPR Art. 83(3)).

    ``kept``: exposures (of one day, at its ``rates``) by their instruments and the ids of their
    violations' penalties in order, with the penalties (so no other object takes those ids)."""
    by_inst: dict[str, list[Penalty]] = {}
    meets: dict[tuple[str, str, str, str], list[str]] = {}
    for v in violations:
        inst = v.dates.inst
        found = by_inst.get(inst.id)
        if found is None:
            found = by_inst[inst.id] = []
        found.append(v.penalty)
        if inst.aggregation == "gravest":
            key = (inst.jurisdiction, v.kind, v.path, v.dates.rule.penalty)  # the penalty's tier
            met = meets.get(key)
            if met is None:
                meets[key] = [inst.id]
            elif met[-1] != inst.id:
                met.append(inst.id)
    instruments = {i.id: i for i in ruleset.instruments if i.id in by_inst}
    parent = {i: i for i in by_inst}

    def find(i: str) -> str:
        while parent[i] != i:
            i = parent[i]
        return i

    for insts in meets.values():
        for other in insts[1:]:
            parent[find(other)] = find(insts[0])
    groups: dict[str, list[str]] = {}
    for inst_id in instruments:  # in the rulesets' order
        groups.setdefault(find(inst_id), []).append(inst_id)
    terms: dict[int, Terms] = {}
    out = []
    for members in groups.values():
        mine = by_inst[members[0]] if len(members) == 1 else [p for i in members for p in by_inst[i]]
        key = (tuple(members), tuple(map(id, mine)))
        made = None if kept is None else kept.get(key)
        if made is None:
            read = []
            for p in mine:
                t = terms.get(id(p))
                if t is None:
                    t = terms[id(p)] = Terms(p)
                read.append(t)
            insts = [instruments[i] for i in members]
            made = (mine, exposure_of(insts[0].jurisdiction, insts, read, rates))
            if kept is not None:
                kept[key] = made
        out.append(made[1])
    out.sort(key=lambda e: (e.jurisdiction, e.instrument))
    return out


def open_ended(exposure: list[Exposure], kept: BoundedMemo | None = None) -> list[Insufficient]:
    """An entry for each exposure whose maximum stays open until the description gives more;
    ``kept``: entries by the exposure's id, with the exposure (so no other object takes that id)."""
    out = []
    for e in exposure:
        found = None if kept is None else kept.get(("open-ended", id(e)))
        if found is None:
            entry = None
            if e.max is None and e.missing:
                entry = Insufficient(
                    rule_id=None, about="penalty", instrument=e.instrument, jurisdiction=e.jurisdiction,
                    missing=e.missing,
                    reason=f"the maximum penalty is open-ended (at least {money(e.max_at_least or Decimal(0), e.currency)}): "
                    f"give {', '.join(e.missing)} to bound it",
                )  # fmt: skip
            found = (e, entry)
            if kept is not None:
                kept[("open-ended", id(e))] = found
        if found[1] is not None:
            out.append(found[1])
    return out
