"""GET /v1/schemas/{name}: the description schema the CLI prints, published by the API."""

from __future__ import annotations

import json

from apihelpers import ROOT
from fastapi.testclient import TestClient

from engine.facts.description_schema import description_json_schema
from engine.law.schemas import available_schemas


def test_product_schema_is_published(client: TestClient) -> None:
    resp = client.get("/v1/schemas/product")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/schema+json")
    assert resp.json() == description_json_schema()


def test_every_available_schema_is_published_and_unknown_is_404(client: TestClient) -> None:
    for name in available_schemas():
        assert client.get(f"/v1/schemas/{name}").json()["$schema"].startswith("https://json-schema.org/")
    missing = client.get("/v1/schemas/nope")
    assert missing.status_code == 404 and "product" in missing.json()["detail"]


def test_a_description_naming_its_schema_is_evaluated(client: TestClient) -> None:
    doc = json.loads((ROOT / "seeds" / "compliant-eu.json").read_text())
    resp = client.post("/v1/evaluations", json={"$schema": description_json_schema()["$id"], **doc})
    assert resp.status_code == 201, resp.text
