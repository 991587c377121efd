"""Where a POST is prepared: a small JSON description on the event loop, anything else in a
worker thread (a slow parse or a database read must not hold the loop). Same answers either way."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from apihelpers import ROOT
from fastapi.testclient import TestClient

from api.service.routes import evaluations
from api.service.usecases import QUICK_BODY_BYTES

SEED = ROOT / "seeds" / "kids-game.json"


@pytest.fixture
def offloaded(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The functions the evaluation routes hand to the thread pool."""
    calls: list[Any] = []
    real = evaluations.run_in_threadpool

    async def spy(func: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(func)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(evaluations, "run_in_threadpool", spy)
    return calls


def _post(client: TestClient, body: bytes, content_type: str = "application/json", **headers: str) -> Any:
    r = client.post("/v1/evaluations", content=body, headers={"Content-Type": content_type, **headers})
    assert r.status_code == 201, r.text
    return r.json()


def _same_report(a: dict[str, Any], b: dict[str, Any]) -> bool:
    drop = ("id", "created_at", "engine")
    return {k: v for k, v in a.items() if k not in drop} == {k: v for k, v in b.items() if k not in drop}


def test_small_json_is_prepared_on_the_loop(client: TestClient, offloaded: list[Any]) -> None:
    body = SEED.read_bytes()
    assert len(body) <= QUICK_BODY_BYTES
    quick = _post(client, body)
    assert offloaded == []
    keyed = _post(client, body, **{"Idempotency-Key": "k-1"})  # a replay would read the database
    assert len(offloaded) == 1
    assert _same_report(quick, keyed)


def test_yaml_and_large_bodies_go_to_the_thread_pool(client: TestClient, offloaded: list[Any]) -> None:
    doc = json.loads(SEED.read_text())
    quick = _post(client, SEED.read_bytes())
    as_yaml = _post(client, yaml.safe_dump(doc, allow_unicode=True).encode(), "application/yaml")
    large = json.dumps(doc, indent=2).encode() + b" " * (QUICK_BODY_BYTES + 1)
    as_large = _post(client, large)
    assert len(offloaded) == 2
    assert _same_report(quick, as_yaml) and _same_report(quick, as_large)


def test_the_threshold_is_small() -> None:
    """A quick body is a few seeds' worth, so the loop is held for milliseconds at most."""
    biggest_seed = max(len(p.read_bytes()) for p in (ROOT / "seeds").glob("*.json"))
    assert biggest_seed <= QUICK_BODY_BYTES <= 4 * biggest_seed
