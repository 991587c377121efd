"""GET (and HEAD) /healthz: the engine is loaded and the history can be written."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.service.db import HistoryUnavailable
from api.service.deps import EvaluatorDep, RepositoryDep, SettingsDep
from api.service.problems import ProblemError, problem_responses
from api.service.schemas import Health
from engine.evaluate.evaluator import engine_version

log = logging.getLogger("regulint.api")

router = APIRouter(tags=["health"])


@router.head("/healthz", include_in_schema=False)
@router.get(
    "/healthz",
    response_model=Health,
    summary="Liveness and readiness: 200 when the rulesets are loaded and the history can be written",
    responses=problem_responses(503),
)
def healthz(evaluator: EvaluatorDep, repo: RepositoryDep, settings: SettingsDep) -> JSONResponse:
    try:
        repo.check_writable(settings.max_body_bytes)
    except HistoryUnavailable as exc:
        log.error("health check: %s", exc)
        raise ProblemError(503, f"{exc}", slug="database-unavailable", headers={"Retry-After": "5"}) from None
    rs = evaluator.ruleset
    return JSONResponse(
        {
            "status": "ok",
            "engine_version": engine_version(),
            "backend": "durable_rules" if evaluator.backend == "durable" else evaluator.backend,
            "rulesets": len(rs.instruments),
            "rules": len(rs.rules),
            "ruleset_digest": rs.digest,
            "database": repo.backend,
        },
        headers={"Cache-Control": "no-store"},
    )
