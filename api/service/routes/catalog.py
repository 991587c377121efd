"""GET /v1/jurisdictions, /v1/instruments, /v1/rules, /v1/rules/{rule_id}: the rule catalog."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from api.service.deps import CatalogDep
from api.service.problems import ProblemError, problem_responses
from api.service.routes.evaluations import Severity
from api.service.schemas import InstrumentList, JurisdictionList, RuleList
from engine.core import taxonomy
from engine.law.catalog import RuleDetail

router = APIRouter(prefix="/v1", tags=["catalog"])


def _json(model: BaseModel) -> Response:
    """The response model serialised once, as it is (it was validated when the catalog was built)."""
    return Response(model.model_dump_json(), media_type="application/json")


@router.get(
    "/jurisdictions",
    response_model=JurisdictionList,
    summary="The markets regulint knows, with the instruments encoded for each",
    responses=problem_responses(500),
)
def list_jurisdictions(catalog: CatalogDep) -> Response:
    return _json(JurisdictionList(items=catalog.jurisdictions))


@router.get(
    "/instruments",
    response_model=InstrumentList,
    summary="The legal instruments encoded, with their digests and penalty tiers",
    responses=problem_responses(422, 500),
)
def list_instruments(
    catalog: CatalogDep,
    jurisdiction: Annotated[
        str | None, Query(max_length=16, description="Only this market's instruments.")
    ] = None,
) -> Response:
    items = catalog.instruments
    if jurisdiction:
        items = [i for i in items if i.jurisdiction == jurisdiction.strip().upper()]
    return _json(InstrumentList(items=items))


@router.get(
    "/rules",
    response_model=RuleList,
    summary="The rules, filtered",
    description="`q` matches every word (case-insensitive; a simple stem and synonyms such as "
    "kid/child/minor, face/biometric, label/watermark) against id, title, citation, requirement, "
    "remediation, instrument title and note.",
    responses=problem_responses(422, 500),
)
def list_rules(
    catalog: CatalogDep,
    jurisdiction: Annotated[
        str | None, Query(max_length=16, description="Only this market (EU, CN, US-CA).")
    ] = None,
    instrument: Annotated[
        str | None, Query(max_length=100, description="Only this instrument (eu-gdpr, …).")
    ] = None,
    severity: Annotated[Severity | None, Query(description="Only this severity.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Words to search for.")] = None,
) -> Response:
    items = catalog.find_rules(
        jurisdiction=jurisdiction.strip() if jurisdiction else None,
        instrument=instrument,
        severity=severity.value if severity else None,
        q=q,
    )
    return _json(RuleList(items=items, total=len(items)))


@router.get(
    "/rules/{rule_id}",
    response_model=RuleDetail,
    summary="One rule in full: requirement, citation, dates, penalty, condition and examples",
    responses=problem_responses(404, 500),
)
def get_rule(rule_id: str, catalog: CatalogDep) -> Response:
    detail = catalog.rule(rule_id)
    if detail is None:
        near = catalog.suggest_rule(rule_id)
        raise ProblemError(
            404, f"no rule {rule_id!r}" + (f"; did you mean {near!r}?" if near else ""), slug="rule-not-found"
        )
    return _json(detail)


@router.get(
    "/taxonomy/{kind}",
    summary="The taxonomy keys a description may use: data_category, data_use or data_subject",
    description="fideslang's default keys plus regulint's own, sorted (the guided form's pickers).",
    responses=problem_responses(404, 500),
)
def list_taxonomy(kind: str) -> JSONResponse:
    if kind not in taxonomy.KINDS:
        raise ProblemError(404, f"no taxonomy {kind!r}; one of {', '.join(taxonomy.KINDS)}")
    return JSONResponse({"kind": kind, "items": sorted(taxonomy.keys(kind))})
