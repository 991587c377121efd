"""Reports stored zlib-compressed in ``report_zlib``; ``report_json`` keeps the rows stored before.

A faceswap-sized report is ~230 KB of JSON and ~33 KB compressed: each commit writes a seventh of
what it did, to the log and again when it is copied into the database. Rows already stored are
not rewritten (an upgrade at start-up must not copy the whole history); they are read from
``report_json`` as before.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import zlib
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(
            sa.Column(
                "report_zlib",
                sa.LargeBinary(),
                nullable=True,
                comment="the report (JSON, zlib-compressed), as answered",
            )
        )
        _report_json(batch, legacy=True)


def downgrade() -> None:
    conn = op.get_bind()
    table = sa.table(
        "evaluations", sa.column("id", sa.Uuid()), sa.column("report_json", sa.Text()),
        sa.column("report_zlib", sa.LargeBinary()),
    )  # fmt: skip
    rows = conn.execute(sa.select(table.c.id, table.c.report_zlib).where(table.c.report_zlib.is_not(None)))
    for ident, packed in rows.all():
        conn.execute(
            table.update().where(table.c.id == ident).values(report_json=zlib.decompress(packed).decode())
        )
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_column("report_zlib")
        _report_json(batch, legacy=False)


_AS_ANSWERED = "the report (JSON), as answered"
_LEGACY = "the report (JSON) of rows stored before revision 0004"


def _report_json(batch: Any, *, legacy: bool) -> None:
    """``report_json`` as 0004 leaves it (nullable: only older rows use it) or as 0003 had it."""
    batch.alter_column(
        "report_json",
        existing_type=sa.Text(),
        nullable=legacy,
        comment=_LEGACY if legacy else _AS_ANSWERED,
        existing_comment=_AS_ANSWERED if legacy else _LEGACY,
    )
