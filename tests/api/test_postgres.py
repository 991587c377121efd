"""The history on PostgreSQL (REGULINT_TEST_POSTGRES_URL; an unreachable server fails these tests).

Each test works in a schema of its own (search_path), dropped afterwards.
"""

from __future__ import annotations

import pytest
from apihelpers import (
    AS_OF,
    PRODUCT,
    LiveServer,
    concurrent_equals_sequential,
    count_rows,
    product,
    strip_ids,
)
from fastapi.testclient import TestClient

from api.service.app import create_app
from api.service.settings import Settings
from engine.evaluate.evaluator import Evaluator

pytestmark = pytest.mark.postgres


def test_store_filter_and_survive_a_restart(postgres_schema_url: str, evaluator: Evaluator) -> None:
    settings = Settings(database_url=postgres_schema_url)
    app = create_app(settings, evaluator=evaluator)
    with TestClient(app) as c:
        assert c.get("/healthz").json()["database"] == "postgresql"
        posted = c.post("/v1/evaluations", json=PRODUCT, params={"as_of": AS_OF}).json()
        batch = c.post("/v1/evaluations/batch", json=[product(id="b1"), product(id="b2", markets=["CN"])])
        assert batch.status_code == 201
        bad = c.post("/v1/evaluations", json=product(name="nul\x00"))
        assert bad.status_code == 422
    app.state.repository.dispose()

    again = create_app(settings, evaluator=evaluator)  # a new instance: only the database is shared
    with TestClient(again) as c:
        record = c.get(f"/v1/evaluations/{posted['id']}").json()
        assert record["report"] == strip_ids(posted)
        assert record["input"] == PRODUCT
        page = c.get("/v1/evaluations", params={"limit": 2}).json()
        assert page["total"] == 3
        rest = c.get("/v1/evaluations", params={"limit": 2, "cursor": page["next_cursor"]}).json()
        assert len(rest["items"]) == 1 and rest["next_cursor"] is None
        assert [
            x["product_id"] for x in c.get("/v1/evaluations", params={"product_id": "b2"}).json()["items"]
        ] == ["b2"]
        assert c.get("/v1/evaluations", params={"severity": "low"}).json()["total"] == 3
        assert c.get("/v1/evaluations", params={"jurisdiction": "US-CA"}).json()["total"] == 2
        assert c.get("/v1/evaluations", params={"created_to": "9999-12-31T23:59:59"}).json()["total"] == 3
    again.state.repository.dispose()
    assert count_rows(postgres_schema_url) == 3


def test_two_workers_share_one_postgres_database(postgres_schema_url: str) -> None:
    """`regulint serve --workers 2`: 64 concurrent requests, each recorded once, as one by one."""
    server = LiveServer({"REGULINT_DATABASE_URL": postgres_schema_url}, workers=2)
    try:
        server.wait_ready()
        concurrent_equals_sequential(server.url, postgres_schema_url, n=64)
    finally:
        server.stop()


def test_reevaluation_workers_share_items_with_skip_locked(
    postgres_schema_url: str, evaluator: Evaluator
) -> None:
    """Three workers (each its own engine) claim concurrently: every item runs exactly once."""
    import datetime as dt
    import threading

    from api.service.db import Repository
    from api.service.jobs import create_job, job_status, work
    from api.service.settings import Settings
    from api.service.usecases import EvaluateAndStore, EvaluationParams
    from engine.facts.inputs import product_from_data

    repo = Repository.from_url(postgres_schema_url)
    repo.create_schema()
    items = [(d, product_from_data(d)) for d in (product(id=f"pg-{i:02d}") for i in range(30))]
    EvaluateAndStore(evaluator, repo, Settings()).evaluate_and_store(items, EvaluationParams(None, None))
    job = create_job(repo, dt.date(2026, 12, 1), evaluator.ruleset.digest)
    workers = [Repository.from_url(postgres_schema_url) for _ in range(3)]
    runs: list[int] = []
    threads = [threading.Thread(target=lambda r=r: runs.append(work(r, evaluator))) for r in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sum(runs) == 30
    status = job_status(repo, job).to_dict()
    assert status["status"] == "done" and status["done"] == 30
    assert count_rows(postgres_schema_url) == 60  # 30 stored + 30 re-evaluated, none twice
    for r in [repo, *workers]:
        r.dispose()
