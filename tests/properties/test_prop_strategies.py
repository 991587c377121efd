"""The shipped strategies (engine/testing/strategies.py) keep their promises."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given
from hypothesis import strategies as st
from profiles import budget
from prophelpers import MARKETS, durable, model

from engine.testing.repair import problems_in
from engine.testing.strategies import compliant_products, product_models, products


@budget(100)
@given(
    doc=products(
        markets=st.lists(
            st.sampled_from(["CN", "EU", "US-CA", "DE", "JP"]), min_size=1, max_size=3, unique=True
        )
    ),
)
def test_products_are_valid_json_descriptions(doc) -> None:
    assert json.loads(json.dumps(doc)) == doc
    assert model(doc).id == doc["id"]


@budget(60)
@given(
    data=st.data(),
    media=st.sampled_from([True, False]),
    minors=st.sampled_from([True, False]),
    transfers=st.sampled_from([True, False]),
)
def test_product_parameters_are_honoured(data, media, minors, transfers) -> None:
    doc = data.draw(products(markets=["EU", "CN"], synthetic_media=media, minors=minors, transfers=transfers))
    product = model(doc)
    assert sorted(doc["markets"]) == ["CN", "EU"]
    assert (product.synthetic_media is not None) == media
    assert product.audience.min_age is not None and (product.audience.min_age < 18) == minors
    has_transfers = any(p.transfers for p in product.data_practices)
    assert has_transfers == transfers
    if not minors:
        assert not product.audience.directed_at_children
        for p in product.data_practices:
            assert not any(c.startswith("user.childrens") or c.endswith(".minor") for c in p.data_categories)


@budget(30)
@given(product=product_models(max_practices=1))
def test_product_models_are_products(product) -> None:
    assert len(product.data_practices) <= 1


@budget(6)
@given(data=st.data(), market=st.sampled_from(MARKETS))
def test_compliant_products_comply(data, market) -> None:
    day = dt.date(2026, 9, 1)
    doc = data.draw(compliant_products(market, as_of=day, other_markets=True))
    assert problems_in(durable().evaluate(model(doc), day), market) == []
