"""Penalties: ranges are sane, grow with revenue, per-violation totals are linear in the count,
and an instrument's exposure follows its aggregation rule."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from profiles import budget
from prophelpers import days, durable, model

from engine.law.penalties import (
    Amount,
    GreaterOf,
    LesserOf,
    PenaltyContext,
    PerDay,
    PerViolation,
    TurnoverPct,
    compute,
    evaluate_formula,
)
from engine.testing.strategies import products

DAY = dt.date(2026, 9, 1)
_revenues = st.decimals(0, 10**12, places=2, allow_nan=False, allow_infinity=False)


def _tiers():
    """Every version of every shipped tier: (instrument, tier id, the tier as it stands that day)."""
    ruleset = durable().ruleset
    return [
        (inst, name, dated.at(day))
        for inst in ruleset.instruments
        for name, dated in inst.penalty_tiers.items()
        for day in sorted(dated.boundaries()) or [DAY]
    ]


def _formulas():
    leaf = st.one_of(
        st.builds(
            Amount,
            st.decimals(0, 10**9, places=2, allow_nan=False, allow_infinity=False),
            st.sampled_from(["EUR", "USD", "CNY"]),
        ),
        st.builds(TurnoverPct, st.decimals(0, 100, places=2, allow_nan=False, allow_infinity=False)),
    )
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.builds(GreaterOf, st.lists(inner, min_size=2, max_size=3).map(tuple)),
            st.builds(LesserOf, st.lists(inner, min_size=2, max_size=3).map(tuple)),
            st.builds(PerViolation, inner),
            st.builds(PerDay, inner, st.one_of(st.none(), st.integers(1, 365))),
        ),
        max_leaves=5,
    )


def _close(x: Decimal, y: Decimal) -> bool:
    return abs(x - y) <= Decimal("1e-18") * max(Decimal(1), abs(x), abs(y))


def _counts(f) -> bool:
    """Whether a formula multiplies by the count somewhere (nested per_violation is not linear)."""
    if isinstance(f, PerViolation):
        return True
    if isinstance(f, GreaterOf | LesserOf):
        return any(_counts(i) for i in f.items)
    if isinstance(f, PerDay):
        return _counts(f.item)
    return False


def _ctx(revenue, count=1, currency="EUR"):
    return PenaltyContext(currency=currency, revenue=revenue, count=count, as_of=DAY)


@budget(150)
@given(doc=products(), day=days())
def test_penalty_ranges_and_exposure_follow_the_aggregation_rule(doc, day) -> None:
    report = durable().evaluate(model(doc), day)
    ruleset = durable().ruleset
    for v in report.violations:
        p = v.penalty
        assert 0 <= p.min and (p.max is None or p.min <= p.max)
        # open-ended: no maximum, a known floor and the paths that would bound it (when there are any)
        assert (p.max is None) == (p.max_at_least is not None)
        if p.conditional:
            assert p.min == 0  # an amount that arises only on an event is never a minimum
    for e in report.summary.exposure:
        mine = [v for v in report.violations if v.instrument in e.instruments]
        counted = [v for v in mine if not v.penalty.conditional] or mine
        assert mine and 0 <= e.min and 0 <= e.usd.min
        maxima = [v.penalty.max for v in counted]
        if any(m is None for m in maxima):
            assert e.max is None and e.usd.max is None and e.max_at_least is not None
            continue
        assert e.max is not None and e.min <= e.max and e.usd.min <= e.usd.max
        assert max(maxima) <= e.max <= sum(maxima)
        certain = [v for v in mine if not v.penalty.conditional]
        minima = [v.penalty.min for v in certain] or [0]
        if ruleset.instrument(e.instrument).aggregation == "gravest":
            assert e.max == max(maxima) and e.min == max(minima)
        else:
            assert e.max == sum(maxima) and e.min == sum(minima)
    # every instrument with a violation is counted exactly once
    counted = [i for e in report.summary.exposure for i in e.instruments]
    assert sorted(counted) == sorted({v.instrument for v in report.violations})
    # instruments are counted together only where one act (same subject) meets them under a shared tier
    for e in report.summary.exposure:
        if len(e.instruments) > 1:
            assert all(ruleset.instrument(i).aggregation == "gravest" for i in e.instruments)
            acts: dict[tuple[str, str], set[str]] = {}
            for v in report.violations:
                if v.instrument in e.instruments:
                    acts.setdefault((v.subject.path, v.penalty.tier), set()).add(v.instrument)
            assert any(len(insts) > 1 for insts in acts.values())


@budget(100)
@given(
    doc=products(),
    r1=_revenues,
    r2=_revenues,
    currency=st.sampled_from(["EUR", "USD", "CNY"]),
    day=days(),
)
def test_penalties_never_decrease_with_revenue(doc, r1, r2, currency, day) -> None:
    low, high = sorted((r1, r2))
    a, b = copy.deepcopy(doc), copy.deepcopy(doc)
    a.setdefault("organization", {})["annual_revenue"] = {"amount": low, "currency": currency}
    b.setdefault("organization", {})["annual_revenue"] = {"amount": high, "currency": currency}
    ra, rb = durable().evaluate(model(a), day), durable().evaluate(model(b), day)
    pa = {(v.rule_id, v.subject.path): v.penalty for v in ra.violations}
    pb = {(v.rule_id, v.subject.path): v.penalty for v in rb.violations}

    def le(x, y) -> bool:  # None is an open-ended maximum: above every amount
        return y is None or (x is not None and x <= y)

    for key in pa.keys() & pb.keys():
        assert le(pa[key].max, pb[key].max) and pa[key].min <= pb[key].min, key
    if pa.keys() == pb.keys():  # same violations: the same exposure groups, each at least as high
        eb = {tuple(e.instruments): e for e in rb.summary.exposure}
        for ea in ra.summary.exposure:
            assert le(ea.max, eb[tuple(ea.instruments)].max)


@budget(100)
@given(doc=products(markets=["US-CA"]), n=st.integers(0, 10**7), day=days())
def test_per_violation_totals_are_linear_in_the_affected_consumers(doc, n, day) -> None:
    """Tiers that count affected consumers (CCPA §1798.155, .199.90) multiply per consumer."""
    ruleset = durable().ruleset
    one, many = copy.deepcopy(doc), copy.deepcopy(doc)
    for d, users in ((one, 1), (many, n)):
        aud = d.setdefault("audience", {})
        aud["users_by_market"] = {**(aud.get("users_by_market") or {}), "US-CA": users}
    r1, rn = durable().evaluate(model(one), day), durable().evaluate(model(many), day)
    p1 = {(v.rule_id, v.subject.path): v for v in r1.violations}
    for v in rn.violations:
        inst = ruleset.instrument(v.instrument)
        tier = inst.penalty_tiers[v.penalty.tier].at(day)
        if tier.counts == "affected_consumers" and (v.rule_id, v.subject.path) in p1:
            base = p1[(v.rule_id, v.subject.path)].penalty
            if isinstance(tier.max, PerViolation):
                assert v.penalty.max == base.max * n
            if isinstance(tier.min, PerViolation) and isinstance(tier.max, PerViolation):
                assert v.penalty.min == min(base.min * n, base.max * n)


@budget(100)
@given(revenue=st.one_of(st.none(), _revenues), a=st.integers(0, 10**6), b=st.integers(0, 10**6))
def test_shipped_per_violation_formulas_are_linear_and_sme_caps_never_exceed_the_general_cap(
    revenue, a, b
) -> None:
    for inst, name, tier in _tiers():
        currency = tier.currency or "EUR"
        for f in (tier.max, tier.min):
            if isinstance(f, PerViolation):
                fa = compute(f, _ctx(revenue, a, currency))[0] if revenue is not None else None
                if fa is not None:
                    fb = compute(f, _ctx(revenue, b, currency))[0]
                    fab = compute(f, _ctx(revenue, a + b, currency))[0]
                    assert fab == fa + fb, (inst.id, name)
        if tier.sme_max is not None:
            general = evaluate_formula(tier.max, _ctx(revenue, 1, currency))[0]
            sme = evaluate_formula(tier.sme_max, _ctx(revenue, 1, currency))[0]
            assert sme <= general, (inst.id, name)
        if tier.min is not None:
            low = evaluate_formula(tier.min, _ctx(revenue, 1, currency))[0]
            high = evaluate_formula(tier.max, _ctx(revenue, 1, currency))[0]
            assert 0 <= low and 0 <= high


@budget(250)
@given(f=_formulas(), r1=_revenues, r2=_revenues, a=st.integers(0, 1000), b=st.integers(0, 1000))
def test_formula_algebra(f, r1, r2, a, b) -> None:
    """Every formula is non-negative and non-decreasing in revenue and in the count; greater_of
    is at least, lesser_of at most, each of its parts; per_violation is linear in the count."""
    low, high = sorted((r1, r2))
    v_low = compute(f, _ctx(low, a))[0]
    v_high = compute(f, _ctx(high, a))[0]
    assert 0 <= v_low <= v_high
    assert compute(f, _ctx(low, min(a, b)))[0] <= compute(f, _ctx(low, max(a, b)))[0]
    if isinstance(f, GreaterOf | LesserOf):
        parts = [compute(i, _ctx(low, a))[0] for i in f.items]
        assert v_low == (max(parts) if isinstance(f, GreaterOf) else min(parts))
    if isinstance(f, PerViolation) and not _counts(f.item):
        unit = compute(f.item, _ctx(low, 1))[0]
        total = compute(f, _ctx(low, a + b))[0]
        parts = compute(f, _ctx(low, a))[0] + compute(f, _ctx(low, b))[0]
        # exact in the tier's own currency; after an exchange rate, to Decimal's 28 digits
        assert _close(total, unit * (a + b)) and _close(total, parts)
    assert compute(f, _ctx(Decimal(0), 1))[0] >= 0
