"""The catalog (jurisdictions, instruments, rules), /healthz, the dashboard, /docs and the OpenAPI schema."""

from __future__ import annotations

import json
from pathlib import Path

from apihelpers import ROOT
from fastapi.testclient import TestClient

from engine.evaluate.evaluator import Evaluator


def test_jurisdictions(client: TestClient, evaluator: Evaluator) -> None:
    items = client.get("/v1/jurisdictions").json()["items"]
    by_code = {j["code"]: j for j in items}
    assert {"CN", "EU", "US-CA"} <= set(by_code)
    assert "DE" in by_code["EU"]["members"]
    assert "eu-gdpr" in by_code["EU"]["instruments"]
    assert by_code["EU"]["currency"] == "EUR"


def test_instruments(client: TestClient, evaluator: Evaluator) -> None:
    items = client.get("/v1/instruments").json()["items"]
    assert [i["id"] for i in items] == [i.id for i in evaluator.ruleset.instruments]
    gdpr = next(i for i in items if i["id"] == "eu-gdpr")
    assert gdpr["digest"].startswith("sha256:") and gdpr["rules"] > 0 and gdpr["penalty_tiers"]
    assert all(i["source_official"] and i["source_site"] for i in items)
    assert (gdpr["source_site"], gdpr["penalty_tiers"]["eu-gdpr-83-5"]["source_site"]) == (
        "eur-lex.europa.eu",
    ) * 2
    pipl = next(i for i in items if i["id"] == "cn-pipl")
    assert pipl["source_site"] == "npc.gov.cn" and any("NPC" in r["label"] for r in pipl["references"])
    eu = client.get("/v1/instruments", params={"jurisdiction": "eu"}).json()["items"]
    assert eu and all(i["jurisdiction"] == "EU" for i in eu)


def test_rules_filters(client: TestClient, evaluator: Evaluator) -> None:
    body = client.get("/v1/rules").json()
    assert body["total"] == len(evaluator.ruleset.rules) == len(body["items"])
    assert all(not r["file"].startswith("/") for r in body["items"])
    cn = client.get("/v1/rules", params={"jurisdiction": "CN"}).json()["items"]
    assert cn and all(r["jurisdiction"] == "CN" for r in cn)
    gdpr = client.get("/v1/rules", params={"instrument": "eu-gdpr", "severity": "high"}).json()["items"]
    assert gdpr and all(r["instrument"] == "eu-gdpr" and r["severity"] == "high" for r in gdpr)
    found = client.get("/v1/rules", params={"q": "EXPLICIT consent"}).json()["items"]
    assert found and all("explicit" in json.dumps(r).lower() for r in found)
    assert client.get("/v1/rules", params={"q": "zzzz-no-such-word"}).json() == {"items": [], "total": 0}
    r = client.get("/v1/rules", params={"severity": "dire"})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "query.severity"


def test_every_rule_detail(client: TestClient, evaluator: Evaluator) -> None:
    for rule in evaluator.ruleset.rules:
        r = client.get(f"/v1/rules/{rule.id}")
        assert r.status_code == 200, rule.id
        body = r.json()
        assert body["id"] == rule.id and body["condition"]
        assert body["source"] == rule.source and body["source_official"] is True
        assert body["references"] == [{"label": r.label, "url": r.url} for r in rule.references]
        assert body["examples"]["violating"] and body["examples"]["compliant"]


def test_unknown_rule_suggests_the_nearest(client: TestClient, evaluator: Evaluator) -> None:
    real = evaluator.ruleset.rules[0].id
    r = client.get(f"/v1/rules/{real}x")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert f"did you mean {real!r}" in r.json()["detail"]


def test_healthz(client: TestClient, evaluator: Evaluator) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"] == "sqlite"
    assert body["ruleset_digest"] == evaluator.ruleset.digest
    assert body["rules"] == len(evaluator.ruleset.rules)


def test_healthz_is_503_when_the_database_is_gone(make_app) -> None:  # noqa: ANN001
    app = make_app()
    with TestClient(app) as c:
        app.state.repository.dispose()
        app.state.repository.engine.url = app.state.repository.engine.url.set(
            database="/nonexistent/dir/x.db"
        )
        app.state.repository.engine.pool = app.state.repository.engine.pool.recreate()
        r = c.get("/healthz")
        assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
        assert r.headers["retry-after"] and c.head("/healthz").status_code == 503


def test_dashboard_is_served_at_root(make_app, tmp_path: Path) -> None:  # noqa: ANN001
    static = tmp_path / "static"
    static.mkdir()
    (static / "index.html").write_text("<!doctype html><title>dash</title><script src='app.js'></script>")
    (static / "app.js").write_text("console.log('hi')")
    with TestClient(make_app(static_dir=static)) as c:
        r = c.get("/")
        assert r.status_code == 200 and "text/html" in r.headers["content-type"] and "dash" in r.text
        assert c.get("/app.js").text == "console.log('hi')"
        assert c.get("/static/app.js").text == "console.log('hi')"
        assert c.get("/static/nope.js").status_code == 404
        assert c.get("/nope.js").status_code == 404
        assert c.get("/%2e%2e").status_code == 404
        assert c.get("/.hidden").status_code == 404


def test_root_without_a_dashboard_links_to_the_docs(make_app, tmp_path: Path) -> None:  # noqa: ANN001
    with TestClient(make_app(static_dir=tmp_path / "absent")) as c:
        r = c.get("/")
        assert r.status_code == 200 and 'href="/docs"' in r.text
        assert c.get("/static/app.js").status_code == 404


def test_docs_and_openapi_with_seed_examples(make_app, tmp_path: Path) -> None:  # noqa: ANN001
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "alpha.json").write_text(json.dumps({"id": "alpha", "markets": ["EU"]}))
    (seeds / "broken.json").write_text("{not json")
    with TestClient(make_app(seeds_dir=seeds)) as c:
        assert c.get("/docs").status_code == 200
        schema = c.get("/openapi.json").json()
        body = schema["components"]["requestBodies"]["ProductDescription"]["content"]["application/json"]
        assert body["examples"] == {
            "alpha": {"summary": "seeds/alpha.json", "value": {"id": "alpha", "markets": ["EU"]}}
        }
        assert "ProductDescription" in schema["components"]["schemas"]
        post = schema["paths"]["/v1/evaluations"]["post"]
        assert post["requestBody"] == {"$ref": "#/components/requestBodies/ProductDescription"}
        assert {"as_of", "market"} <= {p["name"] for p in post["parameters"]}
        assert "application/problem+json" in post["responses"]["422"]["content"]
        assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_openapi_carries_every_shipped_seed(client: TestClient) -> None:
    shipped = {p.stem for p in (ROOT / "seeds").glob("*.json")}
    body = client.get("/openapi.json").json()["components"]["requestBodies"]["ProductDescription"]
    assert set(body["content"]["application/json"].get("examples", {})) == shipped
