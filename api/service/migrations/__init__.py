"""Alembic migrations of the evaluation history (see :mod:`api.service.migrate`)."""
