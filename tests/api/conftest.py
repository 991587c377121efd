"""Fixtures of the HTTP API tests: apps on temporary SQLite files, PostgreSQL schemas, live servers."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from apihelpers import ROOT, LiveServer, postgres_url
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.service.app import create_app
from api.service.settings import Settings
from engine.evaluate.evaluator import Evaluator, default_evaluator


@pytest.fixture(scope="session")
def evaluator() -> Evaluator:
    return default_evaluator()


@pytest.fixture
def make_app(tmp_path: Path, evaluator: Evaluator) -> Iterator[Callable[..., Any]]:
    """Build apps on a SQLite file under tmp_path (the same file each call unless told otherwise)."""
    apps: list[Any] = []

    def _make(**overrides: Any) -> Any:
        fields: dict[str, Any] = {
            "database_url": f"sqlite:///{tmp_path / 'history.db'}",
            "seeds_dir": ROOT / "seeds",
        }
        fields.update(overrides)
        app = create_app(Settings(**fields), evaluator=evaluator)
        apps.append(app)
        return app

    yield _make
    for app in apps:
        app.state.repository.dispose()


@pytest.fixture
def client(make_app: Callable[..., Any]) -> Iterator[TestClient]:
    with TestClient(make_app()) as c:
        yield c


# --- PostgreSQL -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The server named by REGULINT_TEST_POSTGRES_URL; unreachable is a failure, not a skip."""
    url = postgres_url()
    engine = create_engine(url, pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect is reported the same way
        pytest.fail(
            f"PostgreSQL is unreachable at {make_url(url).render_as_string(hide_password=True)} "
            f"({exc.__class__.__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}). "
            "Start it (scripts/setup does) or point REGULINT_TEST_POSTGRES_URL at one.",
            pytrace=False,
        )
    finally:
        engine.dispose()
    return url


@pytest.fixture
def postgres_schema_url(postgres_server: str) -> Iterator[str]:
    """A URL whose connections work in a fresh schema of their own; the schema is dropped after."""
    schema = f"regulint_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_server).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# --- live servers (regulint serve in a subprocess) ----------------------------------------------


@pytest.fixture(scope="module")
def live_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`regulint serve --workers 2` on a SQLite file of its own (two processes, one WAL database)."""
    db = tmp_path_factory.mktemp("live") / "history.db"
    server = LiveServer({"REGULINT_DATABASE_URL": f"sqlite:///{db}"}, workers=2)
    try:
        server.wait_ready()
        server.database_url = f"sqlite:///{db}"  # type: ignore[attr-defined]
        yield server
    finally:
        server.stop()
