"""The editor-grade description schema: documented and exemplified everywhere, as strict as the
validator where JSON Schema can say it, and every seed valid against it."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from engine.facts.description_schema import description_json_schema

ROOT = Path(__file__).resolve().parents[3]
SEEDS = sorted((ROOT / "seeds").glob("*.json"))


def _validator() -> jsonschema.Validator:
    schema = description_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_every_property_has_a_description_and_an_example() -> None:
    schema = description_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema" and schema["$id"]
    models = [("Product", schema), *schema["$defs"].items()]
    lacking = [
        f"{name}.{field}"
        for name, model in models
        for field, prop in (model.get("properties") or {}).items()
        if not prop.get("description") or not prop.get("examples")
    ]
    assert not lacking


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_every_seed_is_valid(seed: Path) -> None:
    errors = list(_validator().iter_errors(json.loads(seed.read_text())))
    assert not errors, [e.message for e in errors[:3]]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda d: d.pop("data_practices") and d.pop("synthetic_media", None), "neither practices nor media"),
        (lambda d: d.update(markets=["ZZ"]), "unknown market"),
        (lambda d: d.update(markets=[]), "no market"),
        (
            lambda d: d["data_practices"][0].update(data_categories=["user.biometrics"]),
            "unknown taxonomy key",
        ),
        (lambda d: d["data_practices"][0].update(purpose="selling"), "unknown data use"),
        (lambda d: d["organization"].update(headquarters="XX"), "unknown place"),
        (lambda d: d.update(colour="blue"), "unknown key"),
    ],
)
def test_schema_rejects_what_the_validator_rejects(change, why: str) -> None:  # noqa: ANN001
    from engine.facts.inputs import InputError, product_from_data

    doc = json.loads((ROOT / "seeds" / "compliant-all.json").read_text())
    bad = copy.deepcopy(doc)
    change(bad)
    assert list(_validator().iter_errors(bad)), why
    with pytest.raises(InputError):
        product_from_data(bad)


def test_markets_and_taxonomy_keys_are_enums() -> None:
    schema = description_json_schema()
    practice = schema["$defs"]["DataPractice"]["properties"]
    assert "user.biometric" in practice["data_categories"]["items"]["enum"]
    assert "EU" in schema["properties"]["markets"]["items"]["anyOf"][0]["enum"]


def test_cli_prints_it_and_accepts_a_top_level_schema_key(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "api.cli", "schema"], capture_output=True, text=True, check=True
    )
    schema = json.loads(out.stdout)
    assert schema == description_json_schema()
    doc = json.loads((ROOT / "seeds" / "compliant-all.json").read_text())
    path = tmp_path / "product.json"
    path.write_text(json.dumps({"$schema": schema["$id"], **doc}))
    proc = subprocess.run(
        [sys.executable, "-m", "api.cli", "check", str(path), "-f", "json", "--no-config"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert json.loads(proc.stdout)["product_id"] == doc["id"]
