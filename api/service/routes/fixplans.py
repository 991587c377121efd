"""POST /v1/fix-plans: the verified fix plan of a description (what ``regulint fix`` prints)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.service.deps import EvaluatorDep, require_api_key
from api.service.documents import invalid_description, parse_body, read_body, validate_product
from api.service.problems import ProblemError, problem_responses
from api.service.routes.evaluations import ParamsDep, Severity
from engine.decide.protocol import EngineError
from engine.evaluate.evaluator import Evaluator
from engine.facts.inputs import InputError
from engine.fix.plan import plan_fixes
from engine.law.severity import Severity as SeverityName

log = logging.getLogger("regulint.api")

router = APIRouter(prefix="/v1/fix-plans", tags=["fix plans"])

#: The most work one request may ask for (the search stops there and says so).
MAX_TIME_BUDGET = 30.0
MAX_EDITS = 500


class PlanFinding(BaseModel):
    rule_id: str
    jurisdiction: str
    severity: SeverityName
    subject: str = Field(description="JSON path of the practice or transfer concerned; '' for the product.")
    title: str


class PlanEdit(BaseModel):
    op: Literal["set", "add_item", "remove_items", "delete"]
    path: str = Field(description="JSON path into the submitted description.")
    value: Any = Field(description="The value set, the item added, or the items removed.")
    previous: Any = Field(description="What the description held there (null when absent).")
    kind: str = Field(
        description="label, notice, consent, governance, safeguard, retention, contract; "
        "scope or market only with allow_scope_changes."
    )
    text: str = Field(
        description='In words, with what it clears: "set `x` to true — clears 5 findings in CN and EU".'
    )
    clears: list[PlanFinding] = Field(description="The findings that come back without this edit.")


class UnclearedFinding(PlanFinding):
    reason: str = Field(description="Why no edit clears it (a prohibited practice, a conflict, the budget).")


class FixPlanAnswer(BaseModel):
    """A fix plan, verified by evaluating the patched description."""

    product_id: str
    as_of: dt.date
    markets: list[str] | None
    fail_on: SeverityName
    allow_scope_changes: bool
    findings_before: int = Field(description="Targeted violations before the plan.")
    findings_after: int = Field(
        description="Targeted violations of the patched description (see `uncleared`)."
    )
    clears_all: bool
    edits: list[PlanEdit] = Field(description="Ordered by findings cleared, then severity.")
    patch: list[dict[str, Any]] = Field(
        description="The plan as an RFC 6902 JSON Patch on the submitted document."
    )
    patched: dict[str, Any] = Field(description="The patched description (load it to re-evaluate).")
    uncleared: list[UnclearedFinding]
    complete: bool = Field(description="False when the time or edit budget cut the search short.")
    minimal: bool = Field(description="Every edit was shown needed: dropping any one brings a finding back.")
    verified: bool
    evaluations: int
    elapsed_ms: int


def _plan(
    body: bytes, content_type: str | None, evaluator: Evaluator, as_of: dt.date, markets: list[str] | None,
    fail_on: str, allow_scope_changes: bool, time_budget: float, max_edits: int,
) -> dict[str, Any]:  # fmt: skip
    data = parse_body(body, content_type)
    try:
        validate_product(data)
    except InputError as exc:
        raise invalid_description(exc.issues) from None
    try:
        plan = plan_fixes(
            data, as_of=as_of, markets=markets, fail_on=fail_on, allow_scope_changes=allow_scope_changes,
            evaluator=evaluator, time_budget=time_budget, max_edits=max_edits,
        )  # fmt: skip
    except EngineError:
        log.exception("the engine failed while planning fixes")
        raise ProblemError(
            500,
            "the rules engine could not evaluate this description",
            slug="engine-error",
            title="Engine error",
        ) from None
    return plan.to_dict()


@router.post(
    "",
    response_model=FixPlanAnswer,
    summary="The smallest set of edits that clears a description's violations, verified",
    description=(
        "The body is a product description (JSON; YAML with `Content-Type: application/yaml`). "
        "Answers the fix plan `regulint fix --format json` prints: edits a team can make (with the "
        "findings each clears), the same as an RFC 6902 JSON Patch, the patched description, and "
        "the findings no edit clears with the reason. Nothing is stored. The search is bounded by "
        f"`time_budget` (at most {MAX_TIME_BUDGET:g} s) and `max_edits`; a plan cut short says so "
        "(`complete: false`)."
    ),
    responses=problem_responses(400, 401, 413, 422, 500),
    openapi_extra={"requestBody": {"$ref": "#/components/requestBodies/ProductDescription"}},
    dependencies=[Depends(require_api_key)],
)
async def create_fix_plan(
    request: Request,
    params: ParamsDep,
    evaluator: EvaluatorDep,
    fail_on: Annotated[
        Severity, Query(description="Clear the violations at least this severe.")
    ] = Severity.low,
    allow_scope_changes: Annotated[
        bool, Query(description="Also propose dropping a data category, market or feature.")
    ] = False,
    time_budget: Annotated[
        float, Query(gt=0, le=MAX_TIME_BUDGET, description="Seconds the search may take.")
    ] = 10.0,
    max_edits: Annotated[int, Query(ge=1, le=MAX_EDITS, description="The most edits a plan may hold.")] = 200,
) -> dict[str, Any]:
    body = await read_body(request)
    as_of = params.as_of or dt.datetime.now(dt.UTC).date()
    return await run_in_threadpool(
        _plan, body, request.headers.get("content-type"), evaluator, as_of, params.markets,
        fail_on.value, allow_scope_changes, time_budget, max_edits,
    )  # fmt: skip
