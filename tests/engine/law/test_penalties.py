"""Penalty arithmetic on real statutory figures, end to end through evaluation."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest

from engine.analysis.lint import example_date
from engine.evaluate.evaluator import Evaluator
from engine.facts.inputs import product_from_data
from engine.law.model import Rule, RuleSet
from engine.law.penalties import PenaltyContext, compute, parse_formula

LATE = dt.date(2026, 12, 31)


def _violation(evaluator: Evaluator, rule: Rule, **org_patch):
    example = copy.deepcopy(rule.violating[0].product)
    example.setdefault("organization", {}).update(org_patch.pop("organization", {}))
    for key, value in org_patch.items():
        example.setdefault(key, {}).update(value)
    day = max(example_date(rule, evaluator.ruleset, rule.violating[0]), dt.date(2026, 11, 30))
    report = evaluator.evaluate(product_from_data(example), day)
    found = [v for v in report.violations if v.rule_id == rule.id]
    assert found, f"{rule.id} does not fire on its example with the patch"
    return found[0], report


def _rule_with_tier(ruleset: RuleSet, instrument: str, predicate) -> Rule:
    inst = ruleset.instrument(instrument)
    for rule in inst.rules:
        tier = inst.penalty_tiers[rule.penalty].latest()
        if predicate(tier) and rule.effective.until is None:
            return rule
    raise AssertionError(f"no rule of {instrument} with such a tier")


def test_gdpr_upper_tier_for_eur_2bn_turnover_is_eur_80m(ruleset: RuleSet, durable: Evaluator) -> None:
    rule = _rule_with_tier(ruleset, "eu-gdpr", lambda t: "83(5)" in t.citation)
    v, report = _violation(
        durable, rule, organization={"annual_revenue": {"amount": 2_000_000_000, "currency": "EUR"}}
    )
    assert v.penalty.currency == "EUR"
    assert v.penalty.max == Decimal("80000000")
    assert "4% of turnover EUR 2,000,000,000" in v.penalty.explanation
    exposure = next(e for e in report.summary.exposure if e.instrument == "eu-gdpr")
    assert exposure.aggregation == "gravest" and exposure.max == max(
        x.penalty.max for x in report.violations if x.instrument == "eu-gdpr"
    )


def test_gdpr_upper_tier_floor_is_eur_20m_for_small_turnover(ruleset: RuleSet, durable: Evaluator) -> None:
    rule = _rule_with_tier(ruleset, "eu-gdpr", lambda t: "83(5)" in t.citation)
    v, _ = _violation(
        durable, rule, organization={"annual_revenue": {"amount": 1_000_000, "currency": "EUR"}}
    )
    assert v.penalty.max == Decimal("20000000")


def test_pipl_is_priced_at_66_1_with_the_serious_tier_as_the_ceiling(
    ruleset: RuleSet, durable: Evaluator
) -> None:
    """Art. 66(1) is the default (a fine only on refusal to correct); Art. 66(2) needs serious circumstances."""
    rule = next(r for r in ruleset.instrument("cn-pipl").rules if r.aggravated == "cn-pipl-66-2")
    v, report = _violation(
        durable, rule, organization={"annual_revenue": {"amount": 100_000_000_000, "currency": "CNY"}}
    )
    assert v.penalty.currency == "CNY"
    assert (v.penalty.tier, v.penalty.max) == ("cn-pipl-66-1", Decimal("1000000"))
    assert v.penalty.aggravated_max == Decimal("5000000000")
    assert "serious circumstances" in v.penalty.explanation
    cn = next(e for e in report.summary.exposure if "cn-pipl" in e.instruments)
    assert cn.max < Decimal("5000000000")  # the ceiling is shown, not counted


def test_a_borrowed_penalty_is_marked_as_a_mapping(ruleset: RuleSet, durable: Evaluator) -> None:
    rule = ruleset.instrument("cn-dsp").rules
    rule = next(r for r in rule if r.id == "cn-dsp-implicit-marker")
    v, _ = _violation(durable, rule)
    assert v.penalty.mapping and "Art. 22" in v.penalty.mapping
    assert v.penalty.explanation.startswith("no fine of its own")
    assert v.penalty.max < v.penalty.aggravated_max


def test_ccpa_per_violation_times_affected_consumers(ruleset: RuleSet, durable: Evaluator) -> None:
    inst = ruleset.instrument("us-ca-ccpa")
    rule = _rule_with_tier(ruleset, "us-ca-ccpa", lambda t: t.counts == "affected_consumers")
    tier = inst.penalty_tiers[rule.penalty].latest()
    unit = compute(tier.max, PenaltyContext(currency="USD", revenue=None, count=1, as_of=LATE))[0]
    assert unit in (Decimal("2663"), Decimal("7988"))  # 2025 CPI-adjusted amounts
    v, _ = _violation(durable, rule, audience={"users_by_market": {"US-CA": 12_000}})
    assert v.penalty.max == unit * 12_000
    assert "12,000" in v.penalty.explanation


def test_ai_act_sme_gets_the_lesser_of(ruleset: RuleSet, durable: Evaluator) -> None:
    inst = ruleset.instrument("eu-aia")
    rule = _rule_with_tier(ruleset, "eu-aia", lambda t: "99(3)" in t.citation and t.sme_max is not None)
    revenue = {"annual_revenue": {"amount": 80_000_000, "currency": "EUR"}}
    big, _ = _violation(durable, rule, organization={**revenue, "sme": False})
    small, _ = _violation(durable, rule, organization={**revenue, "sme": True})
    assert big.penalty.max == Decimal("35000000")  # greater of EUR 35M and 7% (5.6M)
    assert small.penalty.max == Decimal("5600000")  # Art. 99(6): the lesser
    assert inst.penalty_tiers[rule.penalty].latest().sme_max is not None


@pytest.mark.parametrize(
    ("formula", "revenue", "count", "expected"),
    [
        ({"amount": 1000, "currency": "EUR"}, None, 1, "1000"),
        ({"turnover_pct": 4}, Decimal("1000"), 1, "40"),
        ({"greater_of": [{"amount": 10, "currency": "EUR"}, {"turnover_pct": 2}]}, Decimal("100"), 1, "10"),
        ({"lesser_of": [{"amount": 10, "currency": "EUR"}, {"turnover_pct": 2}]}, Decimal("100"), 1, "2"),
        ({"per_violation": {"amount": 2663, "currency": "EUR"}}, None, 3, "7989"),
        ({"per_day": {"amount": 5000, "currency": "EUR"}, "days": 30}, None, 1, "150000"),
        ({"greater_of": [{"amount": 10, "currency": "EUR"}, {"turnover_pct": 2}]}, None, 1, "10"),
    ],
)
def test_formulas(formula: dict, revenue: Decimal | None, count: int, expected: str) -> None:
    value, text = compute(parse_formula(formula), PenaltyContext("EUR", revenue, count))
    assert value == Decimal(expected)
    assert text


def test_unknown_turnover_is_said(durable: Evaluator, ruleset: RuleSet) -> None:
    rule = _rule_with_tier(ruleset, "eu-gdpr", lambda t: "83(5)" in t.citation)
    example = copy.deepcopy(rule.violating[0].product)
    example.get("organization", {}).pop("annual_revenue", None)
    report = durable.evaluate(
        product_from_data(example), max(example_date(rule, ruleset, rule.violating[0]), LATE)
    )
    v = next(v for v in report.violations if v.rule_id == rule.id)
    assert "turnover unknown" in v.penalty.explanation


@pytest.mark.parametrize(
    "bad",
    [
        {"amount": -1, "currency": "EUR"},
        {"turnover_pct": 101},
        {"amount": 1},
        {"greater_of": [{"amount": 1, "currency": "EUR"}]},
        {"per_day": {}, "days": 0},
        {"amount": 1, "currency": "euro"},
    ],
)
def test_bad_formulas_are_refused(bad: dict) -> None:
    with pytest.raises(ValueError):
        parse_formula(bad)


def test_no_cn_finding_is_priced_at_a_tier_its_instrument_does_not_set_unless_marked(
    ruleset: RuleSet,
) -> None:
    """DSP Art. 22, the GenAI and Labeling Measures and the CBDT Provisions refer penalties to other laws."""
    own = {
        "cn-pipl": {"cn-pipl-66-1", "cn-pipl-66-2"},
        "cn-algo": {"cn-algo-31"},
        "cn-genai": {"cn-genai-21"},
        "cn-csl": {"cn-csl-64-1"},
        "cn-dsl": {"cn-dsl-45-1"},
    }
    unmarked = [
        r.id
        for r in ruleset.rules
        if r.jurisdiction == "CN"
        and r.penalty not in own.get(r.instrument_id, set())
        and not r.penalty_mapping
    ]
    assert not unmarked


def test_an_open_ended_penalty_without_a_floor_prints_in_the_table() -> None:
    """No maximum, no per-unit amount and no known floor: the table cell and the exposure line still
    render (both raised AttributeError on an int 0 before, an exit 3 of ``check --format table``)."""
    from types import SimpleNamespace

    from engine.law.penalties import penalty_text

    p = SimpleNamespace(max=None, per_unit=None, max_at_least=None, currency="EUR", conditional=False)
    assert penalty_text(p) == "≥ EUR 0 (open-ended)"
