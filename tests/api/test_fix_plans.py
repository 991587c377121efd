"""POST /v1/fix-plans: the plan the CLI prints, bounded, with problem+json errors; nothing stored."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from apihelpers import AS_OF, ROOT
from fastapi.testclient import TestClient

from engine.evaluate.evaluator import evaluate
from engine.facts.product import Product
from engine.fix import jsonpatch


def _seed(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "seeds" / f"{name}.json").read_text())


def test_a_plan_is_verified_and_its_patch_clears_the_findings(client: TestClient) -> None:
    doc = _seed("voice-cloning-api")
    r = client.post(f"/v1/fix-plans?as_of={AS_OF}&market=EU&market=US-CA", json=doc)
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["verified"] and plan["minimal"] and plan["clears_all"]
    assert plan["findings_before"] > 0 == plan["findings_after"]
    assert all(e["clears"] and " — clears " in e["text"] for e in plan["edits"])
    patched = jsonpatch.apply(doc, plan["patch"])
    assert patched == plan["patched"]
    report = evaluate(Product.model_validate(patched), dt.date.fromisoformat(AS_OF), ["EU", "US-CA"])
    assert report.violations == []
    assert client.get("/v1/evaluations").json()["items"] == []  # nothing stored


def test_yaml_body_fail_on_and_scope(client: TestClient) -> None:
    import yaml

    doc = _seed("faceswap-zao-style")
    r = client.post(
        f"/v1/fix-plans?as_of={AS_OF}&fail_on=critical",
        content=yaml.safe_dump(doc),
        headers={"Content-Type": "application/yaml"},
    )
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["fail_on"] == "critical"
    assert all(f["severity"] == "critical" for e in plan["edits"] for f in e["clears"])
    assert all(e["kind"] not in ("scope", "market") for e in plan["edits"])


def test_errors_are_problem_documents(client: TestClient) -> None:
    r = client.post("/v1/fix-plans", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    bad = _seed("voice-cloning-api")
    bad["data_practices"][0]["purpose"] = "marketin"
    r = client.post("/v1/fix-plans", json=bad)
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == "data_practices[0].purpose"
    r = client.post("/v1/fix-plans?time_budget=3600", json=_seed("voice-cloning-api"))
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    r = client.post("/v1/fix-plans?fail_on=severe", json=_seed("voice-cloning-api"))
    assert r.status_code == 422


def test_a_tiny_budget_is_reported_not_hidden(client: TestClient) -> None:
    r = client.post(f"/v1/fix-plans?as_of={AS_OF}&time_budget=0.001", json=_seed("faceswap-zao-style"))
    assert r.status_code == 200
    plan = r.json()
    assert plan["complete"] is False and plan["clears_all"] is False
    assert plan["findings_after"] == len(plan["uncleared"]) > 0
