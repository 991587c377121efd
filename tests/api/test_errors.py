"""Errors are application/problem+json with each bad field's path; nothing of a failed request is stored."""

from __future__ import annotations

import copy
import logging

import pytest
from apihelpers import PRODUCT, product, stored_count
from fastapi.testclient import TestClient

from api.service.app import create_app
from api.service.settings import Settings

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "errors"}


JSON = {"content-type": "application/json"}


def problem(r, status: int) -> dict:  # noqa: ANN001
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert set(body) == PROBLEM_KEYS
    assert body["status"] == status
    assert body["type"].startswith("https://")
    return body


def paths(body: dict) -> list[str]:
    return [e["path"] for e in body["errors"]]


@pytest.mark.parametrize(
    "raw",
    [b"{", b'{"id": "x",}', b"not json", b"[1, 2", b'{"id": NaN}', b'{"a": Infinity}'],
)
def test_malformed_json_is_400(client: TestClient, raw: bytes) -> None:
    body = problem(
        client.post("/v1/evaluations", content=raw, headers={"content-type": "application/json"}), 400
    )
    assert body["instance"] == "/v1/evaluations"
    assert body["errors"] and body["errors"][0]["expected"]
    assert stored_count(client.app) == 0


def test_empty_and_undecodable_bodies_are_400(client: TestClient) -> None:
    problem(client.post("/v1/evaluations"), 415)  # no content type: refused before the body is read
    problem(client.post("/v1/evaluations", headers=JSON), 400)
    problem(client.post("/v1/evaluations", content=b"   ", headers=JSON), 400)
    body = problem(client.post("/v1/evaluations", content=b'{"id": "\xff"}', headers=JSON), 400)
    assert "UTF-8" in body["detail"]
    problem(client.post("/v1/evaluations/batch", content=b"[{]", headers=JSON), 400)


def test_deep_nesting_is_refused_not_crashed_on(client: TestClient) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    problem(client.post("/v1/evaluations", content=deep, headers=JSON), 400)
    nested = "[" * 500 + "]" * 500
    body = problem(
        client.post(
            "/v1/evaluations", content=f'{{"id": "x", "markets": ["EU"], "extra": {nested}}}', headers=JSON
        ),
        422,
    )
    assert body["errors"][0]["path"].startswith("extra")


def test_wrong_types_are_422_with_document_paths(client: TestClient) -> None:
    bad = copy.deepcopy(PRODUCT)
    bad["data_practices"][0]["consent"]["explicit"] = "yes"
    bad["data_practices"][0]["retention_days"] = -3
    bad["data_practices"][0]["transfers"][0]["mechanism"] = "pigeon"
    bad["markets"] = "EU"
    body = problem(client.post("/v1/evaluations", json=bad), 422)
    assert body["title"] == "Invalid product description"
    assert set(paths(body)) >= {
        "data_practices[0].consent.explicit",
        "data_practices[0].retention_days",
        "data_practices[0].transfers[0].mechanism",
        "markets",
    }
    by_path = {e["path"]: e for e in body["errors"]}
    assert by_path["data_practices[0].consent.explicit"]["expected"] == "true or false"
    assert by_path["data_practices[0].consent.explicit"]["given"] == "'yes'"
    assert "scc" in by_path["data_practices[0].transfers[0].mechanism"]["expected"]
    assert stored_count(client.app) == 0


def test_unknown_taxonomy_key_names_the_nearest(client: TestClient) -> None:
    bad = copy.deepcopy(PRODUCT)
    bad["data_practices"][0]["data_categories"] = ["user.biometrc"]
    body = problem(client.post("/v1/evaluations", json=bad), 422)
    (err,) = body["errors"]
    assert err["path"] == "data_practices[0].data_categories[0]"
    assert "user.biometric" in err["message"] and "did you mean" in err["message"]
    assert "user.biometric" in err["expected"]


def test_missing_required_fields_and_non_objects(client: TestClient) -> None:
    body = problem(client.post("/v1/evaluations", json={"name": "no id"}), 422)
    assert {"id", "markets"} <= set(paths(body))
    body = problem(client.post("/v1/evaluations", json=[PRODUCT]), 422)
    assert paths(body) == [""]
    body = problem(client.post("/v1/evaluations", json=product(colour="blue")), 422)
    assert paths(body) == ["colour"]


def test_unstorable_text_is_422(client: TestClient) -> None:
    body = problem(client.post("/v1/evaluations", json=product(name="a\x00b")), 422)
    assert paths(body) == ["name"]
    body = problem(
        client.post("/v1/evaluations", content=b'{"id": "\\ud800", "markets": ["EU"]}', headers=JSON), 422
    )
    assert paths(body) == ["id"]
    assert stored_count(client.app) == 0


def test_bad_query_parameters_are_422(client: TestClient) -> None:
    for as_of in ("31/12/2026", "0", "2026-02-30", "2026-1-1"):
        body = problem(client.post("/v1/evaluations", params={"as_of": as_of}, json=PRODUCT), 422)
        assert paths(body) == ["query.as_of"]
    body = problem(
        client.post("/v1/evaluations", params=[("market", "EU"), ("market", "Atlantis")], json=PRODUCT), 422
    )
    assert paths(body) == ["query.market[1]"]
    assert stored_count(client.app) == 0


def test_404_and_405_are_problems(client: TestClient) -> None:
    body = problem(client.get("/v1/nothing/here"), 404)
    assert body["instance"] == "/v1/nothing/here"
    r = client.delete("/v1/evaluations")
    body = problem(r, 405)
    assert "GET" in r.headers["allow"] and "POST" in r.headers["allow"]
    problem(client.put("/v1/rules"), 405)


def test_413_by_content_length_without_reading(client: TestClient) -> None:
    big = b'{"id": "' + b"x" * (20 * 1024 * 1024) + b'"}'
    body = problem(client.post("/v1/evaluations", content=big), 413)
    assert "1048576" in body["detail"]
    problem(client.post("/v1/evaluations/batch", content=big), 413)
    assert stored_count(client.app) == 0


def test_body_limit_is_configurable(make_app) -> None:  # noqa: ANN001
    with TestClient(make_app(max_body_bytes=200)) as c:
        problem(c.post("/v1/evaluations", json=PRODUCT), 413)
        r = c.post(
            "/v1/evaluations", json={"id": "tiny", "markets": ["EU"], "synthetic_media": {"generates": False}}
        )
        assert r.status_code == 201, r.text


def test_a_server_fault_is_a_logged_500_problem_and_stores_nothing(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:  # noqa: ANN001
    class Broken:
        ruleset = None

        def evaluate(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            raise ZeroDivisionError("boom")

    from engine.evaluate.evaluator import default_evaluator

    real = default_evaluator()
    broken = Broken()
    broken.ruleset = real.ruleset
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'h.db'}"), evaluator=broken)  # type: ignore[arg-type]
    with (
        caplog.at_level(logging.ERROR, logger="regulint.api"),
        TestClient(app, raise_server_exceptions=False) as c,
    ):
        body = problem(c.post("/v1/evaluations", json=PRODUCT), 500)
        assert "boom" not in body["detail"]
        assert any("ZeroDivisionError" in (r.exc_text or "") for r in caplog.records)
        assert stored_count(app) == 0
    app.state.repository.dispose()


def test_evaluation_slots_queue_then_refuse() -> None:
    import asyncio

    from api.service.limits import EvaluationSlots
    from api.service.problems import ProblemError

    async def scenario() -> list[str]:
        slots = EvaluationSlots(running=1, queued=1)
        order: list[str] = []
        await slots.acquire()  # the one running
        waiter = asyncio.create_task(slots.acquire())  # queued
        await asyncio.sleep(0)
        try:
            await slots.acquire()  # neither runs nor queues
        except ProblemError as exc:
            assert exc.status == 503 and exc.headers["Retry-After"] == "1"
            order.append("refused")
        slots.release()  # hands the slot to the waiter
        await waiter
        order.append("handed over")
        assert slots.running == 1
        slots.release()
        assert slots.running == 0
        return order

    assert asyncio.run(scenario()) == ["refused", "handed over"]
