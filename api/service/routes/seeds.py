"""GET /v1/seeds, /v1/seeds/{name}: the example product descriptions (``seeds/*.json``), read-only.

The dashboard's Evaluate view offers them as starting points. They are the same files the app
loads at start-up for the OpenAPI examples (``app.state.seeds``, from ``REGULINT_SEEDS_DIR``).
"""

from __future__ import annotations

import difflib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.service.problems import ProblemError, problem_responses

router = APIRouter(prefix="/v1/seeds", tags=["seeds"])


class SeedOut(BaseModel):
    name: str = Field(description="The file name without `.json`: GET /v1/seeds/{name} returns it.")
    id: str | None = Field(description="The description's `id`.")
    title: str | None = Field(description="The description's `name`, if it has one.")
    markets: list[str] = Field(description="The description's `markets`.")


class SeedList(BaseModel):
    items: list[SeedOut]


def _seeds(request: Request) -> dict[str, Any]:
    return getattr(request.app.state, "seeds", None) or {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@router.get(
    "",
    response_model=SeedList,
    summary="The example product descriptions shipped in seeds/",
    responses=problem_responses(500),
)
def list_seeds(request: Request) -> JSONResponse:
    items = []
    for name, data in sorted(_seeds(request).items()):
        if not isinstance(data, dict):
            continue
        markets = data.get("markets")
        items.append({
            "name": name,
            "id": _text(data.get("id")),
            "title": _text(data.get("name")),
            "markets": [m for m in markets if isinstance(m, str)] if isinstance(markets, list) else [],
        })  # fmt: skip
    return JSONResponse({"items": items})


@router.get(
    "/{name}",
    summary="One example product description, as stored (POST it to /v1/evaluations)",
    responses={
        200: {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ProductDescription"}}}
        },
        **problem_responses(404, 500),
    },
)
def get_seed(name: str, request: Request) -> JSONResponse:
    seeds = _seeds(request)
    data = seeds.get(name.removesuffix(".json"))
    if not isinstance(data, dict):
        near = difflib.get_close_matches(name, list(seeds), n=1)
        raise ProblemError(
            404,
            f"no example {name!r}" + (f"; did you mean {near[0]!r}?" if near else ""),
            slug="seed-not-found",
        )
    return JSONResponse(data)
