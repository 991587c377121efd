"""The JSON Schema of ruleset files (``regulint schema --rulesets``) accepts every shipped file and
names the vocabulary: facts, parameters and tiers."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import jsonschema_rs
import pytest
import yaml

from engine.facts.registry import fact_specs
from engine.law.loader import ruleset_files
from engine.law.model import RuleSet
from engine.law.ruleset_schema import ruleset_json_schema


def _json(node):
    return json.loads(json.dumps(node, default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v)))


@pytest.fixture(scope="module")
def validator():
    return jsonschema_rs.validator_for(ruleset_json_schema())


@pytest.mark.parametrize("path", ruleset_files(), ids=lambda p: p.stem)
def test_every_shipped_ruleset_file_validates(path, validator) -> None:
    doc = _json(yaml.safe_load(path.read_text(encoding="utf-8")))
    errors = [f"{list(e.instance_path)}: {e.message[:200]}" for e in validator.iter_errors(doc)]
    assert not errors, errors[:5]


def test_the_schema_names_facts_parameters_and_tiers(ruleset: RuleSet, validator) -> None:
    schema = ruleset_json_schema()
    atom = next(b for b in schema["$defs"]["Condition"]["oneOf"] if "fact" in b.get("properties", {}))
    assert atom["properties"]["fact"]["enum"] == sorted(fact_specs())
    param = atom["properties"]["lt"]["anyOf"][1]["properties"]["param"]["enum"]
    assert set(param) == set(ruleset.legal.parameters) and "eu.gdpr.adequacy" in param
    text = json.dumps(schema)
    assert all(t in text for t in ruleset.tiers)
    doc = _json(yaml.safe_load(ruleset_files()[0].read_text(encoding="utf-8")))
    doc["rules"][0]["when"] = {"fact": "practice.no_such_fact", "eq": True}
    assert not validator.is_valid(doc)
    doc["rules"][0]["when"] = {"fact": "product.audience.min_age", "lt": {"param": "no.such.param"}}
    assert not validator.is_valid(doc)
    doc["rules"][0]["when"] = {"fact": "product.audience.min_age", "lt": {"param": "cn.pipl.child_age"}}
    doc["rules"][0]["penalty"] = "no-such-tier"
    assert not validator.is_valid(doc)


def test_cli_prints_the_ruleset_schema_and_keeps_the_product_schema() -> None:
    def run(*args: str) -> dict:
        out = subprocess.run(
            [sys.executable, "-m", "api.cli", "schema", *args], capture_output=True, text=True, check=True
        )
        return json.loads(out.stdout)

    assert run("--rulesets")["title"] == "regulint ruleset file"
    assert "data_practices" in run()["properties"]
