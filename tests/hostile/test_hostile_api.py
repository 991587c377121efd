"""The API under attack: a live `regulint serve` worker, each attack timed, its memory watched,
and nothing stored for a refused request."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from apihelpers import PRODUCT, LiveServer, count_rows, example_products
from attacks import ALIAS_BOMB, BINARY_TAG, CONTROL_CHAR, PYTHON_TAG, SET_TAG, many_practices, wide_practices

MB = 1024 * 1024
YAML = {"content-type": "application/yaml"}
JSON = {"content-type": "application/json"}


class Worker:
    def __init__(self, server: LiveServer, db_url: str):
        self.server, self.url, self.db_url = server, server.url, db_url
        self.client = httpx.Client(base_url=server.url, timeout=30)
        self.process = psutil.Process(server.proc.pid)  # one worker: the serve process itself

    def rss(self) -> int:
        return self.process.memory_info().rss

    def stored(self) -> int:
        return count_rows(self.db_url)

    def cpu(self) -> float:
        t = self.process.cpu_times()
        return t.user + t.system

    def timed(self, method: str, path: str, **kw: Any) -> tuple[httpx.Response, float]:
        start = time.perf_counter()
        r = self.client.request(method, path, **kw)
        return r, time.perf_counter() - start


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    db = tmp_path_factory.mktemp("hostile") / "history.db"
    env = {
        "REGULINT_DATABASE_URL": f"sqlite:///{db}",
        "REGULINT_HEADER_TIMEOUT": "1",
        "REGULINT_KEEPALIVE_TIMEOUT": "1",
        "REGULINT_BODY_TIMEOUT": "1.5",
        "REGULINT_API_KEYS": "",
    }
    server = LiveServer(env, workers=1)
    try:
        server.wait_ready()
        w = Worker(server, f"sqlite:///{db}")
        for p in example_products(4):  # warm up: the first evaluations allocate what every later one reuses
            assert w.client.post("/v1/evaluations", json=p).status_code == 201
        yield w
        w.client.close()
    finally:
        server.stop()


def refused(w: Worker, status: int, method: str, path: str, **kw: Any) -> dict[str, Any]:
    """The attack is answered `status` after < 1 s of the worker's CPU (and < 3 s of wall time on
    a machine shared with other test runs), adds < 100 MB to the worker, stores nothing."""
    before_rows, before_rss, before_cpu = w.stored(), w.rss(), w.cpu()
    r, took = w.timed(method, path, **kw)
    cpu = w.cpu() - before_cpu
    assert r.status_code == status, r.text[:500]
    assert cpu < 1.0 and took < 3.0, f"{cpu:.2f} s CPU, {took:.2f} s wall"
    assert w.rss() - before_rss < 100 * MB
    assert w.stored() == before_rows
    assert r.headers["content-type"] == "application/problem+json"
    return r.json()


def test_yaml_alias_bomb_is_refused_fast(worker: Worker) -> None:
    assert len(ALIAS_BOMB) < 500
    body = refused(worker, 400, "POST", "/v1/evaluations", content=ALIAS_BOMB, headers=YAML)
    assert "anchors" in body["detail"] or "aliases" in body["detail"]
    # three at once do not slow another request down
    before = worker.rss()
    with ThreadPoolExecutor(4) as pool:
        bombs = [
            pool.submit(worker.timed, "POST", "/v1/evaluations", content=ALIAS_BOMB, headers=YAML)
            for _ in range(3)
        ]
        other = pool.submit(worker.timed, "GET", "/healthz")
        for f in bombs:
            r, took = f.result()
            assert r.status_code == 400 and took < 3.0
        r, took = other.result()
        assert r.status_code == 200 and took < 3.0
    assert worker.rss() - before < 100 * MB


@pytest.mark.parametrize(
    "text", [BINARY_TAG, SET_TAG, CONTROL_CHAR, PYTHON_TAG], ids=["binary", "set", "ctrl", "python"]
)
def test_unsafe_yaml_is_400_not_500(worker: Worker, text: str) -> None:
    body = refused(worker, 400, "POST", "/v1/evaluations", content=text, headers=YAML)
    assert body["errors"] and "line" in body["errors"][0]["message"]


def test_seventy_thousand_practices_are_refused_by_the_cap(worker: Worker) -> None:
    payload = many_practices(70_000)
    assert len(payload) <= MB
    body = refused(worker, 422, "POST", "/v1/evaluations", content=payload, headers=JSON)
    assert body["errors"][0]["path"] == "data_practices"
    assert "REGULINT_MAX_PRACTICES" in body["errors"][0]["message"]


def test_four_thousand_wide_practices_are_refused(worker: Worker) -> None:
    payload = wide_practices(4_000)
    assert len(payload) > 200 * 1024
    refused(worker, 422, "POST", "/v1/evaluations", content=payload, headers=JSON)
    # the largest description the caps allow is answered within the bounds
    doc = json.loads(wide_practices(200))
    before = worker.stored()
    cpu = worker.cpu()
    r, took = worker.timed("POST", "/v1/evaluations", json=doc)
    cpu = worker.cpu() - cpu
    assert r.status_code == 201 and cpu < 1.0 and took < 3.0, (r.status_code, cpu, took)
    assert worker.stored() == before + 1


def test_eight_concurrent_full_batches_keep_memory_bounded(worker: Worker) -> None:
    items = example_products(100)
    before_rss, before_rows, before_cpu = worker.rss(), worker.stored(), worker.cpu()
    start = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(lambda _: worker.timed("POST", "/v1/evaluations/batch", json=items), range(8))
        )
    wall = time.perf_counter() - start
    statuses = sorted(r.status_code for r, _ in results)
    assert statuses == [201] * 8, statuses
    assert worker.stored() == before_rows + 800
    cpu = worker.cpu() - before_cpu
    assert cpu < 8.0, f"8 batches took {cpu:.1f} s of CPU"  # < 1 s per request
    assert wall < 24.0, f"8 batches took {wall:.1f} s"
    growth = worker.rss() - before_rss
    assert growth < 100 * MB, f"{growth / MB:.0f} MB"


def test_a_batch_whose_reports_pass_the_response_cap_stores_nothing(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.service.app import create_app
    from api.service.settings import Settings

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'h.db'}", max_response_bytes=200_000))
    with TestClient(app) as c:
        r = c.post("/v1/evaluations/batch", json=[PRODUCT] * 5)
        assert r.status_code == 422 and "REGULINT_MAX_RESPONSE_BYTES" in r.json()["detail"]
        assert app.state.repository.count() == 0
    app.state.repository.dispose()


def test_a_market_that_selects_nothing_is_422_naming_the_products_markets(worker: Worker) -> None:
    body = refused(worker, 422, "POST", "/v1/evaluations", json=PRODUCT, params={"market": "JP"})
    assert "CN, EU, US-CA" in body["detail"] and body["errors"][0]["path"] == "query.market"
    refused(worker, 422, "POST", "/v1/evaluations/batch", json=[PRODUCT], params={"market": "BR"})
    # a country contains its states: US selects US-CA
    r = worker.client.post("/v1/evaluations", json=PRODUCT, params={"market": "US", "as_of": "2026-09-01"})
    assert r.status_code == 201
    report = r.json()
    assert report["markets"] == ["US-CA"]
    assert report["violations"] and {v["jurisdiction"] for v in report["violations"]} == {"US-CA"}


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
def test_posts_need_a_document_media_type(worker: Worker, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    refused(worker, 415, "POST", "/v1/evaluations", content=json.dumps(PRODUCT), headers=headers)
    refused(worker, 415, "POST", "/v1/evaluations/batch", content=json.dumps([PRODUCT]), headers=headers)


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"audience": {"min_age": True}}, "audience.min_age"),
        ({"audience": {"min_age": "13"}}, "audience.min_age"),
        ({"audience": {"monthly_active_users": "1000"}}, "audience.monthly_active_users"),
        ({"audience": {"users_by_market": {"EU": 1, "eu": 2}}}, "audience.users_by_market"),
        ({"markets": ["EU", "eu"]}, "markets"),
        (
            {"organization": {"annual_revenue": {"amount": "100", "currency": "USD"}}},
            "organization.annual_revenue.amount",
        ),
        (
            {"organization": {"annual_revenue": {"amount": True, "currency": "USD"}}},
            "organization.annual_revenue.amount",
        ),
        (
            {"organization": {"revenue_share_from_selling_data": True}},
            "organization.revenue_share_from_selling_data",
        ),
    ],
)
def test_strict_input_types(worker: Worker, change: dict[str, Any], path: str) -> None:
    body = refused(worker, 422, "POST", "/v1/evaluations", json={**PRODUCT, **change})
    assert any(e["path"].startswith(path) for e in body["errors"]), body["errors"]


def test_head_healthz(worker: Worker) -> None:
    r = worker.client.head("/healthz")
    assert r.status_code == 200 and r.content == b""


def _closed_within(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closes the connection (reads until EOF)."""
    sock.settimeout(seconds)
    start = time.perf_counter()
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        pytest.fail(f"the connection was still open after {seconds} s")
    return time.perf_counter() - start


def test_idle_and_slow_connections_time_out(worker: Worker) -> None:
    host, port = "127.0.0.1", worker.server.port
    with socket.create_connection((host, port)) as idle:  # connects and says nothing
        assert _closed_within(idle, 5) < 3
    with socket.create_connection((host, port)) as slow:  # a request head trickled a byte at a time
        stop = threading.Event()

        def trickle() -> None:
            for ch in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000:
                if stop.is_set():
                    return
                try:
                    slow.send(bytes([ch]))
                except OSError:
                    return
                time.sleep(0.05)

        t = threading.Thread(target=trickle, daemon=True)
        t.start()
        took = _closed_within(slow, 5)
        stop.set()
        assert took < 3
    with socket.create_connection((host, port)) as body:  # a body that never arrives in full
        body.sendall(
            b"POST /v1/evaluations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{"
        )
        body.settimeout(5)
        start = time.perf_counter()
        answer = body.recv(4096)
        assert answer.startswith(b"HTTP/1.1 408") and time.perf_counter() - start < 3


def test_history_needs_a_key_when_keys_are_set_and_blank_keys_stop_start_up(tmp_path: Path) -> None:
    import subprocess
    import sys

    from apihelpers import ROOT

    for blank in (" ", ",", "key-0123456789abcdef,,"):
        proc = subprocess.run(
            [sys.executable, "-m", "api.cli", "serve", "--port", "9"],
            env={
                "REGULINT_API_KEYS": blank,
                "REGULINT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                "PATH": "",
            },
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 2 and "REGULINT_API_KEYS" in proc.stderr, proc.stderr
    assert not (tmp_path / "x.db").exists()


def test_concurrent_retries_with_one_idempotency_key_store_once(worker: Worker) -> None:
    before = worker.stored()
    key = {"Idempotency-Key": f"concurrent-{time.time_ns()}"}
    with ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(lambda _: worker.client.post("/v1/evaluations", json=PRODUCT, headers=key), range(4))
        )
    assert [r.status_code for r in answers] == [201] * 4
    assert len({r.json()["id"] for r in answers}) == 1
    assert worker.stored() == before + 1


def test_a_full_worker_answers_503_with_retry_after(tmp_path: Path) -> None:
    db = tmp_path / "busy.db"
    env = {
        "REGULINT_DATABASE_URL": f"sqlite:///{db}",
        "REGULINT_MAX_CONCURRENT_EVALUATIONS": "1",
        "REGULINT_MAX_QUEUED_EVALUATIONS": "1",
    }
    server = LiveServer(env, workers=1)
    try:
        server.wait_ready()
        items = example_products(100)
        with httpx.Client(base_url=server.url, timeout=60) as c, ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda _: c.post("/v1/evaluations/batch", json=items), range(6)))
        statuses = [r.status_code for r in answers]
        assert set(statuses) == {201, 503} and statuses.count(201) >= 2, statuses
        busy = next(r for r in answers if r.status_code == 503)
        assert busy.headers["retry-after"] == "1" and busy.json()["title"] == "Busy"
        assert count_rows(f"sqlite:///{db}") == 100 * statuses.count(201)  # a refused batch stored nothing
    finally:
        server.stop()
