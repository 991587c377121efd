"""Helpers of the HTTP API tests: example descriptions, live servers, row counts."""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from api.service.db import Repository
from engine.evaluate.evaluator import default_evaluator

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-09-01"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# A complete, valid description (DESIGN.md's example), independent of the seeds other people edit.
PRODUCT: dict[str, Any] = {
    "schema_version": "1",
    "id": "avatar-studio",
    "name": "Avatar Studio",
    "organization": {
        "name": "Example Co.",
        "annual_revenue": {"amount": 120000000, "currency": "USD"},
        "headquarters": "US-CA",
        "establishments": ["US-CA", "IE"],
        "sme": False,
    },
    "markets": ["CN", "EU", "US-CA"],
    "audience": {
        "monthly_active_users": 2500000,
        "users_by_market": {"EU": 900000, "US-CA": 300000, "CN": 1300000},
    },
    "data_practices": [
        {
            "id": "face-upload",
            "data_categories": ["user.biometric", "user.content.self_image"],
            "data_subjects": ["customer"],
            "source": "data_subject",
            "purpose": "essential.service",
            "legal_basis": "consent",
            "consent": {"obtained": True, "separate": False, "explicit": False, "withdrawable": True},
            "retention_days": 30,
            "transfers": [{"to": "US", "mechanism": "scc", "impact_assessment": True}],
        }
    ],
    "synthetic_media": {
        "generates": True,
        "role": "provider",
        "modalities": ["image"],
        "visible_label": False,
    },
}


def product(**changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(PRODUCT)
    out.update(changes)
    return out


def strip_ids(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored report without what differs between two runs of the same evaluation."""
    return {k: v for k, v in stored.items() if k not in ("id", "created_at")}


_EXAMPLES: list[dict[str, Any]] | None = None


def example_products(n: int) -> list[dict[str, Any]]:
    """``n`` distinct valid descriptions: the rules' own examples, then variations of PRODUCT."""
    global _EXAMPLES
    if _EXAMPLES is None:
        seen: set[str] = set()
        _EXAMPLES = []
        for rule in default_evaluator().ruleset.rules:  # compiled once per test process
            for ex in (*rule.violating, *rule.compliant):
                key = json.dumps(ex.product, sort_keys=True, default=str)
                if key not in seen:
                    seen.add(key)
                    _EXAMPLES.append(json.loads(json.dumps(ex.product, default=str)))
    out = [dict(p, id=f"{p['id']}-{i}") for i, p in enumerate(_EXAMPLES[:n])]
    while len(out) < n:
        out.append(
            product(id=f"variant-{len(out)}", markets=[["CN"], ["EU"], ["US-CA"], ["DE", "CN"]][len(out) % 4])
        )
    return out


def stored_count(app: Any) -> int:
    return app.state.repository.count()


def postgres_url() -> str:
    return os.environ.get("REGULINT_TEST_POSTGRES_URL", DEFAULT_PG_URL)


def count_rows(url: str) -> int:
    repo = Repository.from_url(url)
    try:
        return repo.count()
    finally:
        repo.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, env: dict[str, str], workers: int = 1, cwd: Path | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile("w+")  # read back only when the server fails to start
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", str(self.port), "--workers", str(workers)],
            cwd=cwd or ROOT,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"regulint serve exited with {self.proc.returncode}:\n{self.log.read()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("regulint serve did not become ready")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


def concurrent_equals_sequential(base_url: str, database_url: str, n: int = 64) -> None:
    """n evaluations one by one, then the same n at once: identical reports, one row per request."""
    products = example_products(n)
    before = count_rows(database_url)
    with httpx.Client(base_url=base_url, timeout=60) as c:
        sequential = []
        for p in products:
            r = c.post("/v1/evaluations", json=p, params={"as_of": AS_OF})
            assert r.status_code == 201, r.text
            sequential.append(r.json())

    barrier = threading.Barrier(n)
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    with httpx.Client(base_url=base_url, timeout=120, limits=limits) as shared:  # thread-safe, n connections

        def post(p: dict[str, Any]) -> dict[str, Any]:
            barrier.wait()  # all n requests leave together
            r = shared.post("/v1/evaluations", json=p, params={"as_of": AS_OF})
            assert r.status_code == 201, r.text
            return r.json()

        with ThreadPoolExecutor(n) as pool:
            concurrent = list(pool.map(post, products))

    assert [strip_ids(x) for x in concurrent] == [strip_ids(x) for x in sequential]
    ids = {x["id"] for x in sequential + concurrent}
    assert len(ids) == 2 * n
    assert count_rows(database_url) == before + 2 * n
    with httpx.Client(base_url=base_url, timeout=60) as c:
        for x in concurrent[:: max(1, n // 8)]:
            stored = c.get(f"/v1/evaluations/{x['id']}").json()
            assert stored["report"] == strip_ids(x)
