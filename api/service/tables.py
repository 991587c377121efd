"""The history's schema: the SQLAlchemy tables of stored evaluations, jobs and idempotency keys.

What the repository (:mod:`api.service.db`) reads and writes and what the migrations
(:mod:`api.service.migrate`, ``migrations/``) bring a database to. Imports nothing of the service,
so both may import it without a cycle.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zlib

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, undefer
from sqlalchemy.types import TypeDecorator

from engine.law.severity import NO_SEVERITY_RANK, SEVERITIES

NO_VIOLATION_RANK = NO_SEVERITY_RANK  # worst_rank of a compliant evaluation


class SchemaMismatch(RuntimeError):
    """The database holds tables of an incompatible shape."""


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


class ZlibBytes(TypeDecorator[bytes]):
    """UTF-8 text stored zlib-compressed (level 1), read back as the same bytes. A report's JSON
    (~230 KB for a product with a hundred violations) shrinks ~7x, and with it what each commit
    writes to the log and the database file; compressing happens where the row is bound, in the
    history writer's thread, which releases the GIL while zlib runs."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | bytes | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return zlib.compress(value if isinstance(value, bytes) else value.encode(), 1)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else zlib.decompress(value)


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
    # the report is loaded only where it is read (REPORT_COLUMNS): a page of the history lists
    # summaries, and reading a deferred report elsewhere raises instead of querying again
    report_zlib: Mapped[bytes | None] = mapped_column(
        ZlibBytes,
        nullable=True,
        comment="the report (JSON, zlib-compressed), as answered",
        deferred=True,
        deferred_raiseload=True,
    )
    legacy_report_json: Mapped[str | None] = mapped_column(
        "report_json",
        Text,
        nullable=True,
        comment="the report (JSON) of rows stored before revision 0004",
        deferred=True,
        deferred_raiseload=True,
    )

    jurisdictions: Mapped[list[JurisdictionRow]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan", lazy="raise"
    )

    __table_args__ = (Index("ix_evaluations_created_id", "created_at", "id"),)

    @property
    def report_bytes(self) -> bytes:
        """The report (UTF-8 JSON) as answered, from whichever column holds it."""
        if self.report_zlib is not None:
            return self.report_zlib
        if self.legacy_report_json is None:
            raise ValueError(f"evaluation {self.id} holds no report")
        return self.legacy_report_json.encode()

    @property
    def report_json(self) -> str:
        """:attr:`report_bytes` as text."""
        return self.report_bytes.decode()

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


#: The loader options of a query whose rows' reports are read (:attr:`EvaluationRow.report_json`).
REPORT_COLUMNS = (undefer(EvaluationRow.report_zlib), undefer(EvaluationRow.legacy_report_json))
