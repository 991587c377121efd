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
