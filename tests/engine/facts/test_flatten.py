"""The fact builder reads a model field by field (a plan per model type and prefix) exactly as a
dump of the model walked key by key would: the same facts, values, types and order."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from engine.facts import registry
from engine.facts.inputs import product_from_data
from engine.facts.media import SyntheticMedia

SEEDS = sorted((Path(__file__).resolve().parents[3] / "seeds").glob("*.json"))


def _dumped(model: BaseModel | None, prefix: str, exclude: set[str] | None = None) -> dict[str, Any]:
    """The facts of ``model`` from its dump, walked key by key (the reading the plans replace)."""
    out: dict[str, Any] = {}
    specs = registry.fact_specs()

    def walk(obj: dict[str, Any], pre: str) -> None:
        for key, value in obj.items():
            path = f"{pre}.{key}"
            if isinstance(value, dict):
                walk(value, path)
            elif path in specs and not (value is None and specs[path].may_be_missing):
                out[path] = registry.date_number(value) if isinstance(value, dt.date) else value

    walk({} if model is None else model.model_dump(mode="python", exclude=exclude), prefix)
    return out


def _planned(model: BaseModel | None, prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    registry._flatten(model, prefix, out)
    return out


def _typed(facts: dict[str, Any]) -> list[tuple[str, str, Any]]:
    return [(k, type(v).__name__, v) for k, v in facts.items()]


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_a_planned_reading_is_the_dumped_one(seed: Path) -> None:
    doc = json.loads(seed.read_text())
    doc.setdefault("audience", {})["users_by_market"] = {"CN": 1, "JP": 2}  # a dict field: no facts
    product = product_from_data(doc)
    pairs = [(product, "product", {"data_practices", "synthetic_media"})]
    pairs += [(product.synthetic_media or SyntheticMedia(), "synthetic_media", None)]
    for practice in product.data_practices:
        pairs += [(practice, "practice", None)] + [(t, "transfer", None) for t in practice.transfers]
    for model, prefix, exclude in pairs:
        assert _typed(_planned(model, prefix)) == _typed(_dumped(model, prefix, exclude))


def test_a_fact_list_is_a_copy_and_plans_are_kept_by_model_type_and_prefix() -> None:
    product = product_from_data(json.loads(SEEDS[0].read_text()))
    facts = _planned(product, "product")
    lists = [k for k, v in facts.items() if type(v) is list]
    assert lists and all(
        facts[k] is not getattr(product, k.split(".")[1]) for k in lists if k.count(".") == 1
    )
    assert all(isinstance(m, type) and p for m, p in registry._PLANS)
