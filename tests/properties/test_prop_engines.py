"""durable_rules and the reference evaluator agree, rule for rule; evaluation is deterministic
and independent of the order of practices, markets, list items and mapping keys."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from profiles import budget
from prophelpers import days, durable, model, normalise, reference, shuffled, verdicts

from engine.core.jurisdictions import within
from engine.evaluate.scope import MarketSelectionError
from engine.testing.strategies import products


def _restriction() -> st.SearchStrategy[list[str] | None]:
    return st.one_of(
        st.none(), st.lists(st.sampled_from(["CN", "EU", "US-CA", "DE", "JP"]), min_size=1, max_size=2)
    )


@budget(180)
@given(doc=products(), day=days(), only=_restriction())
def test_durable_and_reference_agree_rule_for_rule(doc, day, only) -> None:
    """Every verdict (violations, insufficient, upcoming, not applicable) is the same, and so is
    the whole report but for the backend's name; products carry unknown facts and nulls."""
    product = model(doc)
    if only and not any(within(m, w) or within(w, m) for m in product.markets for w in only):
        for engine in (durable(), reference()):  # a selection of none of its markets evaluates nothing
            with pytest.raises(MarketSelectionError):
                engine.evaluate(product, day, only)
        return
    a = durable().evaluate(product, day, only)
    b = reference().evaluate(product, day, only)
    assert verdicts(a) == verdicts(b)
    assert a.model_dump(mode="json", exclude={"engine"}) == b.model_dump(mode="json", exclude={"engine"})


@budget(100)
@given(doc=products(max_practices=2), day=days())
def test_agree_when_optional_facts_are_unknown_or_null(doc, day) -> None:
    """The same description with every optional unknown (``null``) field spelled out as
    ``null`` and with them all left out gives the same verdicts on both engines."""
    from engine.facts.product import Product

    def strip_nulls(node):
        if isinstance(node, dict):
            return {k: strip_nulls(v) for k, v in node.items() if v is not None or k in NULL_IS_VALUE}
        if isinstance(node, list):
            return [strip_nulls(v) for v in node]
        return node

    stripped = strip_nulls(doc)
    p1, p2 = Product.model_validate(doc), Product.model_validate(stripped)
    v = [verdicts(e.evaluate(p, day)) for e in (durable(), reference()) for p in (p1, p2)]
    assert v[0] == v[1] == v[2] == v[3]


# document fields where null is a value, not "unknown" (engine/facts/registry.py NULL_IS_VALUE)
NULL_IS_VALUE = {
    "retention_days",
    "metadata_standard",
    "emotion_recognition_context",
    "name",
    "headquarters",
}


@budget(60)
@given(doc=products(), day=days())
def test_evaluation_is_deterministic(doc, day) -> None:
    product = model(doc)
    first = durable().evaluate(product, day).model_dump_json()
    for _ in range(2):
        assert durable().evaluate(model(doc), day).model_dump_json() == first


@budget(150)
@given(doc=products(), day=days(), rnd=st.randoms(use_true_random=False))
def test_order_of_practices_markets_lists_and_keys_does_not_matter(doc, day, rnd) -> None:
    """Shuffling every list (practices, transfers, recipients, markets, categories, disclosures,
    establishments, ...) and every mapping's key order gives the same report, once positions in
    the document (``data_practices[i]``) are replaced by the practice's id and the transfer's
    content, and lists echoed from the description are compared as sorted."""
    other = shuffled(doc, rnd)
    a = normalise(durable().evaluate(model(doc), day), doc)
    b = normalise(durable().evaluate(model(other), day), other)
    assert a == b


@budget(60)
@given(doc=products(), rnd=st.randoms(use_true_random=False))
def test_restricting_markets_in_any_order_gives_the_same_report(doc, rnd) -> None:
    markets = list(doc["markets"])
    other = list(markets)
    rnd.shuffle(other)
    day = dt.date(2026, 9, 1)
    a = durable().evaluate(model(doc), day, markets)
    b = durable().evaluate(model(doc), day, other)
    assert a.model_dump_json() == b.model_dump_json()


@budget(120)
@given(doc=products(), day=days())
def test_engines_decide_every_check_alike_on_every_subject(doc, day) -> None:
    """Below the report: for every subject (product, practice, transfer, synthetic media) the
    two engines find the same checks true and the same unknown — scopes included, and rules of
    instruments that do not apply, which the report never shows."""
    from engine.facts.registry import build_subjects

    subjects = build_subjects(model(doc), day)
    a = durable().decider.decide(subjects)
    b = reference().decider.decide(subjects)
    for subject, x, y in zip(subjects, a, b, strict=True):
        assert (subject.kind, subject.id, sorted(x.true), sorted(x.unknown)) == (
            subject.kind,
            subject.id,
            sorted(y.true),
            sorted(y.unknown),
        )
