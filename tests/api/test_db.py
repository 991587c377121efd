"""The history repository: schema checks, cursors, timestamps."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from api.service.db import Cursor, Repository
from api.service.tables import SchemaMismatch


def test_a_table_of_another_shape_stops_start_up_with_a_clear_message(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE evaluations (id CHAR(32) PRIMARY KEY, report JSON)"))
    engine.dispose()
    repo = Repository.from_url(url)
    with pytest.raises(SchemaMismatch, match="lacks column"):
        repo.create_schema()
    repo.dispose()


def test_create_schema_is_idempotent_and_makes_parent_directories(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a' / 'b' / 'history.db'}"
    for _ in range(2):
        repo = Repository.from_url(url)
        repo.create_schema()
        assert repo.count() == 0
        repo.dispose()


def test_cursor_round_trip_and_rejection() -> None:
    c = Cursor(dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC), uuid.uuid4())
    assert Cursor.decode(c.encode()) == c
    for bad in ("", "!!!", "bm8", Cursor(dt.datetime(2026, 1, 1), uuid.uuid4()).encode()):
        with pytest.raises(ValueError):
            Cursor.decode(bad)
