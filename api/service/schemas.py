"""Response models of the HTTP API that wrap the engine's: the report is ``engine.report.model.Report``,
the catalog's rules and instruments are ``engine.law.catalog``'s models."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PlainSerializer

from engine.law.catalog import InstrumentSummary, RuleSummary
from engine.law.severity import Severity
from engine.report.model import Report, RulesetRef

#: A stored time as answered: ISO 8601 with the offset written out (``2026-11-30T12:00:00+00:00``).
Timestamp = Annotated[dt.datetime, PlainSerializer(dt.datetime.isoformat, return_type=str, when_used="json")]


class StoredReport(Report):
    """The report, plus the id and time under which it is stored in the history."""

    id: uuid.UUID | None = Field(
        description="The evaluation's id: GET /v1/evaluations/{id} returns it again (null with store=false)."
    )
    created_at: Timestamp | None = Field(description="When the evaluation was stored (UTC; null if not).")


class BatchResult(BaseModel):
    batch_id: uuid.UUID = Field(description="Shared by every evaluation of the batch (filter history by it).")
    count: int
    items: list[StoredReport] = Field(description="One report per description, in the order given.")


class EvaluationSummary(BaseModel):
    """One history entry, without the document and the report."""

    id: uuid.UUID
    created_at: dt.datetime
    product_id: str
    as_of: dt.date
    markets: list[str] = Field(description="The markets evaluated.")
    requested_markets: list[str] | None = Field(description="The `market` query parameters, if any.")
    batch_id: uuid.UUID | None
    violations: int
    by_severity: dict[str, int]
    worst_severity: Severity | None
    engine_version: str
    ruleset_digest: str = Field(description="sha256 over every instrument's digest, in order.")


class EvaluationRecord(EvaluationSummary):
    """A stored evaluation in full: enough to reproduce and audit the decision."""

    rulesets: list[RulesetRef] = Field(description="Each instrument's digest at evaluation time.")
    input: dict[str, Any] = Field(description="The product description exactly as submitted.")
    report: Report


class EvaluationPage(BaseModel):
    items: list[EvaluationSummary]
    total: int = Field(description="How many stored evaluations match the filters.")
    limit: int
    offset: int
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page (stable while new evaluations arrive); "
        "null on the last page."
    )


class JurisdictionOut(BaseModel):
    code: str
    name: str
    currency: str
    members: list[str] = Field(description="Places folded into this market (EU member states).")
    instruments: list[str] = Field(description="Ids of the instruments regulint encodes for it.")


class JurisdictionList(BaseModel):
    items: list[JurisdictionOut]


class InstrumentList(BaseModel):
    items: list[InstrumentSummary]


class RuleList(BaseModel):
    items: list[RuleSummary]
    total: int


class Health(BaseModel):
    status: Literal["ok"]
    engine_version: str
    backend: str
    rulesets: int
    rules: int
    ruleset_digest: str
    database: str = Field(description="The history's backend (sqlite, postgresql).")
