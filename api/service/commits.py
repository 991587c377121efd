"""Group commit: one writer thread stores every queued evaluation in one transaction.

A request hands its rows to :meth:`GroupCommit.submit` and waits on the future it gets back; the
future is resolved only after the transaction holding its rows has committed (SQLite with
``synchronous=FULL``: the WAL is on disk), so a 201 still means stored. While one transaction
commits, the next requests queue; the writer then takes all of them at once, so N requests that
arrive together cost one commit (one fsync), not N.

There is no batch window: when the queue is empty the writer commits the first request at once
and a lone client waits for exactly one commit, as without group commit. A group whose
transaction fails on a unique key (two requests with the same ``Idempotency-Key``) is stored
again one request at a time, so each learns its own outcome; any other failure fails the group.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

log = logging.getLogger("regulint.api.db")

#: The most requests one transaction stores (a bound on its size, not a wait).
MAX_GROUP = 256


@dataclass
class Unit:
    """One request's rows, stored all or none, and the future its request waits on."""

    rows: dict[str, list[dict[str, Any]]]  # table name -> rows, inserted in this order of tables
    conflict: Exception | None = None  # raised instead when a unique key (idempotency) is taken
    future: Future[None] = field(default_factory=Future)


class GroupCommit:
    """The writer: ``transaction()`` opens a transaction (a context manager yielding a
    :class:`~sqlalchemy.engine.Connection`) whose failures the repository maps to its own errors;
    ``insert(conn, table, rows)`` stores rows of one table; ``after_commit()`` is called once the
    requests of a committed transaction have their answers (SQLite: to checkpoint the WAL)."""

    def __init__(
        self,
        transaction: Callable[[], Any],
        insert: Callable[[Connection, str, list[dict[str, Any]]], None],
        name: str = "history-writer",
        after_commit: Callable[[], None] | None = None,
    ):
        self._transaction = transaction
        self._insert = insert
        self._after_commit = after_commit
        self._queue: queue.SimpleQueue[Unit | None] = queue.SimpleQueue()
        self._name = name
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self.commits = 0  # transactions committed (a group of one included)
        self.stored = 0  # units stored

    def submit(self, unit: Unit) -> Future[None]:
        """Queue ``unit``; its future ends when its rows are committed (or with the error)."""
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                    self._thread.start()
        self._queue.put(unit)
        return unit.future

    def close(self) -> None:
        """Store what is queued, then end the writer."""
        thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join()
            self._thread = None

    def _run(self) -> None:
        while True:
            first = self._queue.get()  # blocks while idle: a lone request is taken at once
            if first is None:
                return
            group, stop = [first], False
            while len(group) < MAX_GROUP:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                group.append(more)
            group = [u for u in group if u.future.set_running_or_notify_cancel()]
            if group:
                self._commit(group)
            if stop:
                return

    def _commit(self, group: Sequence[Unit]) -> None:
        try:
            self._store(group)
        except Exception as exc:  # noqa: BLE001 - every waiting request learns the failure
            if len(group) > 1 and _unique_violation(exc):
                for unit in group:  # which one holds a taken key: each alone
                    self._commit([unit])
                return
            for unit in group:
                unit.future.set_exception(_for_unit(unit, exc))
            return
        for unit in group:
            unit.future.set_result(None)
        if self._after_commit is not None:
            self._after_commit()

    def _store(self, group: Sequence[Unit]) -> None:
        tables: dict[str, list[dict[str, Any]]] = {}
        for unit in group:
            for table, rows in unit.rows.items():
                tables.setdefault(table, []).extend(rows)
        with self._transaction() as conn:
            for table, rows in tables.items():
                if rows:
                    self._insert(conn, table, rows)
        self.commits += 1
        self.stored += len(group)


def _unique_violation(exc: BaseException) -> bool:
    return isinstance(exc, IntegrityError) or isinstance(exc.__cause__, IntegrityError)


def _for_unit(unit: Unit, exc: Exception) -> Exception:
    """The error one request raises: its own conflict, or its own copy of the group's failure
    (one exception object raised in several threads would collect all their tracebacks)."""
    if unit.conflict is not None and _unique_violation(exc):
        return unit.conflict
    try:
        copy = type(exc)(*exc.args)
    except Exception:  # noqa: BLE001 - an exception type that cannot be rebuilt: share it
        return exc
    copy.__cause__ = exc.__cause__
    return copy
