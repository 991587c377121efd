"""Regression tests for engine bugs the property suite found (each also covered by a property)."""

from __future__ import annotations

import datetime as dt

from prophelpers import durable, model


def test_not_applicable_reason_does_not_depend_on_market_order() -> None:
    """Found by test_order_of_practices_markets_lists_and_keys_does_not_matter: the reason named
    the markets in submitted order, so ["EU", "CN"] and ["CN", "EU"] gave different reports."""
    doc = {"id": "a", "markets": ["EU", "CN"], "data_practices": [{"id": "a"}]}
    a = durable().evaluate(model(doc), dt.date(2018, 5, 24))
    b = durable().evaluate(model({**doc, "markets": ["CN", "EU"]}), dt.date(2018, 5, 24))
    assert a.not_applicable and a.model_dump_json() == b.model_dump_json()


def test_unknown_applicability_is_not_reported_before_the_instrument_is_in_force() -> None:
    """Found by test_nothing_is_in_force_before_the_earliest_effective_date: an instrument whose
    scope turned on an unknown fact (us-ca-aita: monthly_active_users) was reported as
    "insufficient information" in 2018, eight years before it applies."""
    ruleset = durable().ruleset
    doc = {"id": "a", "markets": ["US-CA", "CN", "EU"], "synthetic_media": {"generates": True}}
    for inst in ruleset.instruments:
        day = inst.in_force - dt.timedelta(days=1)
        report = durable().evaluate(model(doc), day)
        assert not [i for i in report.insufficient_information if i.instrument == inst.id]
