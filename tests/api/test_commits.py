"""Group commit (api/service/commits.py): what queues during a commit is stored in the next one,
each request learns its own outcome, and a lone request is not held back."""

from __future__ import annotations

import statistics
import threading
import time
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from api.service.commits import GroupCommit, Unit


class FakeDatabase:
    """Transactions that record what they commit; the first can be held open; a key taken twice
    in one transaction (or already committed) fails it, as a unique index would."""

    def __init__(self) -> None:
        self.committed: list[list[str]] = []  # the keys of each transaction
        self.hold = threading.Event()
        self.hold.set()
        self.entered = threading.Event()

    @contextmanager
    def transaction(self):  # noqa: ANN201
        keys: list[str] = []
        self.entered.set()
        self.hold.wait(10)
        yield keys
        taken = {k for t in self.committed for k in t}
        if len(set(keys)) < len(keys) or taken & set(keys):
            raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))
        self.committed.append(keys)

    @staticmethod
    def insert(keys: list[str], table: str, rows: list[dict[str, Any]]) -> None:
        keys.extend(r["key"] for r in rows)


def unit(key: str) -> Unit:
    return Unit({"t": [{"key": key}]}, conflict=KeyError(key))


def test_what_queues_during_a_commit_is_stored_in_one_transaction() -> None:
    db = FakeDatabase()
    writer = GroupCommit(db.transaction, db.insert)
    db.hold.clear()
    first = writer.submit(unit("a"))
    assert db.entered.wait(5)  # the writer is inside the first transaction
    rest = [writer.submit(unit(k)) for k in "bcdefghijk"]
    assert not first.done()  # no answer before the commit
    db.hold.set()
    for f in [first, *rest]:
        f.result(5)
    writer.close()
    assert db.committed == [["a"], list("bcdefghijk")]
    assert (writer.commits, writer.stored) == (2, 11)


def test_a_taken_key_fails_only_its_own_request() -> None:
    db = FakeDatabase()
    writer = GroupCommit(db.transaction, db.insert)
    db.hold.clear()
    blocker = writer.submit(unit("x"))
    assert db.entered.wait(5)
    mine, twin, other = writer.submit(unit("k")), writer.submit(unit("k")), writer.submit(unit("o"))
    db.hold.set()
    blocker.result(5)
    mine.result(5)
    other.result(5)
    with pytest.raises(KeyError):  # the unit's own conflict, not the group's error
        twin.result(5)
    writer.close()
    assert sorted(k for t in db.committed for k in t) == ["k", "o", "x"]


def test_any_other_failure_reaches_every_request_of_the_group() -> None:
    def failing():  # noqa: ANN202
        raise RuntimeError("the history database did not answer in time")

    writer = GroupCommit(failing, FakeDatabase.insert)
    futures = [writer.submit(unit(k)) for k in "abc"]
    errors = [f.exception(5) for f in futures]
    writer.close()
    assert all(isinstance(e, RuntimeError) and "did not answer" in str(e) for e in errors)
    assert len({id(e) for e in errors}) == 3  # each its own exception object


def _round_trips(n: int) -> list[float]:
    """A bare thread hand-off and back (what a lone request's commit costs beyond the commit)."""
    ask, done = threading.Event(), threading.Event()

    def serve() -> None:
        for _ in range(n):
            ask.wait()
            ask.clear()
            done.set()

    threading.Thread(target=serve, daemon=True).start()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        ask.set()
        done.wait(5)
        done.clear()
        out.append(time.perf_counter() - t0)
    return out


def test_a_lone_request_is_committed_at_once() -> None:
    """No batch window: with nothing queued, a commit starts as soon as the request arrives, so a
    lone request waits a thread hand-off (measured beside it: the machine is shared), not a timer."""
    db = FakeDatabase()
    writer = GroupCommit(db.transaction, db.insert)
    writer.submit(unit("warm")).result(5)
    waits = []
    for k in range(30):
        t0 = time.perf_counter()
        writer.submit(unit(f"k{k}")).result(5)
        waits.append(time.perf_counter() - t0)
    writer.close()
    assert writer.commits == 31
    hand_off = statistics.median(_round_trips(30))
    assert statistics.median(waits) < max(0.002, 4 * hand_off), (waits, hand_off)
