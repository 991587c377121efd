"""The history as regulint 0.1.0 created it (before migrations): evaluations and their jurisdictions.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.service.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("product_id", sa.String(200), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("markets", sa.JSON(), nullable=False),
        sa.Column("requested_markets", sa.JSON(), nullable=True),
        sa.Column("batch_id", sa.Uuid(), nullable=True),
        sa.Column("engine_version", sa.String(64), nullable=False),
        sa.Column("ruleset_digest", sa.String(80), nullable=False),
        sa.Column("violations", sa.Integer(), nullable=False),
        sa.Column("critical", sa.Integer(), nullable=False),
        sa.Column("high", sa.Integer(), nullable=False),
        sa.Column("medium", sa.Integer(), nullable=False),
        sa.Column("low", sa.Integer(), nullable=False),
        sa.Column("worst_rank", sa.Integer(), nullable=False, comment="0 critical … 3 low, 4 no violation"),
        sa.Column(
            "rulesets",
            sa.JSON(),
            nullable=False,
            comment="[{id, digest}] of every instrument at evaluation time",
        ),
        sa.Column("input_json", sa.Text(), nullable=False, comment="the submitted description (JSON)"),
        sa.Column("report_json", sa.Text(), nullable=False, comment="the report (JSON), as answered"),
    )
    op.create_index("ix_evaluations_as_of", "evaluations", ["as_of"])
    op.create_index("ix_evaluations_batch_id", "evaluations", ["batch_id"])
    op.create_index("ix_evaluations_created_id", "evaluations", ["created_at", "id"])
    op.create_index("ix_evaluations_product_id", "evaluations", ["product_id"])
    op.create_index("ix_evaluations_worst_rank", "evaluations", ["worst_rank"])
    op.create_table(
        "evaluation_jurisdictions",
        sa.Column(
            "evaluation_id", sa.Uuid(), sa.ForeignKey("evaluations.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("jurisdiction", sa.String(16), primary_key=True),
        sa.Column("violations", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_evaluation_jurisdictions_jurisdiction",
        "evaluation_jurisdictions",
        ["jurisdiction", "evaluation_id"],
    )


def downgrade() -> None:
    op.drop_table("evaluation_jurisdictions")
    op.drop_table("evaluations")
