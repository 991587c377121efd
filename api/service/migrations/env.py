"""Alembic environment: runs on the connection :func:`api.service.migrate.upgrade` hands it (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from api.service.tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
