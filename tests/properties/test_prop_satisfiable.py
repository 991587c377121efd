"""Satisfiability: the rules of each market can all be met at once, by a product they apply to;
every rule has a product that violates it and one that does not."""

from __future__ import annotations

import json
import warnings

import pytest
from prophelpers import MARKETS, durable, model, reference

from engine.analysis.lint import check_examples
from engine.testing.repair import boundary_dates, compliant_seed, problems_in, seed_path


def _days(market: str | None):
    return boundary_dates(market)


@pytest.mark.parametrize("market", MARKETS)
def test_every_market_has_a_product_compliant_with_every_rule_in_force(market: str) -> None:
    """``seeds/compliant-<market>.json`` is in scope of every instrument of the market and
    violates nothing, nor leaves anything undecided, on every day a rule of the market starts or
    stops. If the rules outgrew the seed, a repaired copy proves the point (with a warning to
    refresh the file); if none is found the rules of the market may contradict each other."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        doc = compliant_seed(market)
    for w in caught:
        warnings.warn(str(w.message), stacklevel=1)
    product = model(doc)
    for day in _days(market):
        report = durable().evaluate(product, day)
        assert problems_in(report, market) == [], (market, day)
    assert seed_path(market).exists()


def test_one_product_can_comply_in_every_market_at_once() -> None:
    """``seeds/compliant-all.json`` is offered in every market, established in each, transfers
    data abroad, generates synthetic media of real people — and complies everywhere, every day a
    rule starts or stops: its transfer to the US states a mechanism per regime (the EU's SCCs with
    a transfer impact assessment, China's filed standard contract), so it needs no US adequacy
    framework, which was missing between Schrems II and the DPF."""
    path = seed_path("all")
    doc = json.loads(path.read_text(encoding="utf-8"))
    product = model(doc)
    assert set(MARKETS) <= set(doc["markets"])
    assert doc["data_practices"][0]["transfers"][0]["mechanisms"] == {
        "EU": "scc",
        "CN": "cn_standard_contract",
    }
    for day in _days(None):
        report = durable().evaluate(product, day)
        for market in MARKETS:
            assert problems_in(report, market) == [], (market, day, problems_in(report, market)[:3])


def test_every_rule_has_a_violating_and_a_compliant_product() -> None:
    """Each rule's examples behave (on the reference evaluator here; tests/engine/analysis/test_rule_examples.py
    runs them on durable_rules): the violating ones violate it, the compliant ones are in scope
    and neither violate it nor leave it undecided."""
    ruleset = durable().ruleset
    for rule in ruleset.rules:
        assert rule.violating and rule.compliant, rule.id
    findings = check_examples(ruleset, reference())
    assert findings == [], "\n".join(map(str, findings[:10]))
