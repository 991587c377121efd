"""POST /v1/evaluations, /batch, and the history: GET /v1/evaluations and /v1/evaluations/{id}."""

from __future__ import annotations

import datetime as dt
import json
import uuid
import zlib

from apihelpers import AS_OF, PRODUCT, product, stored_count, strip_ids
from fastapi.testclient import TestClient
from sqlalchemy import Uuid, bindparam, text

from engine.evaluate.evaluator import Evaluator
from engine.facts.inputs import product_from_data


def test_post_evaluation_returns_the_report_with_id_and_stores_it(
    client: TestClient, evaluator: Evaluator
) -> None:
    r = client.post("/v1/evaluations", json=PRODUCT, params={"as_of": AS_OF})
    assert r.status_code == 201, r.text
    body = r.json()
    uuid.UUID(body["id"])
    assert r.headers["location"] == f"/v1/evaluations/{body['id']}"
    assert dt.datetime.fromisoformat(body["created_at"]).tzinfo is not None
    expected = evaluator.evaluate(product_from_data(PRODUCT), dt.date.fromisoformat(AS_OF)).model_dump(
        mode="json"
    )
    assert strip_ids(body) == expected
    assert body["summary"]["violations"] > 0
    assert stored_count(client.app) == 1


def test_as_of_defaults_to_today_and_market_restricts(client: TestClient) -> None:
    body = client.post("/v1/evaluations", json=PRODUCT).json()
    assert body["as_of"] == dt.datetime.now(dt.UTC).date().isoformat()
    only_eu = client.post("/v1/evaluations?market=eu&as_of=" + AS_OF, json=PRODUCT).json()
    assert only_eu["markets"] == ["EU"]
    assert {v["jurisdiction"] for v in only_eu["violations"]} == {"EU"}
    two = client.post("/v1/evaluations", params=[("market", "EU"), ("market", "CN")], json=PRODUCT).json()
    assert set(two["markets"]) == {"CN", "EU"}
    record = client.get(f"/v1/evaluations/{two['id']}").json()
    assert record["requested_markets"] == ["CN", "EU"]
    unrestricted = client.post("/v1/evaluations?market=", json=PRODUCT).json()  # an empty form field
    assert set(unrestricted["markets"]) >= {"CN", "EU", "US-CA"}


def test_get_evaluation_holds_enough_to_reproduce_it(client: TestClient, evaluator: Evaluator) -> None:
    posted = client.post("/v1/evaluations", json=PRODUCT, params={"as_of": AS_OF, "market": "EU"}).json()
    r = client.get(f"/v1/evaluations/{posted['id']}")
    assert r.status_code == 200
    record = r.json()
    assert record["input"] == PRODUCT
    assert record["as_of"] == AS_OF
    assert record["report"] == strip_ids(posted)
    assert record["rulesets"] == [{"id": i.id, "digest": i.digest} for i in evaluator.ruleset.instruments]
    assert record["ruleset_digest"] == evaluator.ruleset.digest
    assert record["engine_version"] == posted["engine"]["version"]
    # reproduce: the stored input, as-of date and markets give the stored report again
    again = evaluator.evaluate(
        product_from_data(record["input"]),
        dt.date.fromisoformat(record["as_of"]),
        record["requested_markets"],
    )
    assert again.model_dump(mode="json") == record["report"]


def test_yaml_body_is_accepted(client: TestClient) -> None:
    yaml_text = "id: yaml-product\nmarkets: [EU]\ndata_practices:\n  - id: p\n    data_categories: [user.contact.email]\n"
    r = client.post("/v1/evaluations", content=yaml_text, headers={"content-type": "application/yaml"})
    assert r.status_code == 201, r.text
    assert r.json()["product_id"] == "yaml-product"


def test_batch_as_a_list_and_as_items(client: TestClient) -> None:
    products = [product(id=f"p{i}") for i in range(3)]
    r = client.post("/v1/evaluations/batch", json=products, params={"as_of": AS_OF})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["count"] == 3
    assert [x["product_id"] for x in body["items"]] == ["p0", "p1", "p2"]
    assert len({x["id"] for x in body["items"]}) == 3
    r2 = client.post("/v1/evaluations/batch", json={"items": products[:2]}, params={"as_of": AS_OF})
    assert r2.status_code == 201
    assert stored_count(client.app) == 5
    batch = client.get("/v1/evaluations", params={"batch_id": body["batch_id"]}).json()
    assert sorted(x["product_id"] for x in batch["items"]) == ["p0", "p1", "p2"]
    # a batch gives what single evaluations give
    single = client.post("/v1/evaluations", json=products[1], params={"as_of": AS_OF}).json()
    assert strip_ids(single) == strip_ids(body["items"][1])


def test_batch_with_one_bad_item_stores_nothing(client: TestClient) -> None:
    bad = product(id="bad")
    bad["data_practices"] = [dict(PRODUCT["data_practices"][0], legal_basis="vibes")]
    r = client.post("/v1/evaluations/batch", json=[product(id="ok"), bad])
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert [e["path"] for e in r.json()["errors"]] == ["[1].data_practices[0].legal_basis"]
    r = client.post("/v1/evaluations/batch", json={"items": [bad, product(id="ok")]})
    assert [e["path"] for e in r.json()["errors"]] == ["items[0].data_practices[0].legal_basis"]
    assert stored_count(client.app) == 0


def test_batch_shape_errors(make_app) -> None:  # noqa: ANN001
    with TestClient(make_app(max_batch_items=2)) as c:
        for body, path in (
            ([], ""),
            ({"items": []}, "items"),
            ({"items": {}}, "items"),
            ({"items": [PRODUCT], "extra": 1}, "extra"),
            ({"id": "x"}, ""),
            ([PRODUCT] * 3, ""),
            ("text", ""),
        ):
            r = c.post("/v1/evaluations/batch", json=body)
            assert r.status_code == 422, (body, r.text)
            assert r.json()["errors"][0]["path"] == path
        assert stored_count(c.app) == 0


def test_history_filters_and_pages(client: TestClient) -> None:
    ids = {}
    org = dict(PRODUCT["organization"], establishments=["US-CA"])  # no EU establishment: GDPR Art. 3(1)
    ids["eu"] = client.post(
        "/v1/evaluations",
        json=product(id="eu-only", markets=["EU"], organization=org),
        params={"as_of": AS_OF},
    ).json()
    ids["cn"] = client.post(
        "/v1/evaluations",
        json=product(id="cn-only", markets=["CN"], organization=org),
        params={"as_of": "2025-01-01"},
    ).json()
    quiet = {
        "id": "quiet",
        "markets": ["JP"],
        "data_practices": [{"id": "x", "data_categories": ["user.contact.email"]}],
    }
    ids["quiet"] = client.post("/v1/evaluations", json=quiet).json()
    assert ids["quiet"]["summary"]["violations"] == 0

    def listed(**params: object) -> list[str]:
        r = client.get("/v1/evaluations", params=params)
        assert r.status_code == 200, r.text
        return [x["product_id"] for x in r.json()["items"]]

    assert listed() == ["quiet", "cn-only", "eu-only"]  # newest first
    assert listed(product_id="cn-only") == ["cn-only"]
    assert listed(jurisdiction="eu") == ["eu-only"]
    assert listed(jurisdiction="CN") == ["cn-only"]
    assert listed(severity="low") == ["cn-only", "eu-only"]
    worst = {x["product_id"]: x["worst_severity"] for x in client.get("/v1/evaluations").json()["items"]}
    assert worst["quiet"] is None
    assert listed(as_of_to="2025-12-31") == ["cn-only"]
    assert listed(as_of_from=AS_OF, as_of_to=AS_OF) == ["eu-only"]
    created = dt.datetime.fromisoformat(ids["cn"]["created_at"])
    assert listed(created_from=created.isoformat()) == ["quiet", "cn-only"]
    assert listed(created_to=created.isoformat()) == ["eu-only"]
    assert listed(created_from=(created + dt.timedelta(days=1)).date().isoformat()) == []
    assert len(listed(created_to="9999-12-31T23:59:59-05:00")) == 3  # past the last instant: clamped
    assert listed(created_from="0001-01-01T00:00:00+05:00", product_id="quiet") == ["quiet"]
    # offset paging
    page = client.get("/v1/evaluations", params={"limit": 2}).json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["next_cursor"]
    assert [
        x["product_id"]
        for x in client.get("/v1/evaluations", params={"limit": 2, "offset": 2}).json()["items"]
    ] == ["eu-only"]
    # cursor paging, stable while new evaluations arrive
    client.post("/v1/evaluations", json=product(id="newer"))
    nxt = client.get("/v1/evaluations", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [x["product_id"] for x in nxt["items"]] == ["eu-only"]
    assert nxt["next_cursor"] is None


def test_history_rejects_bad_parameters(client: TestClient) -> None:
    for params, path in (
        ({"limit": 0}, "query.limit"),
        ({"limit": 501}, "query.limit"),
        ({"offset": -1}, "query.offset"),
        ({"severity": "dire"}, "query.severity"),
        ({"as_of_from": "yesterday"}, "query.as_of_from"),
        ({"created_from": "soon"}, "query.created_from"),
        ({"cursor": "bm90IGEgY3Vyc29y"}, "query.cursor"),
        ({"batch_id": "nope"}, "query.batch_id"),
        ({"created_to": "1700000000"}, "query.created_to"),
        ({"as_of_from": "0"}, "query.as_of_from"),
    ):
        r = client.get("/v1/evaluations", params=params)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["errors"][0]["path"] == path


def test_unknown_evaluation_is_404(client: TestClient) -> None:
    for ident in (str(uuid.uuid4()), "not-a-uuid"):
        r = client.get(f"/v1/evaluations/{ident}")
        assert r.status_code == 404
        problem = r.json()
        assert problem["status"] == 404 and problem["instance"] == f"/v1/evaluations/{ident}"
        assert ident in problem["detail"]


def test_idempotency_key_answers_the_stored_result_on_retry(client) -> None:  # noqa: ANN001
    from apihelpers import PRODUCT, stored_count

    key = {"Idempotency-Key": "retry-7c1f"}
    first = client.post("/v1/evaluations", json=PRODUCT, headers=key)
    retry = client.post("/v1/evaluations", json=PRODUCT, headers=key)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and retry.headers["location"] == first.headers["location"]
    assert retry.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert stored_count(client.app) == 1
    other = client.post("/v1/evaluations", json={**PRODUCT, "id": "other"}, headers=key)
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["detail"]
    assert client.post("/v1/evaluations/batch", json=[PRODUCT], headers=key).status_code == 422
    batch_key = {"Idempotency-Key": "batch-1"}
    b1 = client.post("/v1/evaluations/batch", json=[PRODUCT, PRODUCT], headers=batch_key)
    b2 = client.post("/v1/evaluations/batch", json=[PRODUCT, PRODUCT], headers=batch_key)
    assert b1.status_code == b2.status_code == 201 and b1.json() == b2.json()
    assert stored_count(client.app) == 3
    assert (
        client.post("/v1/evaluations", json=PRODUCT, headers={"Idempotency-Key": "bad key"}).status_code
        == 400
    )


def test_store_false_answers_the_report_and_stores_nothing(client: TestClient, evaluator: Evaluator) -> None:
    r = client.post("/v1/evaluations", json=PRODUCT, params={"as_of": AS_OF, "store": "false"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] is None and body["created_at"] is None
    assert "location" not in r.headers
    expected = evaluator.evaluate(product_from_data(PRODUCT), dt.date.fromisoformat(AS_OF)).model_dump(
        mode="json"
    )
    assert strip_ids(body) == expected
    assert stored_count(client.app) == 0


def test_the_answer_is_the_stored_bytes(client: TestClient) -> None:
    """The report is serialised once: the 201's body is byte for byte the stored report, and a
    retry with the same Idempotency-Key answers those bytes again."""
    headers = {"Idempotency-Key": "once"}
    r = client.post("/v1/evaluations", json=PRODUCT, params={"as_of": AS_OF}, headers=headers)
    assert r.status_code == 201, r.text
    repo = client.app.state.repository
    row = repo.get(uuid.UUID(r.json()["id"]))
    assert row.report_json.encode() == r.content
    with repo.engine.connect() as conn:  # on disk: compressed, and nothing in the legacy column
        query = text("SELECT report_zlib, report_json FROM evaluations WHERE id = :id")
        packed, legacy = conn.execute(query.bindparams(bindparam("id", type_=Uuid)), {"id": row.id}).one()
    assert legacy is None and zlib.decompress(packed) == r.content and len(packed) < len(r.content) / 3
    again = client.post("/v1/evaluations", json=PRODUCT, params={"as_of": AS_OF}, headers=headers)
    assert again.headers["idempotent-replayed"] == "true" and again.content == r.content


def test_get_answers_the_stored_report_as_it_was_answered(client: TestClient) -> None:
    """GET /v1/evaluations/{id} puts the stored bytes in place (no parse and re-serialise): its
    report is the POST's answer byte for byte, less the id and time the record carries."""
    r = client.post("/v1/evaluations", json=PRODUCT, params={"as_of": AS_OF})
    assert r.status_code == 201, r.text
    answer = r.json()
    got = client.get(f"/v1/evaluations/{answer['id']}")
    assert got.status_code == 200
    record = got.json()
    assert record["report"] == strip_ids(answer) and record["input"] == PRODUCT
    assert record["id"] == answer["id"] and list(record)[-2:] == ["input", "report"]
    stamp = f',"id":"{answer["id"]}","created_at":'.encode()
    assert got.content.endswith(b',"report":' + r.content[: r.content.rindex(stamp)] + b"}}")


def test_a_row_stored_as_a_bare_report_replays_with_its_id(client: TestClient) -> None:
    """Rows written before answers were stored whole hold the report without id and created_at."""
    from sqlalchemy import update

    from api.service.tables import EvaluationRow

    headers = {"Idempotency-Key": "legacy"}
    first = client.post("/v1/evaluations", json=PRODUCT, params={"as_of": AS_OF}, headers=headers).json()
    repo = client.app.state.repository
    with repo.engine.begin() as conn:
        conn.execute(
            update(EvaluationRow)
            .where(EvaluationRow.id == uuid.UUID(first["id"]))
            .values(report_zlib=None, report_json=json.dumps(strip_ids(first)))
        )
    again = client.post("/v1/evaluations", json=PRODUCT, params={"as_of": AS_OF}, headers=headers)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first
    assert client.get(f"/v1/evaluations/{first['id']}").json()["report"] == strip_ids(first)


def _phases(header: str) -> dict[str, float]:
    out = {}
    for part in header.split(","):
        name, _, dur = part.strip().partition(";dur=")
        out[name] = float(dur)
    return out


def test_server_timing_names_each_phase_of_a_request(client: TestClient) -> None:
    r = client.post("/v1/evaluations", json=PRODUCT, params={"as_of": AS_OF})
    phases = _phases(r.headers["server-timing"])
    assert list(phases) == ["wait", "evaluate", "store"] and all(v >= 0 for v in phases.values())
    assert phases["evaluate"] > 0  # an evaluation takes time; waiting for a free slot need not
    trial = client.post("/v1/evaluations", json=PRODUCT, params={"as_of": AS_OF, "store": "false"})
    assert trial.status_code == 200 and list(_phases(trial.headers["server-timing"])) == ["wait", "evaluate"]
    batch = client.post("/v1/evaluations/batch", json=[PRODUCT, PRODUCT], params={"as_of": AS_OF})
    assert batch.status_code == 201 and list(_phases(batch.headers["server-timing"])) == [
        "wait",
        "evaluate",
        "store",
    ]
