"""Optional dependencies (the package's extras): a clear "install regulint[…]" instead of a traceback."""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtra(ImportError):
    """A feature needs a dependency of an extra that is not installed."""

    def __init__(self, feature: str, module: str, extra: str) -> None:
        self.extra = extra
        super().__init__(f"{feature} needs {module}, which is not installed: pip install 'regulint[{extra}]'")


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtra` naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(feature, module, extra) from None


def require_server() -> None:
    """Everything ``regulint serve`` and ``api.service.app`` import beyond the core install."""
    for module in ("fastapi", "uvicorn", "sqlalchemy", "alembic"):
        require(module, "server", "the HTTP API (regulint serve)")
