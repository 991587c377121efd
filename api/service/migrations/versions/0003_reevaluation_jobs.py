"""Portfolio re-evaluation jobs: a job per request, an item per product, claimed by workers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.service.tables import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reevaluation_jobs",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("ruleset_digest", sa.String(80), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
    )
    op.create_table(
        "reevaluation_items",
        sa.Column(
            "job_id", sa.Uuid(), sa.ForeignKey("reevaluation_jobs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("product_id", sa.String(200), primary_key=True),
        sa.Column("source_id", sa.Uuid(), nullable=False, comment="the evaluation re-run"),
        sa.Column("status", sa.String(16), nullable=False, comment="queued, running, done, failed"),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("result_id", sa.Uuid(), nullable=True, comment="the new evaluation"),
        sa.Column("added", sa.JSON(), nullable=True, comment="rule ids now violated"),
        sa.Column("removed", sa.JSON(), nullable=True, comment="rule ids no longer violated"),
        sa.Column("error", sa.Text(), nullable=True),
    )
    op.create_index("ix_reevaluation_items_status", "reevaluation_items", ["status", "job_id"])


def downgrade() -> None:
    op.drop_index("ix_reevaluation_items_status", table_name="reevaluation_items")
    op.drop_table("reevaluation_items")
    op.drop_table("reevaluation_jobs")
