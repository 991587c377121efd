"""Exhaustive versions of some properties: every case instead of a sample. They take minutes,
so they run only under the ``thorough`` hypothesis profile (marker ``thorough``)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from prophelpers import boundary_days, durable, model, reference, verdicts
from test_prop_taxonomy import _cases, _under

from engine.analysis.lint import example_date
from engine.core import taxonomy

pytestmark = [pytest.mark.thorough]  # deselected unless the profile is thorough (see conftest.py)

SEEDS = sorted((Path(__file__).resolve().parents[2] / "seeds").glob("*.json"))


def test_every_rule_fires_for_every_child_of_every_key_it_requires() -> None:
    failures = []
    for rule_id, kind, parent, negative in _cases():
        rule = durable().ruleset.rules_by_id[rule_id]
        children = sorted(
            k
            for k in taxonomy.keys(kind)
            if _under(k, parent) and not any(_under(k, n) or _under(n, k) and n != parent for n in negative)
        )
        for example in rule.violating:
            day = example_date(rule, durable().ruleset, example)
            before = {
                v.subject.path
                for v in durable().evaluate(model(example.product), day).violations
                if v.rule_id == rule_id
            }
            for child in children:
                doc = copy.deepcopy(example.product)
                replaced = False
                for p in doc.get("data_practices") or []:
                    if kind == "data_category" and any(
                        _under(c, parent) for c in p.get("data_categories") or []
                    ):
                        p["data_categories"] = [
                            child if _under(c, parent) else c for c in p["data_categories"]
                        ]
                        replaced = True
                    elif kind == "data_use" and p.get("purpose") and _under(p["purpose"], parent):
                        p["purpose"] = child
                        replaced = True
                if not replaced:
                    continue
                after = {
                    v.subject.path
                    for v in durable().evaluate(model(doc), day).violations
                    if v.rule_id == rule_id
                }
                if not before <= after:
                    failures.append((rule_id, parent, child))
    assert failures == []


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_engines_agree_on_every_seed_on_every_boundary_day(seed: Path) -> None:
    product = model(json.loads(seed.read_text(encoding="utf-8")))
    for day in boundary_days():
        assert verdicts(durable().evaluate(product, day)) == verdicts(reference().evaluate(product, day)), day


@pytest.mark.parametrize("market", ["CN", "EU", "US-CA"])
def test_every_pair_of_safeguard_removals_from_the_compliant_seed_stays_violating(market: str) -> None:
    """Monotonicity, exhaustively to depth two: from the market's compliant seed, every removal
    and every removal after it; once violating, the product stays violating."""
    from test_prop_monotone import DAY, _violations, removals

    from engine.testing.repair import compliant_seed

    seed = compliant_seed(market, DAY)
    failures = []
    for what, edit in removals(seed):
        first = copy.deepcopy(seed)
        edit(first)
        before = _violations(first, market, DAY)
        if not before:
            continue
        for what2, edit2 in removals(first):
            second = copy.deepcopy(first)
            edit2(second)
            if not _violations(second, market, DAY):
                failures.append((what, what2, sorted(before)))
    assert failures == [], failures[:5]
