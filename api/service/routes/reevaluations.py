"""POST /v1/reevaluations: re-evaluate every stored product in the background; GET: its progress."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.service.deps import EvaluatorDep, RepositoryDep, require_api_key
from api.service.jobs import create_job, job_status
from api.service.problems import ProblemError, problem_responses
from api.service.routes.evaluations import IsoDate

router = APIRouter(prefix="/v1/reevaluations", tags=["reevaluations"])


def _status(repo: Any, job_id: uuid.UUID) -> dict[str, Any]:
    status = job_status(repo, job_id)
    if status is None:
        raise ProblemError(404, f"no re-evaluation with id {str(job_id)!r}", slug="reevaluation-not-found")
    return status.to_dict()


@router.post(
    "",
    status_code=202,
    summary="Re-evaluate every stored product against the current rulesets (a background job)",
    description=(
        "Queues the newest evaluation of every product in the history. Each is evaluated again "
        "(its document and requested markets) as of `as_of` (default today, UTC) and stored with "
        "the job's id as `batch_id`. Answers 202 with the job's progress and a `Location` to poll. "
        "`added`/`removed` count, per rule id, the products that now violate it or no longer do."
    ),
    responses=problem_responses(401, 422, 500),
    dependencies=[Depends(require_api_key)],
)
async def start_reevaluation(
    request: Request,
    repo: RepositoryDep,
    evaluator: EvaluatorDep,
    as_of: Annotated[IsoDate | None, Query(description="Evaluate as of this date; default today.")] = None,
) -> JSONResponse:
    day = as_of or dt.datetime.now(dt.UTC).date()
    job_id = await run_in_threadpool(create_job, repo, day, evaluator.ruleset.digest)
    request.app.state.worker.kick()
    body = await run_in_threadpool(_status, repo, job_id)
    return JSONResponse(body, status_code=202, headers={"Location": f"/v1/reevaluations/{job_id}"})


@router.get(
    "/{job_id}",
    summary="A re-evaluation's progress: total, done, failed, and the findings it adds or removes",
    responses=problem_responses(404, 422, 500),
)
def get_reevaluation(job_id: uuid.UUID, repo: RepositoryDep) -> JSONResponse:
    return JSONResponse(_status(repo, job_id))
