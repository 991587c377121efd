"""POST /v1/evaluations (and /batch): evaluate and store; GET: the history."""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BeforeValidator

from api.service.db import Cursor, HistoryFilter
from api.service.deps import EvaluateAndStoreDep, RepositoryDep, require_api_key, require_read_key
from api.service.documents import read_body, require_document_type
from api.service.idempotency import idempotent_request
from api.service.problems import ProblemError, problem_responses
from api.service.schemas import BatchResult, EvaluationPage, EvaluationRecord, StoredReport
from api.service.tables import EvaluationRow
from api.service.timing import ServerTiming
from api.service.usecases import EvaluationParams, batch_result_json, evaluation_record_json
from engine.core.jurisdictions import normalise_place
from engine.facts.inputs import InputIssue
from engine.law.severity import SeverityChoice as Severity

log = logging.getLogger("regulint.api")

router = APIRouter(prefix="/v1/evaluations", tags=["evaluations"])

NO_NUL = r"^[^\x00]*$"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}([Tt ].*)?")


def _iso_date_text(value: object) -> object:
    """Only YYYY-MM-DD (pydantic alone would read '0' as a Unix timestamp)."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


def _iso_datetime_text(value: object) -> object:
    if isinstance(value, str) and not _ISO_DATETIME.fullmatch(value):
        raise ValueError("expected an ISO 8601 date or date-time (2026-11-30 or 2026-11-30T12:00:00Z)")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text)]
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_datetime_text)]


async def evaluation_params(
    as_of: Annotated[
        IsoDate | None,
        Query(description="Evaluate the law in force on this date (YYYY-MM-DD); default today (UTC)."),
    ] = None,
    market: Annotated[
        list[str] | None,
        Query(
            description="Only these of the product's markets (repeatable: `market=EU&market=CN`). "
            "A member state counts under its market (DE under EU).",
            max_length=50,
        ),
    ] = None,
) -> EvaluationParams:
    markets: list[str] = []
    issues: list[InputIssue] = []
    for i, code in enumerate(market or []):
        if not code.strip():  # `market=` from a form left empty: no restriction
            continue
        try:
            markets.append(normalise_place(code))
        except ValueError as exc:
            issues.append(
                InputIssue(
                    f"query.market[{i}]",
                    str(exc),
                    "a market code such as EU, DE, CN or US-CA",
                    repr(code)[:80],
                )
            )
    if issues:
        raise ProblemError(
            422, issues[0].message, slug="invalid-parameter", title="Invalid parameter", errors=issues
        )
    return EvaluationParams(as_of, sorted(set(markets)) or None)


ParamsDep = Annotated[EvaluationParams, Depends(evaluation_params)]


_WRITE = problem_responses(400, 401, 403, 408, 413, 415, 422, 500, 503)


@router.post(
    "",
    status_code=201,
    response_model=StoredReport,
    summary="Evaluate a product description and store the report",
    description=(
        "The body is a product description (JSON; YAML with `Content-Type: application/yaml`). "
        "Answers the report, with the `id` and `created_at` under which it is stored, and a "
        "`Location` header naming it. Errors are `application/problem+json` whose `errors[].path` "
        "is a JSON path into the submitted document. Nothing of a failed request is stored. "
        "With `store=false` (the dashboard's rule examples) the report is answered with `id` and "
        "`created_at` null and nothing is stored."
    ),
    responses={
        201: {
            "headers": {
                "Location": {"description": "The stored evaluation.", "schema": {"type": "string"}},
                "Server-Timing": {
                    "description": "Milliseconds spent waiting for an evaluation slot (`wait`), "
                    "evaluating (`evaluate`) and storing (`store`).",
                    "schema": {"type": "string"},
                },
            }
        },
        200: {"model": StoredReport, "description": "With `store=false`: the report, not stored."},
        **_WRITE,
    },
    openapi_extra={"requestBody": {"$ref": "#/components/requestBodies/ProductDescription"}},
    dependencies=[Depends(require_api_key)],
)
async def create_evaluation(
    request: Request,
    params: ParamsDep,
    usecase: EvaluateAndStoreDep,
    store: Annotated[
        bool, Query(description="false: evaluate without storing (a rule's example, a trial run).")
    ] = True,
) -> Response:
    content_type = request.headers.get("content-type")
    require_document_type(content_type)
    timing = ServerTiming()
    async with request.app.state.slots.slot():
        timing.lap("wait")
        body = await read_body(request)
        idempotent = idempotent_request(request, body) if store else None  # nothing stored to replay
        if usecase.prepares_quickly(body, content_type, idempotent):
            prepared = usecase.prepare(body, content_type, params, idempotent, batch=False, store=store)
        else:
            prepared = await run_in_threadpool(
                usecase.prepare, body, content_type, params, idempotent, batch=False, store=store
            )
        timing.lap("evaluate")
    stored = await usecase.store(prepared)  # the commit waits outside the evaluation slot
    (answer,) = stored.answers
    if answer.id is None:
        return Response(answer.body, 200, {"Server-Timing": timing.header()}, "application/json")
    timing.lap("store")
    headers = {"Location": f"/v1/evaluations/{answer.id}", "Server-Timing": timing.header()}
    if stored.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(answer.body, status_code=201, media_type="application/json", headers=headers)


@router.post(
    "/batch",
    status_code=201,
    response_model=BatchResult,
    summary="Evaluate many product descriptions and store every report",
    description=(
        'The body is a list of product descriptions, or `{"items": [...]}`. Every description is '
        "validated first: if any is invalid the answer is 422 naming each bad field "
        "(`[2].data_practices[0].purpose`, or `items[2]…`) and nothing is stored. Otherwise every "
        "report is stored, in one transaction, under one `batch_id`."
    ),
    responses=_WRITE,
    openapi_extra={"requestBody": {"$ref": "#/components/requestBodies/ProductDescriptionBatch"}},
    dependencies=[Depends(require_api_key)],
)
async def create_evaluation_batch(
    request: Request, params: ParamsDep, usecase: EvaluateAndStoreDep
) -> Response:
    content_type = request.headers.get("content-type")
    require_document_type(content_type)
    timing = ServerTiming()
    async with request.app.state.slots.slot():
        timing.lap("wait")
        body = await read_body(request)
        idempotent = idempotent_request(request, body)
        prepared = await run_in_threadpool(
            usecase.prepare, body, content_type, params, idempotent, batch=True
        )
        timing.lap("evaluate")
    stored = await usecase.store(prepared)
    timing.lap("store")
    headers = {"Server-Timing": timing.header()}
    if stored.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(
        batch_result_json(stored), status_code=201, media_type="application/json", headers=headers
    )


# --- history --------------------------------------------------------------------------------


def _summary(row: EvaluationRow) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "created_at": row.created_at.isoformat(),
        "product_id": row.product_id,
        "as_of": row.as_of.isoformat(),
        "markets": row.markets,
        "requested_markets": row.requested_markets,
        "batch_id": str(row.batch_id) if row.batch_id else None,
        "violations": row.violations,
        "by_severity": row.by_severity,
        "worst_severity": row.worst_severity,
        "engine_version": row.engine_version,
        "ruleset_digest": row.ruleset_digest,
    }


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """Aware UTC; a zone offset that pushes the time past year 1 or 9999 is clamped to that bound."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        bound = dt.datetime.max if value.year > 1 else dt.datetime.min
        return bound.replace(tzinfo=dt.UTC)


@router.get(
    "",
    response_model=EvaluationPage,
    summary="List stored evaluations, newest first",
    description=(
        "Paged with `limit` and either `offset` or `cursor` (the `next_cursor` of the previous "
        "page; stable while new evaluations arrive). Filters combine with AND. Date-times without "
        "a zone are read as UTC."
    ),
    responses=problem_responses(401, 422, 500, 503),
    dependencies=[Depends(require_read_key)],
)
def list_evaluations(
    repo: RepositoryDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
    offset: Annotated[
        int, Query(ge=0, le=1_000_000_000, description="Skip this many (ignored with `cursor`).")
    ] = 0,
    cursor: Annotated[
        str | None, Query(max_length=200, pattern=NO_NUL, description="`next_cursor` of the previous page.")
    ] = None,
    product_id: Annotated[
        str | None, Query(max_length=200, pattern=NO_NUL, description="Only this product.")
    ] = None,
    jurisdiction: Annotated[
        str | None,
        Query(
            max_length=16,
            pattern=NO_NUL,
            description="Only evaluations covering this market (EU, CN, US-CA, …).",
        ),
    ] = None,
    severity: Annotated[
        Severity | None, Query(description="Only evaluations with a violation this grave or graver.")
    ] = None,
    created_from: Annotated[IsoDateTime | None, Query(description="Stored at or after this time.")] = None,
    created_to: Annotated[IsoDateTime | None, Query(description="Stored before this time.")] = None,
    as_of_from: Annotated[IsoDate | None, Query(description="Evaluated as of this date or later.")] = None,
    as_of_to: Annotated[IsoDate | None, Query(description="Evaluated as of this date or earlier.")] = None,
    batch_id: Annotated[uuid.UUID | None, Query(description="Only the evaluations of this batch.")] = None,
) -> JSONResponse:
    position = None
    if cursor:
        try:
            position = Cursor.decode(cursor)
        except ValueError:
            raise ProblemError(
                422,
                "cursor is not one this service returned",
                slug="invalid-parameter",
                title="Invalid parameter",
                errors=[
                    InputIssue(
                        "query.cursor", "unknown cursor", "the next_cursor of a page", repr(cursor)[:80]
                    )
                ],
            ) from None
    flt = HistoryFilter(
        product_id=product_id,
        jurisdiction=jurisdiction.strip().upper() if jurisdiction else None,
        severity=severity.value if severity else None,
        created_from=_utc(created_from),
        created_to=_utc(created_to),
        as_of_from=as_of_from,
        as_of_to=as_of_to,
        batch_id=batch_id,
    )
    page = repo.page(flt, limit=limit, offset=offset, cursor=position)
    return JSONResponse({
        "items": [_summary(r) for r in page.rows],
        "total": page.total,
        "limit": limit,
        "offset": page.offset,
        "next_cursor": page.next_cursor,
    })  # fmt: skip


@router.get(
    "/{evaluation_id}",
    response_model=EvaluationRecord,
    summary="One stored evaluation: the document, the report, the ruleset digests and the as-of date",
    responses=problem_responses(401, 404, 500, 503),
    dependencies=[Depends(require_read_key)],
)
def get_evaluation(evaluation_id: str, repo: RepositoryDep) -> Response:
    try:
        key = uuid.UUID(evaluation_id)
    except ValueError:
        key = None
    row = repo.get(key) if key is not None else None
    if row is None:
        raise ProblemError(404, f"no evaluation with id {evaluation_id!r}", slug="evaluation-not-found")
    return Response(evaluation_record_json(row, _summary(row)), media_type="application/json")
