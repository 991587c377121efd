"""Database faults: a full disk, a read-only database, PostgreSQL refusing connections and
PostgreSQL black-holed (a listener that accepts and never answers). Each gives 503 with
Retry-After within the configured timeouts, /healthz 503, one log line per failure; once the
fault is gone the same app serves again and every acknowledged write is readable."""

from __future__ import annotations

import logging
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from apihelpers import PRODUCT, free_port
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import make_url

from api.service.app import create_app
from api.service.settings import Settings
from engine.evaluate.evaluator import Evaluator

pytestmark = pytest.mark.hostile

CONNECT, STATEMENT = 1.0, 2.0


def _app(url: str, seeds: Path, evaluator: Evaluator) -> Any:
    return create_app(
        Settings(
            database_url=url, seeds_dir=seeds, db_connect_timeout=CONNECT, db_statement_timeout=STATEMENT
        ),
        evaluator=evaluator,
    )


class Scenario:
    """Writes before, during and after a fault, through one app (one worker)."""

    def __init__(self, client: TestClient, caplog: pytest.LogCaptureFixture):
        self.c, self.caplog = client, caplog
        self.acknowledged: list[str] = []

    def write(self) -> None:
        r = self.c.post("/v1/evaluations", json=PRODUCT)
        assert r.status_code == 201, r.text
        self.acknowledged.append(r.json()["id"])

    def faulty(self, bound: float, reads_fail: bool) -> None:
        """During the fault: POST and /healthz (and GET when the database is unreachable) are 503
        (problem+json, Retry-After) within ``bound`` seconds, each logged as one line without a
        traceback; nothing is stored."""
        calls = [("POST", "/v1/evaluations"), ("POST", "/v1/evaluations/batch"), ("GET", "/healthz")]
        if reads_fail:
            calls.append(("GET", "/v1/evaluations"))
        for method, path in calls:
            self.caplog.clear()
            start = time.perf_counter()
            body = None if method == "GET" else ([PRODUCT, PRODUCT] if path.endswith("batch") else PRODUCT)
            r = self.c.request(method, path, json=body)
            took = time.perf_counter() - start
            assert r.status_code == 503, (method, path, r.status_code, r.text[:300])
            assert (
                r.headers["content-type"] == "application/problem+json" and int(r.headers["retry-after"]) > 0
            )
            assert took < bound, f"{method} {path}: {took:.1f} s"
            lines = [rec for rec in self.caplog.records if rec.levelno >= logging.ERROR]
            assert len(lines) == 1 and lines[0].exc_info is None, [rec.getMessage() for rec in lines]
        assert self.c.head("/healthz").status_code == 503
        if not reads_fail:
            assert self.c.get("/v1/evaluations").json()["total"] == len(self.acknowledged)

    def recovered(self) -> None:
        assert self.c.get("/healthz").status_code == 200
        self.write()
        for ident in self.acknowledged:
            assert self.c.get(f"/v1/evaluations/{ident}").status_code == 200, ident
        assert self.c.get("/v1/evaluations").json()["total"] == len(self.acknowledged)


def _per_connection(engine: Any, pragma: Callable[[], str | None]) -> None:
    """Run ``pragma()`` (when not None) on every connection handed out: the fault switch."""

    @event.listens_for(engine, "checkout")
    def _apply(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        statement = pragma()
        if statement:
            dbapi_conn.execute(statement)


def test_a_full_disk_is_503_then_recovers(
    tmp_path: Path, evaluator: Evaluator, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(f"sqlite:///{tmp_path / 'h.db'}", tmp_path, evaluator)
    state: dict[str, int | None] = {"pages": None}
    _per_connection(
        app.state.repository.engine, lambda: f"PRAGMA max_page_count = {state['pages'] or 1073741823}"
    )
    with TestClient(app) as c:
        s = Scenario(c, caplog)
        s.write()
        with app.state.repository.engine.connect() as conn:
            state["pages"] = conn.exec_driver_sql("PRAGMA page_count").scalar()  # the disk is now full
        s.faulty(STATEMENT + 1, reads_fail=False)
        state["pages"] = None  # space freed
        s.recovered()
    app.state.repository.dispose()


def test_a_read_only_database_is_503_then_recovers(
    tmp_path: Path, evaluator: Evaluator, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(f"sqlite:///{tmp_path / 'h.db'}", tmp_path, evaluator)
    state = {"read_only": False}
    _per_connection(app.state.repository.engine, lambda: f"PRAGMA query_only = {int(state['read_only'])}")
    with TestClient(app) as c:
        s = Scenario(c, caplog)
        s.write()
        state["read_only"] = True
        s.faulty(STATEMENT + 1, reads_fail=False)
        state["read_only"] = False
        s.recovered()
    app.state.repository.dispose()


class Proxy:
    """A TCP proxy to PostgreSQL that can forward, refuse connections, or black-hole them."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port = target, free_port()
        self.mode = "forward"
        self._socks: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._listen()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            self._socks.append(client)
            if self.mode == "blackhole":
                continue  # accepted, never answered
            upstream = socket.create_connection(self.target)
            self._socks.append(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._relay, args=(a, b), daemon=True).start()

    def _relay(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                if self.mode == "blackhole":  # a partition: bytes go in, nothing comes out
                    time.sleep(0.05)
                    continue
                ready, _, _ = select.select([a], [], [], 0.2)
                if not ready:
                    continue
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except (OSError, ValueError):  # the other side closed the socket (fd -1)
            pass
        for s in (a, b):
            try:
                s.close()
            except OSError:
                pass

    def refuse(self) -> None:
        self.mode = "refuse"
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        for s in self._socks:  # existing connections are reset
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._socks.clear()

    def blackhole(self) -> None:
        self.mode = "blackhole"

    def forward(self) -> None:
        self.mode = "forward"
        if self._listener is None:
            self._listen()

    def close(self) -> None:
        self.refuse()


@pytest.fixture
def proxied(postgres_schema_url: str) -> Iterator[tuple[Proxy, str]]:
    url = make_url(postgres_schema_url)
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    try:
        yield proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    finally:
        proxy.close()


@pytest.mark.postgres
def test_postgres_refusing_connections_is_503_then_recovers(
    proxied: tuple[Proxy, str], tmp_path: Path, evaluator: Evaluator, caplog: pytest.LogCaptureFixture
) -> None:
    proxy, url = proxied
    app = _app(url, tmp_path, evaluator)
    with TestClient(app) as c:
        s = Scenario(c, caplog)
        s.write()
        proxy.refuse()
        s.faulty(CONNECT + STATEMENT + 1, reads_fail=True)
        proxy.forward()
        s.recovered()
    app.state.repository.dispose()


@pytest.mark.postgres
def test_postgres_black_holed_is_503_within_the_timeouts_then_recovers(
    proxied: tuple[Proxy, str], tmp_path: Path, evaluator: Evaluator, caplog: pytest.LogCaptureFixture
) -> None:
    proxy, url = proxied
    app = _app(url, tmp_path, evaluator)
    with TestClient(app) as c:
        s = Scenario(c, caplog)
        s.write()
        s.write()
        proxy.blackhole()
        s.faulty(STATEMENT + 2 * CONNECT + 1, reads_fail=True)
        proxy.forward()
        s.recovered()
    app.state.repository.dispose()
