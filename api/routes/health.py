"""GET /healthz: the engine is loaded and the history database answers."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import EvaluatorDep, RepositoryDep
from api.problems import ProblemError, problem_responses
from api.schemas import Health
from engine.evaluate import engine_version

log = logging.getLogger("regulint.api")

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    response_model=Health,
    summary="Liveness and readiness: 200 when the rulesets are loaded and the database answers",
    responses=problem_responses(503),
)
def healthz(evaluator: EvaluatorDep, repo: RepositoryDep) -> JSONResponse:
    try:
        repo.ping()
    except Exception:
        log.exception("health check: the database does not answer")
        raise ProblemError(503, "the history database does not answer", slug="database-unavailable") from None
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
