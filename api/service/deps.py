"""FastAPI dependencies: what a route needs, taken from the app that serves it (no globals).

They are ``async def`` because none of them waits on anything: FastAPI runs a plain ``def``
dependency in its thread pool, and a request with six of them paid six thread hand-offs."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from api.service.catalog import Catalog
from api.service.db import Repository
from api.service.problems import ProblemError
from api.service.settings import Settings
from api.service.usecases import EvaluateAndStore
from engine.evaluate.evaluator import Evaluator


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_evaluator(request: Request) -> Evaluator:
    return request.app.state.evaluator


async def get_repository(request: Request) -> Repository:
    return request.app.state.repository


async def get_catalog(request: Request) -> Catalog:
    return request.app.state.catalog


SettingsDep = Annotated[Settings, Depends(get_settings)]
EvaluatorDep = Annotated[Evaluator, Depends(get_evaluator)]
RepositoryDep = Annotated[Repository, Depends(get_repository)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]


async def get_evaluate_and_store(
    evaluator: EvaluatorDep, repository: RepositoryDep, settings: SettingsDep
) -> EvaluateAndStore:
    return EvaluateAndStore(evaluator, repository, settings)


EvaluateAndStoreDep = Annotated[EvaluateAndStore, Depends(get_evaluate_and_store)]


def _presented_key(request: Request, settings: Settings) -> str | None:
    """Which configured key the request presents: "write", "read", or a 401 problem.

    Keys are compared in constant time against every key, never logged and never echoed.
    """
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    challenge = {"WWW-Authenticate": 'Bearer realm="regulint"'}
    if scheme.lower() != "bearer" or not token:
        raise ProblemError(
            401, "this endpoint needs an API key: Authorization: Bearer <key>", headers=challenge
        )
    given = token.encode("utf-8", "surrogateescape")
    # compare against every key, without stopping early, so timing reveals nothing about which matched
    write = read = False
    for key in settings.api_keys:
        write |= hmac.compare_digest(given, key.encode("utf-8"))
    for key in settings.read_keys:
        read |= hmac.compare_digest(given, key.encode("utf-8"))
    if write:
        return "write"
    if read:
        return "read"
    raise ProblemError(
        401,
        "the API key is not valid",
        headers={**challenge, "WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


async def require_api_key(request: Request, settings: SettingsDep) -> None:
    """When keys are set, writing (POST) needs ``Authorization: Bearer <key>`` of ``REGULINT_API_KEYS``."""
    if not settings.auth_required:
        return
    if _presented_key(request, settings) != "write":
        raise ProblemError(403, "this key may read the history but not evaluate (REGULINT_READ_KEYS)")


async def require_read_key(request: Request, settings: SettingsDep) -> None:
    """When keys are set, the history (stored documents and reports) needs any configured key."""
    if settings.auth_required:
        _presented_key(request, settings)
