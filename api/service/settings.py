"""Service settings, read from ``REGULINT_*`` environment variables (no extra dependency).

| variable | default | meaning |
|---|---|---|
| ``REGULINT_DATABASE_URL`` | ``sqlite:///./regulint.db`` | SQLAlchemy URL of the evaluation history (``postgresql+psycopg://…`` for PostgreSQL) |
| ``REGULINT_API_KEYS`` | unset | comma-separated keys (16+ visible ASCII characters each); when set, POSTs and the history need ``Authorization: Bearer <key>`` |
| ``REGULINT_READ_KEYS`` | unset | comma-separated keys that may read the history but not POST |
| ``REGULINT_MAX_BODY_BYTES`` | ``1048576`` (1 MiB) | larger request bodies are answered 413 without being read |
| ``REGULINT_MAX_BATCH_ITEMS`` | ``100`` | most descriptions one batch request may hold |
| ``REGULINT_MAX_PRACTICES`` / ``_RECIPIENTS`` / ``_TRANSFERS`` | ``200`` / ``50`` / ``50`` | data practices per description; recipients and transfers per practice |
| ``REGULINT_MAX_RESPONSE_BYTES`` | ``16777216`` (16 MiB) | most report JSON one request may produce (a batch stops and stores nothing past it) |
| ``REGULINT_MAX_CONCURRENT_EVALUATIONS`` | ``2`` | evaluating requests one worker runs at once |
| ``REGULINT_MAX_QUEUED_EVALUATIONS`` | ``64`` | evaluating requests waiting for a slot; past it 503 with ``Retry-After`` |
| ``REGULINT_HEADER_TIMEOUT`` | ``10`` s | a connection that has not sent a whole request head in this time is closed |
| ``REGULINT_BODY_TIMEOUT`` | ``30`` s | a request body not received in full in this time is answered 408 |
| ``REGULINT_KEEPALIVE_TIMEOUT`` | ``5`` s | an idle keep-alive connection is closed after this |
| ``REGULINT_DB_CONNECT_TIMEOUT`` | ``5`` s | connecting to the database (PostgreSQL) |
| ``REGULINT_DB_STATEMENT_TIMEOUT`` | ``10`` s | one database operation, client-side deadline and PostgreSQL ``statement_timeout`` (SQLite: busy timeout) |
| ``REGULINT_SEEDS_DIR`` | the shipped ``seeds/`` (package data) | example descriptions shown in the OpenAPI schema |
| ``REGULINT_STATIC_DIR`` | ``api/service/static`` | the dashboard's files |
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from engine.core import resources
from engine.facts.inputs import InputLimits

DEFAULT_DATABASE_URL = "sqlite:///./regulint.db"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_MAX_BATCH_ITEMS = 100
_KEY = re.compile(r"^[\x21-\x7e]{16,512}$")


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


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if not 0 < value <= 3600:
        raise SettingsError(f"{name} must be a number of seconds between 0 and 3600, got {raw!r}")
    return value


def parse_keys(name: str, raw: str | None) -> frozenset[str]:
    """Comma-separated API keys. Unset or empty means none; anything else must be well formed:
    a blank value (``" "``), an empty entry (``"a,,b"``) or a short key stops start-up rather
    than silently turning authentication off."""
    if raw is None or raw == "":
        return frozenset()
    parts = [p.strip() for p in raw.split(",")]
    if not any(parts):
        raise SettingsError(f"{name} is set but holds no key; unset it to run without keys")
    for i, part in enumerate(parts):
        if not part:
            raise SettingsError(f"{name}: entry {i + 1} is empty (stray comma?)")
        if not _KEY.match(part):
            raise SettingsError(
                f"{name}: entry {i + 1} is not a key: use 16 to 512 visible ASCII characters, no spaces"
            )
    return frozenset(parts)


@dataclass(frozen=True)
class Settings:
    """Everything the app factory needs; build one with :meth:`from_env` or directly in tests."""

    database_url: str = DEFAULT_DATABASE_URL
    api_keys: frozenset[str] = field(default_factory=frozenset, repr=False)  # never printed
    read_keys: frozenset[str] = field(default_factory=frozenset, repr=False)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_batch_items: int = DEFAULT_MAX_BATCH_ITEMS
    input_limits: InputLimits = field(default_factory=InputLimits)
    max_response_bytes: int = 16 * 1024 * 1024
    max_concurrent_evaluations: int = 2
    max_queued_evaluations: int = 64
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    keepalive_timeout: float = 5.0
    db_connect_timeout: float = 5.0
    db_statement_timeout: float = 10.0
    seeds_dir: Path = field(default_factory=resources.seeds_dir)
    static_dir: Path = Path(__file__).resolve().parent / "static"

    @property
    def auth_required(self) -> bool:
        return bool(self.api_keys or self.read_keys)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        defaults = cls()
        try:
            limits = InputLimits.from_env(env)
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        keys = parse_keys("REGULINT_API_KEYS", env.get("REGULINT_API_KEYS"))
        read_keys = parse_keys("REGULINT_READ_KEYS", env.get("REGULINT_READ_KEYS"))
        if read_keys and not keys:
            raise SettingsError("REGULINT_READ_KEYS needs REGULINT_API_KEYS (else nobody could POST)")
        if keys & read_keys:
            raise SettingsError("a key is in both REGULINT_API_KEYS and REGULINT_READ_KEYS")
        return cls(
            database_url=env.get("REGULINT_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
            api_keys=keys,
            read_keys=read_keys,
            max_body_bytes=_positive_int(env, "REGULINT_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            max_batch_items=_positive_int(env, "REGULINT_MAX_BATCH_ITEMS", DEFAULT_MAX_BATCH_ITEMS),
            input_limits=limits,
            max_response_bytes=_positive_int(env, "REGULINT_MAX_RESPONSE_BYTES", defaults.max_response_bytes),
            max_concurrent_evaluations=_positive_int(
                env, "REGULINT_MAX_CONCURRENT_EVALUATIONS", defaults.max_concurrent_evaluations
            ),
            max_queued_evaluations=_positive_int(
                env, "REGULINT_MAX_QUEUED_EVALUATIONS", defaults.max_queued_evaluations
            ),
            header_timeout=_seconds(env, "REGULINT_HEADER_TIMEOUT", defaults.header_timeout),
            body_timeout=_seconds(env, "REGULINT_BODY_TIMEOUT", defaults.body_timeout),
            keepalive_timeout=_seconds(env, "REGULINT_KEEPALIVE_TIMEOUT", defaults.keepalive_timeout),
            db_connect_timeout=_seconds(env, "REGULINT_DB_CONNECT_TIMEOUT", defaults.db_connect_timeout),
            db_statement_timeout=_seconds(
                env, "REGULINT_DB_STATEMENT_TIMEOUT", defaults.db_statement_timeout
            ),
            seeds_dir=Path(env["REGULINT_SEEDS_DIR"])
            if env.get("REGULINT_SEEDS_DIR")
            else defaults.seeds_dir,
            static_dir=Path(env["REGULINT_STATIC_DIR"])
            if env.get("REGULINT_STATIC_DIR")
            else defaults.static_dir,
        )
