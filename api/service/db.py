"""Evaluation history: the repository the routes use (the tables: :mod:`api.service.tables`).

SQLite (a file, the default) or PostgreSQL (``postgresql+psycopg://…``), chosen by the URL.
Each stored evaluation keeps what is needed to reproduce and audit it: the submitted document,
the report, the as-of date, the requested markets, the engine version and the ruleset digests.
Violation counts by severity and the jurisdictions evaluated are columns, so history can be
filtered without reading the report.

Several server processes may share one database: SQLite runs in WAL mode with a busy timeout;
on PostgreSQL the schema is created under an advisory lock.

Faults are bounded and named: PostgreSQL connections have a connect timeout, a server-side
``statement_timeout``, TCP keepalives and ``tcp_user_timeout``, and every repository call runs
under a client-side deadline that closes the connection's socket when the server stops
answering (a black-holed network); any database failure is raised as :class:`HistoryUnavailable`,
which the API answers 503 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    create_engine,
    event,
    exists,
    func,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DisconnectionError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from api.service.checkpoints import BACKSTOP_PAGES, Checkpointer
from api.service.commits import GroupCommit, Unit
from api.service.tables import (
    NO_VIOLATION_RANK,
    REPORT_COLUMNS,
    SEVERITIES,
    Base,
    EvaluationRow,
    IdempotencyRow,
    JurisdictionRow,
)
from engine.report.model import Report

log = logging.getLogger("regulint.api.db")


class HistoryUnavailable(RuntimeError):
    """The history database failed or did not answer in time; nothing was stored."""


@dataclass(frozen=True)
class IdempotentRequest:
    """The scoped key and fingerprint of a POST that carried an ``Idempotency-Key``."""

    key: str
    fingerprint: str


class IdempotencyConflict(RuntimeError):
    """Another request stored the same idempotency key first."""


@dataclass(frozen=True)
class NewEvaluation:
    """What the use cases hand to :meth:`Repository.add_all`: one finished evaluation.

    ``report_json`` is the answer as sent (:func:`api.service.usecases.stored_report_json`), so
    what is stored is byte for byte what was returned.
    """

    id: uuid.UUID
    created_at: dt.datetime
    input_json: str
    report: Report
    report_json: bytes  # UTF-8, stored compressed without being decoded
    requested_markets: list[str] | None
    batch_id: uuid.UUID | None = None

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        """The rows to insert, by table: the evaluation, and one per jurisdiction it covered."""
        r = self.report
        counts = {s: int(r.summary.by_severity.get(s, 0)) for s in SEVERITIES}
        worst = next((i for i, s in enumerate(SEVERITIES) if counts[s]), NO_VIOLATION_RANK)
        by_jurisdiction = r.summary.by_jurisdiction
        covered = set(r.markets) | {j for j, n in by_jurisdiction.items() if n}
        rulesets = [{"id": ref.id, "digest": ref.digest} for ref in r.engine.rulesets]
        evaluation = {
            "id": self.id,
            "created_at": self.created_at,
            "product_id": r.product_id,
            "as_of": r.as_of,
            "markets": list(r.markets),
            "requested_markets": self.requested_markets,
            "batch_id": self.batch_id,
            "engine_version": r.engine.version,
            "ruleset_digest": ruleset_digest(rulesets),
            "rulesets": rulesets,
            "violations": r.summary.violations,
            "worst_rank": worst,
            "input_json": self.input_json,
            "report_zlib": self.report_json,
            **counts,
        }
        jurisdictions = [
            {"evaluation_id": self.id, "jurisdiction": j, "violations": int(by_jurisdiction.get(j, 0))}
            for j in sorted(covered)
        ]
        return {EvaluationRow.__tablename__: [evaluation], JurisdictionRow.__tablename__: jurisdictions}


def ruleset_digest(rulesets: Iterable[dict[str, str]]) -> str:
    """One digest over every instrument's digest, in order (as ``RuleSet.digest`` computes it)."""
    import hashlib

    h = hashlib.sha256()
    for ref in rulesets:
        h.update(ref["digest"].encode())
    return "sha256:" + h.hexdigest()


@dataclass(frozen=True)
class HistoryFilter:
    product_id: str | None = None
    jurisdiction: str | None = None
    severity: str | None = None  # at least one violation this grave or graver
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None
    as_of_from: dt.date | None = None
    as_of_to: dt.date | None = None
    batch_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Cursor:
    """Keyset position: the last (created_at, id) of a page, newest first."""

    created_at: dt.datetime
    id: uuid.UUID

    def encode(self) -> str:
        raw = f"{self.created_at.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """Raise ValueError for anything that is not a cursor this service issued."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            stamp, ident = raw.split("|", 1)
            created = dt.datetime.fromisoformat(stamp)
            if created.tzinfo is None:
                raise ValueError
            return cls(created.astimezone(dt.UTC), uuid.UUID(ident))
        except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
            raise ValueError("not a cursor returned by this service") from None


@dataclass
class Page:
    rows: list[EvaluationRow]
    total: int
    next_cursor: str | None
    offset: int = 0


def _prepare_sqlite_path(url: str) -> None:
    parsed = make_url(url)
    db = parsed.database
    if db and db != ":memory:" and not db.startswith("file:"):
        Path(db).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


@dataclass(frozen=True)
class DatabaseTimeouts:
    """Bounds on waiting for the database (seconds)."""

    connect: float = 5.0
    statement: float = 10.0


def make_engine(url: str, timeouts: DatabaseTimeouts | None = None) -> Engine:
    """An engine for ``url``. SQLite gets WAL, a busy timeout and foreign keys on every connection;
    PostgreSQL a connect timeout, ``statement_timeout``, TCP keepalives and ``tcp_user_timeout``."""
    timeouts = timeouts or DatabaseTimeouts()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _prepare_sqlite_path(url)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": timeouts.statement},
            pool_size=16,
            max_overflow=48,
            pool_timeout=timeouts.statement,
        )
        busy_ms = int(timeouts.statement * 1000)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")  # a commit is on disk (WAL fsynced) before a 201
            cur.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")  # api.service.checkpoints
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args = {
            "connect_timeout": max(1, round(timeouts.connect)),
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 10,
            "keepalives_count": 3,
            "tcp_user_timeout": int(timeouts.statement * 1000),
        }
    engine = create_engine(
        url,
        pool_pre_ping=False,  # pinged by _track_sockets' checkout hook, under the caller's deadline
        pool_size=10,
        max_overflow=30,
        pool_timeout=timeouts.statement,
        connect_args=connect_args,
    )
    if engine.dialect.name == "postgresql":
        statement_ms = int(timeouts.statement * 1000)

        @event.listens_for(engine, "connect")
        def _pg_session(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute(f"SET statement_timeout = {statement_ms}")
            cur.close()
            dbapi_conn.commit()

    return engine


_local = threading.local()


def _track_sockets(engine: Engine) -> None:
    """On checkout, remember the connection's socket for :meth:`Repository._deadline`, then ping
    it (PostgreSQL): a dead connection is replaced, a hanging one is cut off by the deadline."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        try:
            getattr(_local, "sockets", set()).add(dbapi_conn.fileno())
            cur = dbapi_conn.cursor()
            cur.execute("SELECT 1")
            cur.close()
            dbapi_conn.rollback()
        except Exception as exc:  # noqa: BLE001 - any failure: let the pool try a fresh connection
            raise DisconnectionError(str(exc)) from exc


class Repository:
    """The evaluation history. Thread-safe: every call opens its own session."""

    def __init__(self, engine: Engine, statement_timeout: float = 10.0):
        self.engine = engine
        self.statement_timeout = statement_timeout
        self._sockets_free = engine.dialect.name == "sqlite"
        _track_sockets(engine)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # SQLite has one writer at a time and its busy handler backs off by sleeping (up to 100 ms
        # a try): threads of one process queue on this lock instead; processes still use the
        # busy timeout. PostgreSQL needs no such lock.
        self._write_lock: AbstractContextManager[Any] = (
            threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
        )
        self._checkpointer = Checkpointer(self._checkpoint) if engine.dialect.name == "sqlite" else None
        self._writer = GroupCommit(
            self._write_transaction,
            self._insert,
            after_commit=self._checkpointer.nudge if self._checkpointer is not None else None,
        )

    @classmethod
    def from_url(cls, url: str, timeouts: DatabaseTimeouts | None = None) -> Repository:
        timeouts = timeouts or DatabaseTimeouts()
        return cls(make_engine(url, timeouts), timeouts.statement)

    @contextmanager
    def _deadline(self, what: str) -> Iterator[None]:
        """Run a database call under a client-side deadline; failures become HistoryUnavailable.

        A server that stops answering mid-statement (a black-holed network) is cut off by shutting
        down the sockets this thread checked out, so the call fails instead of hanging. SQLite has
        no sockets (its waits are bounded by the busy timeout): no timer is started for it.
        """
        if self._sockets_free:
            try:
                yield
            except (SQLAlchemyError, OSError) as exc:
                raise HistoryUnavailable(f"{what}: the history database {_first_line(exc)}") from exc
            return
        sockets: set[int] = set()
        _local.sockets = sockets
        expired = threading.Event()

        def cut() -> None:
            expired.set()
            for fd in list(sockets):
                try:
                    socket.socket(fileno=os.dup(fd)).shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        timer = threading.Timer(self.statement_timeout, cut)
        timer.daemon = True
        timer.start()
        try:
            yield
        except (SQLAlchemyError, OSError) as exc:
            reason = "did not answer in time" if expired.is_set() else _first_line(exc)
            raise HistoryUnavailable(f"{what}: the history database {reason}") from exc
        finally:
            timer.cancel()
            _local.sockets = set()

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def upgrade_schema(self) -> tuple[str | None, str]:
        """Create or upgrade the schema to the newest migration (:mod:`api.service.migrate`)."""
        from api.service.migrate import upgrade

        return upgrade(self.engine)

    create_schema = upgrade_schema  # the name before migrations

    def ping(self) -> None:
        with self._deadline("ping"), self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def check_writable(self, headroom_bytes: int) -> None:
        """Raise HistoryUnavailable unless a write of ``headroom_bytes`` can be stored now.

        SQLite: a real write transaction (the file and its folder are writable), and room for the
        write within ``max_page_count`` and on the filesystem. PostgreSQL: the session is not read-only.
        """
        with self._deadline("health check"):
            if self.backend == "sqlite":
                with self._write_lock, self.engine.connect() as conn:
                    version = conn.exec_driver_sql("PRAGMA user_version").scalar() or 0
                    conn.exec_driver_sql(f"PRAGMA user_version = {int(version)}")  # a committed write
                    conn.commit()
                    page = conn.exec_driver_sql("PRAGMA page_size").scalar() or 4096
                    used = conn.exec_driver_sql("PRAGMA page_count").scalar() or 0
                    free = conn.exec_driver_sql("PRAGMA freelist_count").scalar() or 0
                    most = conn.exec_driver_sql("PRAGMA max_page_count").scalar() or 0
                    room = (most - used + free) * page
                    db = make_url(str(self.engine.url)).database
                if room < headroom_bytes:
                    raise OperationalError("PRAGMA max_page_count", {}, Exception("the database is full"))
                if db and db != ":memory:" and not db.startswith("file:"):
                    stat = os.statvfs(Path(db).expanduser().resolve().parent)
                    if stat.f_bavail * stat.f_frsize < headroom_bytes:
                        raise OperationalError("statvfs", {}, Exception("the disk is full"))
            else:
                with self.engine.connect() as conn:
                    if conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on":
                        raise OperationalError("SHOW transaction_read_only", {}, Exception("read-only"))

    def dispose(self) -> None:
        self._writer.close()
        if self._checkpointer is not None:
            self._checkpointer.close()
        self.engine.dispose()

    def _checkpoint(self) -> None:
        """Copy the committed WAL into the database without blocking anyone (SQLite, PASSIVE)."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def latest_per_product(self) -> list[EvaluationRow]:
        """The newest evaluation of every product (what a portfolio re-evaluation re-runs)."""
        newest = (
            select(EvaluationRow.product_id, func.max(EvaluationRow.created_at).label("at"))
            .group_by(EvaluationRow.product_id)
            .subquery()
        )
        query = select(EvaluationRow).join(
            newest,
            (EvaluationRow.product_id == newest.c.product_id) & (EvaluationRow.created_at == newest.c.at),
        )
        with self._sessions() as session:
            rows = list(session.scalars(query.order_by(EvaluationRow.product_id, EvaluationRow.id.desc())))
        seen: dict[str, EvaluationRow] = {}
        for row in rows:  # two stored in the same instant: either is the latest
            seen.setdefault(row.product_id, row)
        return list(seen.values())

    def add_all(
        self, evaluations: Sequence[NewEvaluation], idempotent: IdempotentRequest | None = None
    ) -> None:
        """Store evaluations in one transaction: all of them or none, with the idempotency key
        that names them (IdempotencyConflict when another request stored that key first).
        Returns once they are committed (:mod:`api.service.commits`: with whatever else is queued)."""
        self.submit(evaluations, idempotent).result()

    async def add_all_async(
        self, evaluations: Sequence[NewEvaluation], idempotent: IdempotentRequest | None = None
    ) -> None:
        """:meth:`add_all` for the event loop: awaits the commit without holding a thread."""
        await asyncio.wrap_future(self.submit(evaluations, idempotent))

    def submit(
        self, evaluations: Sequence[NewEvaluation], idempotent: IdempotentRequest | None = None
    ) -> Future[None]:
        """Queue evaluations for the writer; the future ends when they are committed."""
        rows: dict[str, list[dict[str, Any]]] = {}
        for e in evaluations:
            for table, values in e.rows().items():
                rows.setdefault(table, []).extend(values)
        if idempotent is not None:
            rows[IdempotencyRow.__tablename__] = [
                {
                    "key": idempotent.key,
                    "fingerprint": idempotent.fingerprint,
                    "batch_id": evaluations[0].batch_id if evaluations else None,
                    "evaluation_ids": [str(e.id) for e in evaluations],
                    "created_at": evaluations[0].created_at if evaluations else dt.datetime.now(dt.UTC),
                }
            ]
        conflict = IdempotencyConflict(idempotent.key) if idempotent is not None else None
        return self._writer.submit(Unit(rows, conflict))

    @contextmanager
    def _write_transaction(self) -> Iterator[Connection]:
        with self._deadline("store"), self._write_lock, self.engine.begin() as conn:
            yield conn

    @staticmethod
    def _insert(conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
        conn.execute(insert(Base.metadata.tables[table]), rows)

    def idempotent(self, key: str) -> tuple[IdempotencyRow, list[EvaluationRow]] | None:
        """The stored request of an idempotency key and its evaluations in order, or None."""
        with self._deadline("read"), self._sessions() as session:
            found = session.get(IdempotencyRow, key)
            if found is None:
                return None
            ids = [uuid.UUID(i) for i in found.evaluation_ids]
            query = select(EvaluationRow).where(EvaluationRow.id.in_(ids)).options(*REPORT_COLUMNS)
            rows = {r.id: r for r in session.scalars(query)}
            return found, [rows[i] for i in ids]

    def get(self, evaluation_id: uuid.UUID) -> EvaluationRow | None:
        with self._deadline("read"), self._sessions() as session:
            return session.get(EvaluationRow, evaluation_id, options=REPORT_COLUMNS)

    def count(self) -> int:
        with self._deadline("count"), self._sessions() as session:
            return session.scalar(select(func.count()).select_from(EvaluationRow)) or 0

    def page(self, flt: HistoryFilter, *, limit: int, offset: int = 0, cursor: Cursor | None = None) -> Page:
        """Newest first. With a cursor, the page after it (keyset); otherwise ``offset`` rows in."""
        conditions: list[Any] = []
        if flt.product_id is not None:
            conditions.append(EvaluationRow.product_id == flt.product_id)
        if flt.jurisdiction is not None:
            conditions.append(
                exists().where(
                    JurisdictionRow.evaluation_id == EvaluationRow.id,
                    JurisdictionRow.jurisdiction == flt.jurisdiction,
                )
            )
        if flt.severity is not None:
            conditions.append(EvaluationRow.worst_rank <= SEVERITIES.index(flt.severity))
        if flt.created_from is not None:
            conditions.append(EvaluationRow.created_at >= flt.created_from)
        if flt.created_to is not None:
            conditions.append(EvaluationRow.created_at < flt.created_to)
        if flt.as_of_from is not None:
            conditions.append(EvaluationRow.as_of >= flt.as_of_from)
        if flt.as_of_to is not None:
            conditions.append(EvaluationRow.as_of <= flt.as_of_to)
        if flt.batch_id is not None:
            conditions.append(EvaluationRow.batch_id == flt.batch_id)

        with self._deadline("read"), self._sessions() as session:
            total = session.scalar(select(func.count()).select_from(EvaluationRow).where(*conditions)) or 0
            query = select(EvaluationRow).where(*conditions)
            if cursor is not None:
                query = query.where(
                    or_(
                        EvaluationRow.created_at < cursor.created_at,
                        (EvaluationRow.created_at == cursor.created_at) & (EvaluationRow.id < cursor.id),
                    )
                )
            else:
                query = query.offset(offset)
            query = query.order_by(EvaluationRow.created_at.desc(), EvaluationRow.id.desc()).limit(limit + 1)
            rows = list(session.scalars(query))
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = Cursor(rows[-1].created_at, rows[-1].id).encode() if more and rows else None
        return Page(rows=rows, total=total, next_cursor=next_cursor, offset=offset if cursor is None else 0)


def _first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    text = str(cause).strip().splitlines()
    return f"failed ({cause.__class__.__name__}: {text[0][:200] if text else ''})"
