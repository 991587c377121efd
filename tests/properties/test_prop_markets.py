"""Market isolation.

What holds, precisely: fix everything in a description but ``markets`` — establishments and
headquarters, transfers, audience (``users_by_market`` included), revenue. Then the part of the
report that belongs to market M's instruments (violations with their penalties and evidence,
insufficient information, upcoming duties, not-applicable instruments, exposure) is the same
for any two market lists that list the same *M-places* (M itself and the member states that
fold into it: ``DE`` and ``IE`` for ``EU``), whatever other places they list.

It does not say that listing M or not makes no difference (that is the point of markets), and
it covers the case where M is not listed at all: an instrument can still apply through an
establishment in M (GDPR Art. 3(1)), and then the other markets still do not matter. Member
states are kept fixed because a rule may lawfully turn on one (national derogations). Evidence
that quotes ``product.markets`` itself is compared without its quoted value.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from profiles import budget
from prophelpers import MARKETS, days, durable, in_market, jurisdiction_places, model

from engine.core.jurisdictions import within
from engine.evaluate.scope import MarketSelectionError
from engine.testing.strategies import _places, compliant_products, products


@budget(150)
@given(doc=products(), market=st.sampled_from(MARKETS), extra=st.lists(_places(), max_size=4), day=days())
def test_violations_in_a_market_do_not_depend_on_the_other_markets(doc, market, extra, day) -> None:
    mine = jurisdiction_places(market)
    kept = [m for m in doc["markets"] if m in mine]
    others = [m for m in dict.fromkeys(extra) if m not in mine and m not in kept]  # a place once
    a = dict(doc, markets=kept + others) if kept + others else None
    b = dict(doc, markets=kept or [m for m in others[:1]]) if (kept or others) else None
    if a is None or b is None:
        return
    assert in_market(durable().evaluate(model(a), day), market) == in_market(
        durable().evaluate(model(b), day), market
    )


@budget(120)
@given(doc=products(), market=st.sampled_from(MARKETS), day=days())
def test_restricting_to_a_market_keeps_that_market_unchanged(doc, market, day) -> None:
    """``--market M`` (``evaluate(..., markets=[M])``) reports in M what the full run reports."""
    product = model(doc)
    if not any(within(m, market) or within(market, m) for m in product.markets):  # nothing to evaluate
        with pytest.raises(MarketSelectionError, match="none of the product's markets"):
            durable().evaluate(product, day, [market])
        return
    full = durable().evaluate(product, day)
    only = durable().evaluate(product, day, [market])
    assert in_market(full, market) == in_market(only, market)
    for other in MARKETS:
        if other != market:
            part = in_market(only, other)
            assert part["violations"] == [] and part["insufficient"] == [] and part["upcoming"] == []


@budget(16)
@given(
    doc=compliant_products("EU", as_of=dt.date(2026, 9, 1), other_markets=True),
    extra=st.lists(_places(), max_size=3),
)
def test_a_product_compliant_in_the_eu_stays_compliant_when_offered_elsewhere_too(doc, extra) -> None:
    day = dt.date(2026, 9, 1)
    mine = jurisdiction_places("EU")
    other = dict(
        doc,
        markets=list(doc["markets"])
        + [m for m in dict.fromkeys(extra) if m not in mine and m not in doc["markets"]],
    )
    part = in_market(durable().evaluate(model(other), day), "EU")
    assert part["violations"] == [] and part["insufficient"] == []
