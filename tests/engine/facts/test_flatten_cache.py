"""The fact builder's cache of fact paths by model key stays bounded: keys of dict fields (consumer
counts by market) are not kept."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from engine.facts import registry
from engine.facts.inputs import product_from_data

SEEDS = Path(__file__).resolve().parents[3] / "seeds"


def test_dict_field_keys_are_not_kept() -> None:
    doc = json.loads((SEEDS / "faceswap-zao-style.json").read_text())
    doc["audience"]["users_by_market"] = {"CN": 1, "EU": 2, "JP": 3, "GB": 4, "SG": 5}
    registry.build_subjects(product_from_data(doc), dt.date(2026, 11, 30))
    kept = sum(len(keys) for keys in registry._LEAVES.values())
    doc["audience"]["users_by_market"] = {"US": 1, "FR": 2, "DE": 3}
    subjects = registry.build_subjects(product_from_data(doc), dt.date(2026, 11, 30))
    assert sum(len(keys) for keys in registry._LEAVES.values()) == kept
    assert set(registry._LEAVES) == {p for p in registry.FACT_PREFIX.values() if p}
    assert subjects[0].facts["product.audience.min_age"] == 12
