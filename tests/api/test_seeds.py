"""GET /v1/seeds and /v1/seeds/{name}: the example descriptions the dashboard offers."""

from __future__ import annotations

import json

from apihelpers import ROOT
from fastapi.testclient import TestClient


def test_lists_every_seed_with_its_id_and_markets(client: TestClient) -> None:
    resp = client.get("/v1/seeds")
    assert resp.status_code == 200
    items = resp.json()["items"]
    files = sorted((ROOT / "seeds").glob("*.json"))
    assert [i["name"] for i in items] == [p.stem for p in files]
    for item, path in zip(items, files, strict=True):
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert item["id"] == doc["id"]
        assert item["markets"] == doc["markets"]


def test_returns_a_seed_as_stored_and_it_evaluates(client: TestClient) -> None:
    name = sorted((ROOT / "seeds").glob("*.json"))[0].stem
    resp = client.get(f"/v1/seeds/{name}")
    assert resp.status_code == 200
    assert resp.json() == json.loads((ROOT / "seeds" / f"{name}.json").read_text(encoding="utf-8"))
    assert client.post("/v1/evaluations", json=resp.json()).status_code == 201


def test_unknown_or_traversing_names_are_problem_404s(client: TestClient) -> None:
    name = sorted((ROOT / "seeds").glob("*.json"))[0].stem
    resp = client.get(f"/v1/seeds/{name[:-1]}")
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert f"did you mean '{name}'" in resp.json()["detail"]
    for bad in ("..%2Fpyproject.toml", "%2E%2E", ".env"):
        r = client.get(f"/v1/seeds/{bad}")
        assert r.status_code == 404, bad
