"""Response models of the HTTP API (the report itself is ``engine.report.model.Report``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from engine.law.severity import Severity
from engine.report.model import Reference, Report, RulesetRef


class StoredReport(Report):
    """The report, plus the id and time under which it is stored in the history."""

    id: uuid.UUID | None = Field(
        description="The evaluation's id: GET /v1/evaluations/{id} returns it again (null with store=false)."
    )
    created_at: dt.datetime | None = Field(description="When the evaluation was stored (UTC; null if not).")


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


class SourceOut(BaseModel):
    """Where a rule, tier or instrument comes from: the official text, apart from commentary."""

    source: str | None = Field(description="The official text of the provision (law-reference §9).")
    source_site: str = Field(description="The site of `source`, e.g. eur-lex.europa.eu.")
    source_official: bool = Field(
        description="Whether `source` is on an official site (engine/law/sources.py)."
    )
    references: list[Reference] = Field(
        description="Commentary, translations, guidance, case law: not the official text."
    )


class PenaltyTierVersionOut(SourceOut):
    citation: str
    max: str
    sme_max: str | None
    min: str | None
    counts: str
    confirmed: bool


class PenaltyTierDatedOut(PenaltyTierVersionOut):
    from_: dt.date | None = Field(alias="from", description="First day of this version.")


class PenaltyTierOut(PenaltyTierVersionOut):
    """A tier as it stands after its last dated change, with every version in ``history``."""

    history: list[PenaltyTierDatedOut] = []


class InstrumentOut(SourceOut):
    id: str
    title: str
    short: str
    jurisdiction: str
    in_force: dt.date
    source: str = Field(description="The official text of the instrument (law-reference §9).")
    digest: str
    aggregation: str
    aggregation_citation: str | None
    rules: int = Field(description="How many rules encode it.")
    penalty_tiers: dict[str, PenaltyTierOut]


class InstrumentList(BaseModel):
    items: list[InstrumentOut]


class AggravatedPenalty(PenaltyTierOut):
    """The tier the law reserves for aggravated cases of a rule."""

    tier: str
    when: str | None = Field(description="What makes a case aggravated, in words.")


class RulePenalty(PenaltyTierOut):
    """A rule's penalty: its tier's summary and the tier's id (rulesets/tiers)."""

    tier: str
    aggravated: AggravatedPenalty | None = None


class RuleExceptionOut(BaseModel):
    """A later provision carving part of the duty out, from a day on."""

    from_: dt.date = Field(alias="from")
    until: dt.date | None
    citation: str
    unless: str = Field(description="Where the duty does not apply, in words.")
    confirmed: bool


class RuleOut(SourceOut):
    id: str
    title: str
    instrument: str
    instrument_title: str
    jurisdiction: str
    citation: str
    citations: list[str] = Field(
        description="Every provision a regulator cites for this failing, one per entry."
    )
    citation_practice: str | None = Field(description="Whose citation practice the list follows.")
    source: str = Field(description="The official text of the provision the rule encodes (law-reference §9).")
    requirement: str | None
    severity: Severity
    subject: str
    effective_from: dt.date
    effective_until: dt.date | None
    penalty: RulePenalty
    exceptions: list[RuleExceptionOut] = []
    remediation: str
    confirmed: bool
    note: str | None
    file: str = Field(description="The ruleset file, relative to the repository.")
    line: int


class RuleList(BaseModel):
    items: list[RuleOut]
    total: int


class RuleExamples(BaseModel):
    violating: list[dict[str, Any]]
    compliant: list[dict[str, Any]]


class RuleDetail(RuleOut):
    condition: str = Field(description="The rule's condition, in words.")
    examples: RuleExamples


class Health(BaseModel):
    status: Literal["ok"]
    engine_version: str
    backend: str
    rulesets: int
    rules: int
    ruleset_digest: str
    database: str = Field(description="The history's backend (sqlite, postgresql).")
