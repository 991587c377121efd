"""The JSON Schemas regulint publishes, by name (``regulint schema``, ``GET /v1/schemas/{name}``)."""

from __future__ import annotations

from typing import Any

from engine.facts.description_schema import description_json_schema
from engine.law.ruleset_schema import ruleset_json_schema

SCHEMAS = {"product": description_json_schema, "ruleset": ruleset_json_schema}


def available_schemas() -> list[str]:
    """The names ``regulint schema`` and ``GET /v1/schemas/{name}`` know."""
    return list(SCHEMAS)


def named_schema(name: str) -> dict[str, Any] | None:
    """``product`` or ``ruleset``; None for a name without a schema."""
    build = SCHEMAS.get(name)
    return build() if build else None
