"""Portfolio re-evaluation: a background job over the newest evaluation of every stored product."""

from __future__ import annotations

import time
import uuid

from apihelpers import AS_OF, product
from fastapi.testclient import TestClient

from api.service.db import Repository
from api.service.jobs import claim, create_job, finding_delta, work
from engine.evaluate.evaluator import Evaluator


def wait_done(client: TestClient, url: str, seconds: float = 120) -> list[dict]:
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = client.get(url).json()
        seen.append(body)
        if body["status"] == "done":
            return seen
        time.sleep(0.05)
    raise AssertionError(f"not done: {seen[-1]}")


def test_reevaluates_the_newest_evaluation_of_every_product(client: TestClient) -> None:
    docs = [product(id=f"p-{i:03d}") for i in range(200)]
    for start in range(0, 200, 100):
        r = client.post("/v1/evaluations/batch", json=docs[start : start + 100], params={"as_of": AS_OF})
        assert r.status_code == 201, r.text
    # a newer evaluation of p-000 (a narrower market) is the one re-run
    newest = client.post("/v1/evaluations", json=docs[0], params={"as_of": AS_OF, "market": "EU"}).json()
    r = client.post("/v1/reevaluations", params={"as_of": "2027-01-01"})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["total"] == 200
    assert r.headers["location"] == f"/v1/reevaluations/{job['id']}"
    seen = wait_done(client, r.headers["location"])
    final = seen[-1]
    assert final["done"] == 200 and final["failed"] == 0
    assert [s["done"] for s in seen] == sorted(s["done"] for s in seen)  # progress only grows
    items = {i["product_id"]: i for i in final["items"]}
    assert items["p-000"]["source_id"] == newest["id"]
    rerun = client.get(f"/v1/evaluations/{items['p-000']['evaluation_id']}").json()
    assert rerun["as_of"] == "2027-01-01"
    assert rerun["requested_markets"] == ["EU"]
    assert rerun["batch_id"] == job["id"]
    assert client.get("/v1/evaluations", params={"batch_id": job["id"]}).json()["total"] == 200


def test_unknown_job_is_404(client: TestClient) -> None:
    r = client.get(f"/v1/reevaluations/{uuid.uuid4()}")
    assert r.status_code == 404
    assert client.get("/v1/reevaluations/not-a-uuid").status_code == 422


def test_finding_delta() -> None:
    def v(rule: str, subject: str) -> dict:
        return {"rule_id": rule, "subject": {"kind": "practice", "id": subject}}

    before = {"violations": [v("a", "x"), v("b", "x")]}
    after = {"violations": [v("b", "x"), v("c", "x"), v("c", "y")]}
    assert finding_delta(before, after) == (["c"], ["a"])


def test_claims_are_disjoint_and_each_item_runs_once(tmp_path, evaluator: Evaluator) -> None:
    repo = Repository.from_url(f"sqlite:///{tmp_path / 'h.db'}")
    repo.create_schema()
    from api.service.settings import Settings
    from api.service.usecases import EvaluateAndStore, EvaluationParams
    from engine.facts.inputs import product_from_data

    items = [(d, product_from_data(d)) for d in (product(id=f"q-{i}") for i in range(25))]
    EvaluateAndStore(evaluator, repo, Settings()).evaluate_and_store(items, EvaluationParams(None, None))
    job = create_job(repo, __import__("datetime").date(2026, 12, 1), evaluator.ruleset.digest)
    first, second = claim(repo, 10), claim(repo, 10)
    assert {i.product_id for i in first}.isdisjoint({i.product_id for i in second})
    assert work(repo, evaluator) == 5  # only the unclaimed rest
    assert claim(repo, 10) == []
    repo.dispose()
    assert job


def test_two_processes_never_claim_the_same_item_on_sqlite(tmp_path, evaluator: Evaluator) -> None:
    """Two server processes (two repositories: each its own engine, connections and write lock)
    claiming at once from one SQLite file: every item is claimed exactly once."""
    import datetime as dt
    import threading

    from api.service.settings import Settings
    from api.service.usecases import EvaluateAndStore, EvaluationParams
    from engine.facts.inputs import product_from_data

    url = f"sqlite:///{tmp_path / 'h.db'}"
    setup = Repository.from_url(url)
    setup.create_schema()
    items = [(d, product_from_data(d)) for d in (product(id=f"c-{i:03d}") for i in range(120))]
    EvaluateAndStore(evaluator, setup, Settings()).evaluate_and_store(items, EvaluationParams(None, None))
    create_job(setup, dt.date(2026, 12, 1), evaluator.ruleset.digest)
    setup.dispose()

    repos = [Repository.from_url(url) for _ in range(2)]
    claimed: list[str] = []
    gate = threading.Barrier(8)

    def claimer(repo: Repository) -> None:
        gate.wait()
        while got := claim(repo, 3):
            claimed.extend(i.product_id for i in got)

    threads = [threading.Thread(target=claimer, args=(repos[n % 2],)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for repo in repos:
        repo.dispose()
    assert sorted(claimed) == sorted(f"c-{i:03d}" for i in range(120))
