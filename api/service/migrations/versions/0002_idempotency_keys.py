"""Idempotency keys: a retried POST with the same Idempotency-Key answers the stored result.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.service.tables import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column(
            "key", sa.String(64), primary_key=True, comment="sha256 of the client's key and its API key"
        ),
        sa.Column("fingerprint", sa.String(64), nullable=False, comment="sha256 of the request"),
        sa.Column("batch_id", sa.Uuid(), nullable=True),
        sa.Column("evaluation_ids", sa.JSON(), nullable=False, comment="the evaluations stored, in order"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys")
