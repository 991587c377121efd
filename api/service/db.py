"""Evaluation history: SQLAlchemy 2 models and the repository the routes use.

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

import base64
import binascii
import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    create_engine,
    event,
    exists,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.engine import Dialect, Engine, make_url
from sqlalchemy.exc import DisconnectionError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker
from sqlalchemy.types import TypeDecorator

from engine.law.severity import NO_SEVERITY_RANK, SEVERITIES
from engine.report.model import Report

log = logging.getLogger("regulint.api.db")

_NO_VIOLATION_RANK = NO_SEVERITY_RANK  # worst_rank of a compliant evaluation


class SchemaMismatch(RuntimeError):
    """The database holds tables of an incompatible shape."""


class HistoryUnavailable(RuntimeError):
    """The history database failed or did not answer in time; nothing was stored."""


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


class EvaluationRow(Base):
    __tablename__ = "evaluations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    product_id: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    as_of: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    markets: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    requested_markets: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    batch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True, index=True)
    engine_version: Mapped[str] = mapped_column(String(64), nullable=False)
    ruleset_digest: Mapped[str] = mapped_column(String(80), nullable=False)
    violations: Mapped[int] = mapped_column(Integer, nullable=False)
    critical: Mapped[int] = mapped_column(Integer, nullable=False)
    high: Mapped[int] = mapped_column(Integer, nullable=False)
    medium: Mapped[int] = mapped_column(Integer, nullable=False)
    low: Mapped[int] = mapped_column(Integer, nullable=False)
    worst_rank: Mapped[int] = mapped_column(
        Integer, nullable=False, index=True, comment="0 critical … 3 low, 4 no violation"
    )
    rulesets: Mapped[list[dict[str, str]]] = mapped_column(
        JSON, nullable=False, comment="[{id, digest}] of every instrument at evaluation time"
    )
    input_json: Mapped[str] = mapped_column(Text, nullable=False, comment="the submitted description (JSON)")
    report_json: Mapped[str] = mapped_column(Text, nullable=False, comment="the report (JSON), as answered")

    jurisdictions: Mapped[list[JurisdictionRow]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan", lazy="raise"
    )

    __table_args__ = (Index("ix_evaluations_created_id", "created_at", "id"),)

    @property
    def worst_severity(self) -> str | None:
        return SEVERITIES[self.worst_rank] if self.worst_rank < len(SEVERITIES) else None

    @property
    def by_severity(self) -> dict[str, int]:
        return {s: getattr(self, s) for s in SEVERITIES}


class JurisdictionRow(Base):
    """One jurisdiction an evaluation covered, with its violation count (for filtering)."""

    __tablename__ = "evaluation_jurisdictions"

    evaluation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("evaluations.id", ondelete="CASCADE"), primary_key=True
    )
    jurisdiction: Mapped[str] = mapped_column(String(16), primary_key=True)
    violations: Mapped[int] = mapped_column(Integer, nullable=False)

    evaluation: Mapped[EvaluationRow] = relationship(back_populates="jurisdictions")

    __table_args__ = (Index("ix_evaluation_jurisdictions_jurisdiction", "jurisdiction", "evaluation_id"),)


class JobRow(Base):
    """A background re-evaluation of every stored product against the current rulesets."""

    __tablename__ = "reevaluation_jobs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    as_of: Mapped[dt.date] = mapped_column(Date, nullable=False)
    ruleset_digest: Mapped[str] = mapped_column(String(80), nullable=False)
    total: Mapped[int] = mapped_column(Integer, nullable=False)


class JobItemRow(Base):
    """One product of a job: queued, claimed by a worker (running), then done or failed."""

    __tablename__ = "reevaluation_items"

    job_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("reevaluation_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    source_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, comment="the evaluation re-run")
    status: Mapped[str] = mapped_column(String(16), nullable=False, comment="queued, running, done, failed")
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    result_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True, comment="the new evaluation")
    added: Mapped[list[str] | None] = mapped_column(JSON, nullable=True, comment="rule ids now violated")
    removed: Mapped[list[str] | None] = mapped_column(
        JSON, nullable=True, comment="rule ids no longer violated"
    )
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_reevaluation_items_status", "status", "job_id"),)


class IdempotencyRow(Base):
    """A POST made with an ``Idempotency-Key``: what it stored, so a retry answers the same."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(
        String(64), primary_key=True, comment="sha256 of the client's key and its API key"
    )
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False, comment="sha256 of the request")
    batch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    evaluation_ids: Mapped[list[str]] = mapped_column(
        JSON, nullable=False, comment="the evaluations stored, in order"
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


@dataclass(frozen=True)
class IdempotentRequest:
    """The scoped key and fingerprint of a POST that carried an ``Idempotency-Key``."""

    key: str
    fingerprint: str


class IdempotencyConflict(RuntimeError):
    """Another request stored the same idempotency key first."""


@dataclass(frozen=True)
class NewEvaluation:
    """What the routes hand to :meth:`Repository.add_all`: one finished evaluation.

    The document and the report are kept as the JSON text answered to the client, so what is
    stored is byte for byte what was returned.
    """

    id: uuid.UUID
    created_at: dt.datetime
    input_json: str
    report: Report
    report_json: str
    requested_markets: list[str] | None
    batch_id: uuid.UUID | None = None

    def row(self) -> EvaluationRow:
        r = self.report
        counts = {s: int(r.summary.by_severity.get(s, 0)) for s in SEVERITIES}
        worst = next((i for i, s in enumerate(SEVERITIES) if counts[s]), _NO_VIOLATION_RANK)
        by_jurisdiction = r.summary.by_jurisdiction
        covered = set(r.markets) | {j for j, n in by_jurisdiction.items() if n}
        rulesets = [{"id": ref.id, "digest": ref.digest} for ref in r.engine.rulesets]
        row = EvaluationRow(
            id=self.id,
            created_at=self.created_at,
            product_id=r.product_id,
            as_of=r.as_of,
            markets=list(r.markets),
            requested_markets=self.requested_markets,
            batch_id=self.batch_id,
            engine_version=r.engine.version,
            ruleset_digest=ruleset_digest(rulesets),
            rulesets=rulesets,
            violations=r.summary.violations,
            worst_rank=worst,
            input_json=self.input_json,
            report_json=self.report_json,
            **counts,
        )
        row.jurisdictions = [
            JurisdictionRow(jurisdiction=j, violations=int(by_jurisdiction.get(j, 0)))
            for j in sorted(covered)
        ]
        return row


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
        _track_sockets(engine)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # SQLite has one writer at a time and its busy handler backs off by sleeping (up to 100 ms
        # a try): threads of one process queue on this lock instead; processes still use the
        # busy timeout. PostgreSQL needs no such lock.
        self._write_lock: AbstractContextManager[Any] = (
            threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
        )

    @classmethod
    def from_url(cls, url: str, timeouts: DatabaseTimeouts | None = None) -> Repository:
        timeouts = timeouts or DatabaseTimeouts()
        return cls(make_engine(url, timeouts), timeouts.statement)

    @contextmanager
    def _deadline(self, what: str) -> Iterator[None]:
        """Run a database call under a client-side deadline; failures become HistoryUnavailable.

        A server that stops answering mid-statement (a black-holed network) is cut off by shutting
        down the sockets this thread checked out, so the call fails instead of hanging.
        """
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
        self.engine.dispose()

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
        that names them (IdempotencyConflict when another request stored that key first)."""
        rows: list[Any] = [e.row() for e in evaluations]
        if idempotent is not None:
            rows.append(
                IdempotencyRow(
                    key=idempotent.key,
                    fingerprint=idempotent.fingerprint,
                    batch_id=evaluations[0].batch_id if evaluations else None,
                    evaluation_ids=[str(e.id) for e in evaluations],
                    created_at=evaluations[0].created_at if evaluations else dt.datetime.now(dt.UTC),
                )
            )
        try:
            with self._deadline("store"), self._write_lock, self._sessions.begin() as session:
                session.add_all(rows)
        except HistoryUnavailable as exc:
            if idempotent is not None and isinstance(exc.__cause__, IntegrityError):
                raise IdempotencyConflict(idempotent.key) from None
            raise

    def idempotent(self, key: str) -> tuple[IdempotencyRow, list[EvaluationRow]] | None:
        """The stored request of an idempotency key and its evaluations in order, or None."""
        with self._deadline("read"), self._sessions() as session:
            found = session.get(IdempotencyRow, key)
            if found is None:
                return None
            ids = [uuid.UUID(i) for i in found.evaluation_ids]
            rows = {r.id: r for r in session.scalars(select(EvaluationRow).where(EvaluationRow.id.in_(ids)))}
            return found, [rows[i] for i in ids]

    def get(self, evaluation_id: uuid.UUID) -> EvaluationRow | None:
        with self._deadline("read"), self._sessions() as session:
            return session.get(EvaluationRow, evaluation_id)

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
