"""WAL checkpoints off the request path: a commit no longer copies the log into the database
itself (unless the backstop is reached); a thread does it after commits, and the log is kept short."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from apihelpers import product

from api.service.checkpoints import BACKSTOP_PAGES, Checkpointer
from api.service.db import Repository
from api.service.settings import Settings
from api.service.usecases import EvaluateAndStore, EvaluationParams
from engine.evaluate.evaluator import Evaluator
from engine.facts.inputs import product_from_data


def test_commits_checkpoint_in_the_background_and_the_log_stays_short(
    tmp_path: Path, evaluator: Evaluator
) -> None:
    repo = Repository.from_url(f"sqlite:///{tmp_path / 'h.db'}")
    repo.create_schema()
    with repo.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == BACKSTOP_PAGES
    usecase = EvaluateAndStore(evaluator, repo, Settings())
    doc = product(id="wal")
    for _ in range(40):  # ~40 answers of a few KB each: more than one checkpoint's worth of commits
        usecase.evaluate_and_store(
            [(doc, product_from_data(doc))], EvaluationParams(dt.date(2026, 11, 30), None)
        )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the checkpointer catches up with the last commit
        with repo.engine.connect() as conn:
            busy, log_frames, done = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        if repo._checkpointer.runs and done == log_frames:  # type: ignore[union-attr]
            break
        time.sleep(0.05)
    assert repo._checkpointer.runs >= 1  # type: ignore[union-attr]
    assert busy == 0 and done == log_frames
    repo.dispose()
    assert repo._checkpointer._thread is None  # type: ignore[union-attr]


def test_a_checkpointer_runs_at_most_once_per_interval_and_survives_failures() -> None:
    runs: list[float] = []

    def checkpoint() -> None:
        runs.append(time.monotonic())
        if len(runs) == 1:
            raise OSError("disk gone for a moment")

    cp = Checkpointer(checkpoint, interval=0.1)
    stop = time.monotonic() + 0.55
    while time.monotonic() < stop:  # commits far more often than the interval
        cp.nudge()
        time.sleep(0.001)
    cp.close()
    assert 3 <= len(runs) <= 7  # ~one per 0.1 s, not one per nudge; the failed one did not stop it
    assert all(b - a >= 0.09 for a, b in zip(runs, runs[1:], strict=False))
    after = len(runs)
    cp.nudge()  # closed: no new thread
    time.sleep(0.05)
    assert len(runs) == after and cp._thread is None


def test_postgres_repositories_have_no_checkpointer() -> None:
    """PostgreSQL checkpoints itself; the hook is SQLite's alone (no engine is connected here)."""
    from sqlalchemy import create_engine

    repo = Repository(create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    assert repo._checkpointer is None
    repo.dispose()
