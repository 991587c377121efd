"""Catalog search: simple stemming and synonyms (kid/child/minor, face/biometric, label/watermark)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.service.search import alternatives, matches, stem


def test_stems() -> None:
    assert stem("kids") == "kid"
    assert stem("children") == "child"
    assert stem("labels") == "label"
    assert stem("labelling") == "label"
    assert stem("policies") == "policy"
    assert stem("consent") == "consent"


def test_synonyms_and_matching() -> None:
    assert {"kid", "child", "minor"} <= alternatives("kids")
    assert {"face", "biometric"} <= alternatives("faces")
    assert {"label", "watermark"} <= alternatives("watermarks")
    assert matches("kids", "Consent of a parent for a child under 14")
    assert matches("face consent", "Biometric data needs explicit consent")
    assert not matches("kids", "Notice at collection")


def test_rules_q_finds_children_rules_for_kids(client: TestClient) -> None:
    kids = client.get("/v1/rules", params={"q": "kids"}).json()
    child = client.get("/v1/rules", params={"q": "child"}).json()
    assert kids["total"] > 0
    assert kids["total"] == child["total"]
    watermark = client.get("/v1/rules", params={"q": "watermark"}).json()
    label = client.get("/v1/rules", params={"q": "label"}).json()
    assert watermark["total"] == label["total"] > 0


def test_taxonomy_keys_for_the_pickers(client: TestClient) -> None:
    body = client.get("/v1/taxonomy/data_category").json()
    assert "user.biometric.face" in body["items"] and body["items"] == sorted(body["items"])
    assert "child" in client.get("/v1/taxonomy/data_subject").json()["items"]
    r = client.get("/v1/taxonomy/nope")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
