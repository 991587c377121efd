"""GET /v1/schemas/{name}: the JSON Schemas users bind their files to (``product``: a description;
``ruleset``: one ruleset file, when the engine provides its schema)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.service.problems import ProblemError, problem_responses
from engine.law.schemas import available_schemas, named_schema

router = APIRouter(prefix="/v1/schemas", tags=["schemas"])


@router.get(
    "/{name}",
    summary="A JSON Schema: product (a description) or ruleset (a ruleset file)",
    response_class=JSONResponse,
    responses={200: {"content": {"application/schema+json": {}}}, **problem_responses(404)},
)
def get_schema(name: str) -> JSONResponse:
    schema: dict[str, Any] | None = named_schema(name)
    if schema is None:
        raise ProblemError(
            404, f"no schema {name!r}; known: {', '.join(available_schemas())}", slug="not-found"
        )
    return JSONResponse(schema, media_type="application/schema+json")
