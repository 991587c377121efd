"""The FastAPI application factory: ``create_app(settings=None)``.

``regulint serve`` runs ``uvicorn api.service.app:create_app --factory``; every worker process builds
its own app (its own compiled rulesets and database pool) from the ``REGULINT_*`` environment,
and all of them share the one history database.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles

from api.processes import die_with_serving_parent
from api.service import problems
from api.service.catalog import Catalog
from api.service.db import DatabaseTimeouts, Repository
from api.service.jobs import Worker
from api.service.limits import BodyLimitMiddleware, EvaluationSlots
from api.service.problems import PROBLEM_MEDIA_TYPE, Problem
from api.service.routes import catalog, dashboard, evaluations, fixplans, health, reevaluations
from api.service.routes import schemas as schema_routes
from api.service.routes import seeds as seed_routes
from api.service.settings import Settings
from engine.evaluate.evaluator import Evaluator, default_evaluator, engine_version
from engine.facts.product import Product

log = logging.getLogger("regulint.api")

DESCRIPTION = """\
regulint checks a product description (its data practices and synthetic media) against the
privacy and AI-content law of each market it ships to, and answers with the violations, the
article behind each, the fix and the penalty range.

* `POST /v1/evaluations` evaluates one description and stores the report in the history.
* Errors are `application/problem+json` (RFC 9457): `type`, `title`, `status`, `detail`,
  `instance`, and `errors: [{path, message, expected, given}]` where `path` is a JSON path into
  the submitted document (`data_practices[0].consent.explicit`).
* When the server is started with `REGULINT_API_KEYS`, POST endpoints and the history (which
  holds submitted documents) need `Authorization: Bearer <key>`; the catalog, seeds, health and
  the dashboard's files stay public. Keys of `REGULINT_READ_KEYS` may read the history only.
* A POST body is `application/json` or `application/yaml` (else 415); an `Idempotency-Key`
  header makes a retried POST answer the stored result instead of storing it twice.
* Database failures answer 503 with `Retry-After`; so does a worker already evaluating its limit
  of requests.
"""


def load_seeds(seeds_dir: Path) -> dict[str, Any]:
    """``seeds/*.json`` by file stem; a file that is not JSON is skipped with a warning."""
    out: dict[str, Any] = {}
    if not seeds_dir.is_dir():
        return out
    for path in sorted(seeds_dir.glob("*.json")):
        try:
            out[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            log.warning("seed %s skipped: %s", path, exc)
    return out


def _component_schemas() -> dict[str, Any]:
    """The product description and problem schemas, with their sub-schemas, as OpenAPI components."""
    out: dict[str, Any] = {}
    product = Product.model_json_schema(ref_template="#/components/schemas/Product_{model}")
    for name, sub in product.pop("$defs", {}).items():
        out[f"Product_{name}"] = sub
    product["title"] = "ProductDescription"
    out["ProductDescription"] = product
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    out.update(problem.pop("$defs", {}))
    out["Problem"] = problem
    return out


def build_openapi(app: FastAPI, settings: Settings, seeds: dict[str, Any]) -> dict[str, Any]:
    schema = get_openapi(
        title="regulint",
        version=engine_version(),
        description=DESCRIPTION,
        routes=app.routes,
        tags=[
            {"name": "evaluations", "description": "Evaluate descriptions; the stored history."},
            {
                "name": "fix plans",
                "description": "The smallest verified set of edits that clears violations.",
            },
            {"name": "catalog", "description": "Jurisdictions, instruments and rules."},
            {"name": "health", "description": "Liveness and readiness."},
        ],
    )
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(_component_schemas())
    # FastAPI documents its own 422 format; this service answers every 422 as a problem document
    problem_422 = {
        "description": "Invalid request",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            responses = operation.get("responses", {})
            if "HTTPValidationError" in json.dumps(responses.get("422", {})):
                responses["422"] = problem_422
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    examples = {name: {"summary": f"seeds/{name}.json", "value": value} for name, value in seeds.items()}
    single: dict[str, Any] = {"schema": {"$ref": "#/components/schemas/ProductDescription"}}
    if examples:
        single["examples"] = examples
    many_schema = {
        "$ref": "#/components/schemas/ProductDescription",
    }
    batch: dict[str, Any] = {
        "schema": {
            "anyOf": [
                {"type": "array", "items": many_schema, "minItems": 1, "maxItems": settings.max_batch_items},
                {
                    "type": "object",
                    "properties": {
                        "items": {
                            "type": "array",
                            "items": many_schema,
                            "minItems": 1,
                            "maxItems": settings.max_batch_items,
                        }
                    },
                    "required": ["items"],
                    "additionalProperties": False,
                },
            ]
        }
    }
    if seeds:
        batch["examples"] = {
            "seeds": {
                "summary": "every seed, as a list",
                "value": list(seeds.values())[: settings.max_batch_items],
            },
            "items": {"summary": "the {items: […]} form", "value": {"items": list(seeds.values())[:2]}},
        }
    components["requestBodies"] = {
        "ProductDescription": {
            "required": True,
            "description": f"A product description (at most {settings.max_body_bytes} bytes).",
            "content": {"application/json": single},
        },
        "ProductDescriptionBatch": {
            "required": True,
            "description": f"Product descriptions (at most {settings.max_batch_items}, "
            f"{settings.max_body_bytes} bytes in all).",
            "content": {"application/json": batch},
        },
    }
    if settings.auth_required:
        components["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer", "description": "One of REGULINT_API_KEYS."}
        }
        for path, item in schema.get("paths", {}).items():
            if "post" in item:
                item["post"]["security"] = [{"bearer": []}]
            if path.startswith("/v1/evaluations") and "get" in item:
                item["get"]["security"] = [{"bearer": []}]
    return schema


def create_app(
    settings: Settings | None = None,
    *,
    evaluator: Evaluator | None = None,
    repository: Repository | None = None,
) -> FastAPI:
    """Build the app: compile the rulesets, open the history database and create its schema."""
    die_with_serving_parent()  # a `serve --workers` child ends with its supervisor
    settings = settings or Settings.from_env()
    evaluator = evaluator or default_evaluator()
    repository = repository or Repository.from_url(
        settings.database_url, DatabaseTimeouts(settings.db_connect_timeout, settings.db_statement_timeout)
    )
    repository.create_schema()
    seeds = load_seeds(settings.seeds_dir)

    worker = Worker(repository, evaluator)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        worker.kick()  # items a stopped server left queued or running
        yield
        worker.stop()
        repository.dispose()

    app = FastAPI(
        title="regulint",
        version=engine_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.evaluator = evaluator
    app.state.repository = repository
    app.state.worker = worker
    app.state.catalog = Catalog(evaluator.ruleset)
    app.state.seeds = seeds
    app.state.slots = EvaluationSlots(settings.max_concurrent_evaluations, settings.max_queued_evaluations)

    problems.install(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, timeout=settings.body_timeout)

    app.include_router(evaluations.router)
    app.include_router(reevaluations.router)
    app.include_router(fixplans.router)
    app.include_router(catalog.router)
    app.include_router(seed_routes.router)
    app.include_router(schema_routes.router)
    app.include_router(health.router)
    if settings.static_dir.is_dir():
        app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")
    app.include_router(dashboard.router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app, settings, seeds)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
