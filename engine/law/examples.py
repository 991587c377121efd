"""Rule examples: a product description, or a named base with some paths set or unset."""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine.core.docpath import delete_path, set_path
from engine.core.spans import Span
from engine.law.model import Example


def _json_dates(value: Any) -> Any:
    """A fresh copy of ``value`` in plain dicts and lists, holding dates as JSON does (ISO text:
    YAML reads ``2026-01-01`` as a date)."""
    if isinstance(value, dict):
        return {k: _json_dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_dates(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def expand_example(raw: Any, bases: dict[str, dict[str, Any]], span: Span | None = None) -> Example:
    """An example is a product, or ``{base: NAME, set: {path: value}, unset: [path], as_of: DATE}``
    (written at ``span``)."""
    product, as_of = _expand_example(raw, bases)
    return Example(product=product, as_of=as_of, span=span)


def _expand_example(raw: Any, bases: dict[str, dict[str, Any]]) -> tuple[dict[str, Any], Any]:
    """The product (a fresh copy, dates as text) and the example's ``as_of``."""
    if not isinstance(raw, dict):
        raise ValueError(f"an example is a product description or {{base: NAME, set: {{...}}}}, got {raw!r}")
    if "base" not in raw:
        product = _json_dates(raw)
        product.pop("as_of", None)
        return product, raw.get("as_of")
    extra = set(raw) - {"base", "set", "unset", "as_of"}
    if extra:
        raise ValueError(f"unknown keys in example: {sorted(extra)}; expected base, set, unset, as_of")
    if raw["base"] not in bases:
        raise ValueError(f"unknown example base {raw['base']!r}; defined: {sorted(bases)}")
    product = _json_dates(bases[raw["base"]])
    for path, value in (raw.get("set") or {}).items():
        try:
            set_path(product, path, _json_dates(value))
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"cannot set {path!r} in base {raw['base']!r}") from None
    for path in raw.get("unset") or []:
        try:
            delete_path(product, path)
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"cannot unset {path!r} in base {raw['base']!r}") from None
    return product, raw.get("as_of")
