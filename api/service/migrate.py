"""The history schema, managed with Alembic: ``regulint serve`` and ``regulint db upgrade`` bring
a database to the newest revision in place.

Migrations live in ``api/service/migrations/versions/`` (``0001_baseline`` is the schema regulint 0.1.0
created without migrations; a database of that shape without Alembic's version table is stamped
``0001`` and upgraded). To change the schema:

1. change the tables in :mod:`api.service.tables`;
2. add ``api/service/migrations/versions/NNNN_what.py`` with ``revision = "NNNN"`` and
   ``down_revision`` = the previous head, and ``upgrade()`` written with ``alembic.op``
   (``op.create_table``, ``op.add_column``; SQLite runs in batch mode, so ``with
   op.batch_alter_table(...)`` works for column changes) — ``script.py.mako`` is the template;
3. add a test that upgrades a database of the previous head (``tests/api/test_migrations.py``).

Upgrades run under a PostgreSQL advisory lock (SQLite: retried), so workers starting together are safe.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from api.service.tables import Base, SchemaMismatch

log = logging.getLogger("regulint.api.db")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
# the columns of each table at the baseline: an unversioned database must have them to be stamped
_BASELINE_TABLES = {
    "evaluations": {
        "id", "created_at", "product_id", "as_of", "markets", "requested_markets", "batch_id",
        "engine_version", "ruleset_digest", "violations", "critical", "high", "medium", "low",
        "worst_rank", "rulesets", "input_json", "report_json",
    },
    "evaluation_jurisdictions": {"evaluation_id", "jurisdiction", "violations"},
}  # fmt: skip


def _config(connection: Any) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest revision this version of regulint knows."""
    return ScriptDirectory.from_config(_config(None)).get_current_head() or BASELINE


def current(engine: Engine) -> str | None:
    """The database's revision (None: not managed by Alembic yet)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, attempts: int = 5) -> tuple[str | None, str]:
    """Bring the database to :func:`head`; returns (revision before, revision after)."""
    for attempt in range(1, attempts + 1):
        try:
            return _upgrade_once(engine)
        except DBAPIError:
            if attempt == attempts:
                raise
            log.warning("upgrading the schema failed (attempt %d); retrying", attempt, exc_info=True)
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _upgrade_once(engine: Engine) -> tuple[str | None, str]:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(7243114591)"))
        before = MigrationContext.configure(conn).get_current_revision()
        cfg = _config(conn)
        if before is None:
            present = set(inspect(conn).get_table_names())
            if present & set(_BASELINE_TABLES):
                _check_baseline(conn)
                command.stamp(cfg, BASELINE)  # made by regulint 0.1.0, before migrations
        try:
            command.upgrade(cfg, "head")
        except CommandError as exc:
            raise SchemaMismatch(
                f"the history database is at revision {before!r}, which this regulint does not know "
                f"(newest: {head()}): it was made by a newer version ({exc})"
            ) from None
        _check_columns(conn)
        return before, MigrationContext.configure(conn).get_current_revision() or head()


def _check_baseline(conn: Any) -> None:
    inspector = inspect(conn)
    for table, columns in _BASELINE_TABLES.items():
        if not inspector.has_table(table):
            raise SchemaMismatch(f"the history lacks the table {table!r}: it is not a regulint history")
        present = {c["name"] for c in inspector.get_columns(table)}
        _refuse_missing(table, columns - present)


def _check_columns(conn: Any) -> None:
    """Refuse to start on a history whose tables lack columns this version writes."""
    inspector = inspect(conn)
    for table in Base.metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        _refuse_missing(table.name, set(table.columns.keys()) - present)


def _refuse_missing(table: str, missing: set[str]) -> None:
    if missing:
        raise SchemaMismatch(
            f"the history table {table!r} lacks column(s) {', '.join(sorted(missing))}: it was "
            "created by another program or version; point REGULINT_DATABASE_URL at a new database"
        )
