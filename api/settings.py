"""Service settings, read from ``REGULINT_*`` environment variables (no extra dependency).

| variable | default | meaning |
|---|---|---|
| ``REGULINT_DATABASE_URL`` | ``sqlite:///./regulint.db`` | SQLAlchemy URL of the evaluation history (``postgresql+psycopg://…`` for PostgreSQL) |
| ``REGULINT_API_KEYS`` | unset | comma-separated keys; when set, POST endpoints need ``Authorization: Bearer <key>`` |
| ``REGULINT_MAX_BODY_BYTES`` | ``1048576`` (1 MiB) | larger request bodies are answered 413 without being read |
| ``REGULINT_MAX_BATCH_ITEMS`` | ``100`` | most descriptions one batch request may hold |
| ``REGULINT_SEEDS_DIR`` | the shipped ``seeds/`` (package data) | example descriptions shown in the OpenAPI schema |
| ``REGULINT_STATIC_DIR`` | ``api/static`` | the dashboard's files |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from engine import resources

DEFAULT_DATABASE_URL = "sqlite:///./regulint.db"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_MAX_BATCH_ITEMS = 100


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use."""


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a positive whole number, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"{name} must be a positive whole number, got {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the app factory needs; build one with :meth:`from_env` or directly in tests."""

    database_url: str = DEFAULT_DATABASE_URL
    api_keys: frozenset[str] = field(default_factory=frozenset, repr=False)  # never printed
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_batch_items: int = DEFAULT_MAX_BATCH_ITEMS
    seeds_dir: Path = field(default_factory=resources.seeds_dir)
    static_dir: Path = Path(__file__).resolve().parent / "static"

    @property
    def auth_required(self) -> bool:
        return bool(self.api_keys)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        keys = frozenset(k.strip() for k in env.get("REGULINT_API_KEYS", "").split(",") if k.strip())
        defaults = cls()
        return cls(
            database_url=env.get("REGULINT_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
            api_keys=keys,
            max_body_bytes=_positive_int(env, "REGULINT_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            max_batch_items=_positive_int(env, "REGULINT_MAX_BATCH_ITEMS", DEFAULT_MAX_BATCH_ITEMS),
            seeds_dir=Path(env["REGULINT_SEEDS_DIR"])
            if env.get("REGULINT_SEEDS_DIR")
            else defaults.seeds_dir,
            static_dir=Path(env["REGULINT_STATIC_DIR"])
            if env.get("REGULINT_STATIC_DIR")
            else defaults.static_dir,
        )
