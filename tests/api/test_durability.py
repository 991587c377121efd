"""A 201 means stored: kill the server (SIGKILL) the moment the last 201 arrives, restart it on
the same database, and find every evaluation answered — on SQLite and on PostgreSQL.

Requests arrive together, so the writer commits them in groups (api/service/commits.py); an
answer sent before its group's commit would be lost with the process."""

from __future__ import annotations

import os
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
import pytest
from apihelpers import AS_OF, LiveServer, example_products

N = 48
CLIENTS = 16


def _kill_after_answers(server: LiveServer) -> list[str]:
    """Post N descriptions from CLIENTS threads; SIGKILL the server as the last 201 arrives."""
    products = example_products(N)
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    with httpx.Client(base_url=server.url, timeout=120, limits=limits) as client:

        def post(product: dict) -> str:
            r = client.post("/v1/evaluations", json=product, params={"as_of": AS_OF})
            assert r.status_code == 201, r.text
            return r.json()["id"]

        with ThreadPoolExecutor(CLIENTS) as pool:
            ids = list(pool.map(post, products))
    processes = [psutil.Process(server.proc.pid), *psutil.Process(server.proc.pid).children(recursive=True)]
    for proc in processes:
        os.kill(proc.pid, signal.SIGKILL)
    server.proc.wait(10)
    assert server.proc.returncode == -signal.SIGKILL
    return ids


def _all_found_after_restart(database_url: str, ids: list[str]) -> None:
    restarted = LiveServer({"REGULINT_DATABASE_URL": database_url})
    try:
        restarted.wait_ready()
        with httpx.Client(base_url=restarted.url, timeout=60) as client:
            missing = [i for i in ids if client.get(f"/v1/evaluations/{i}").status_code != 200]
            listed = client.get("/v1/evaluations", params={"limit": 500}).json()
        assert missing == [], f"{len(missing)} of {len(ids)} answered 201 but were not stored"
        assert listed["total"] == len(ids) == len(set(ids))
    finally:
        restarted.stop()


def test_every_201_survives_a_kill_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'history.db'}"
    server = LiveServer({"REGULINT_DATABASE_URL": url})
    try:
        server.wait_ready()
        ids = _kill_after_answers(server)
    finally:
        server.stop()
    _all_found_after_restart(url, ids)


@pytest.mark.postgres
def test_every_201_survives_a_kill_on_postgres(postgres_schema_url: str) -> None:
    server = LiveServer({"REGULINT_DATABASE_URL": postgres_schema_url})
    try:
        server.wait_ready()
        ids = _kill_after_answers(server)
    finally:
        server.stop()
    _all_found_after_restart(postgres_schema_url, ids)
