"""A product offered in a country is offered in every market within it (US gives US-CA), and a
market selected within one of the product's markets is evaluated (US-CA of a US product, DE of an
EU product). Where a company is established or sends data is not folded down: an office in the US
is not an office in California."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.core.jurisdictions import markets_of, parts_of
from engine.evaluate.evaluator import Evaluator
from engine.evaluate.scope import MarketSelectionError
from engine.facts.inputs import product_from_data
from engine.facts.registry import build_subjects

DAY = dt.date(2026, 11, 30)


def _offered_in(load_seed, markets: list[str], name: str = "kids-game.json"):  # noqa: ANN001, ANN202
    doc = load_seed(name)
    users = sum(doc["audience"]["users_by_market"].values())
    doc = dict(doc, markets=markets, audience=dict(doc["audience"], users_by_market={markets[0]: users}))
    return product_from_data(doc)


def test_a_country_gives_the_markets_within_it_only_where_offered() -> None:
    assert parts_of("US") == ["US-CA"] and parts_of("EU") == [] and parts_of("DE") == []
    assert markets_of(["US"], offered=True) == ["US", "US-CA"]
    assert markets_of(["US"]) == ["US"]
    assert markets_of(["DE", "US-NY"], offered=True) == ["DE", "EU", "US-NY"]


def test_a_product_offered_in_the_us_is_judged_under_california_law(durable: Evaluator, load_seed) -> None:  # noqa: ANN001
    in_us = durable.evaluate(_offered_in(load_seed, ["US"]), DAY)
    in_ca = durable.evaluate(_offered_in(load_seed, ["US-CA"]), DAY)
    assert in_us.markets == ["US", "US-CA"]
    assert "us-ca-ccpa" not in {n.instrument for n in in_us.not_applicable}
    ccpa = sorted((v.rule_id, v.subject.path) for v in in_us.violations if v.instrument == "us-ca-ccpa")
    assert ccpa and ccpa == sorted(
        (v.rule_id, v.subject.path) for v in in_ca.violations if v.instrument == "us-ca-ccpa"
    )
    # the number of Californians is not given: the CCPA maximum is open-ended, asking for it
    assert any("audience.users_by_market.US-CA" in i.missing for i in in_us.insufficient_information)


def test_an_establishment_or_destination_in_the_us_is_not_one_in_california(load_seed) -> None:  # noqa: ANN001
    doc = load_seed("adtech-sdk.json")  # headquarters US, establishments US and NL, a transfer to US
    product, *practices = build_subjects(product_from_data(doc), DAY)
    assert "US-CA" not in product.facts["product.organization.establishment_markets"]
    assert "US" in product.facts["product.transfer_destinations"]
    assert "US-CA" not in product.facts["product.transfer_destinations"]


@pytest.mark.parametrize(
    ("markets", "selected", "kept"), [(["US"], "US-CA", ["US-CA"]), (["EU"], "DE", ["DE"])]
)
def test_a_market_selected_within_the_products_is_evaluated(
    durable: Evaluator,
    load_seed,
    markets: list[str],
    selected: str,
    kept: list[str],  # noqa: ANN001
) -> None:
    report = durable.evaluate(_offered_in(load_seed, markets), DAY, [selected])
    assert [m for m in report.markets if m in kept] == kept
    assert report.violations and all(v.jurisdiction in report.markets for v in report.violations)
    with pytest.raises(MarketSelectionError):
        durable.evaluate(_offered_in(load_seed, markets), DAY, ["CN"])
