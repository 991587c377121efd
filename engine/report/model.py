"""The report: what an evaluation answers, the same model through the CLI and the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from engine.law.severity import Severity, gravest
from engine.law.sources import Reference


def _decimal_json(value: Decimal) -> int | float:
    """Money leaves as a JSON number: whole amounts as integers, others to the cent."""
    q = value.quantize(Decimal("0.01"))
    return int(q) if q == q.to_integral_value() else float(q)


Money = Annotated[Decimal, PlainSerializer(_decimal_json, return_type=int | float, when_used="json")]


#: The open-ended range of a penalty or an exposure, declared once for both.
OpenMaximum = Annotated[
    Money | None,
    Field(description="The statutory maximum, or null when it is open-ended (see max_at_least and missing)."),
]
MaximumAtLeast = Annotated[
    Money | None,
    Field(description="When max is null (open-ended): the amount the maximum is known to reach."),
]
BoundingPaths = Annotated[
    list[str],
    Field(
        description="JSON paths that would bound an open-ended maximum (e.g. organization.annual_revenue)."
    ),
]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class RulesetRef(_Out):
    id: str
    digest: str


class EngineInfo(_Out):
    version: str
    backend: str = Field(description="durable_rules on every shipped path; 'reference' only in tests.")
    rulesets: list[RulesetRef]


class UsdRange(_Out):
    min: Money
    max: Money | None = Field(description="Null when the maximum is open-ended.")


class Exposure(_Out):
    jurisdiction: str
    instrument: str = Field(
        description="The instrument, or the first of `instruments` when one act meets several."
    )
    instruments: list[str] = Field(
        default=[],
        description="Every instrument aggregated here: several when the same act violates rules of several "
        "instruments under one shared penalty tier (Administrative Penalty Law Art. 29; GDPR Art. 83(3)); "
        "the exposure is then counted once, here.",
    )
    tiers: list[str] = Field(default=[], description="The penalty tiers of the violations aggregated here.")
    currency: str
    min: Money
    max: OpenMaximum
    max_at_least: MaximumAtLeast = None
    missing: BoundingPaths = []
    theoretical_ceiling: bool = Field(
        default=False,
        description="The maximum multiplies a statutory maximum by a count (e.g. every affected consumer): "
        "a theoretical ceiling, not an expected fine; the explanation shows the arithmetic.",
    )
    conditional: str | None = Field(
        default=None, description="Amounts left out of min and max because they arise only on an event."
    )
    usd: UsdRange
    aggregation: str
    explanation: str


class Summary(_Out):
    violations: int
    by_severity: dict[str, int]
    by_jurisdiction: dict[str, int]
    exposure: list[Exposure]


class SubjectRef(_Out):
    kind: Literal["product", "practice", "transfer", "synthetic_media"]
    id: str
    path: str = Field(description="Where the subject is in the submitted document ('' for the product).")


class Evidence(_Out):
    fact: str = Field(description="JSON path into the submitted document.")
    rule_fact: str = Field(description="The fact path the rule tests.")
    op: str
    expected: Any = None
    actual: Any = None


class Penalty(_Out):
    currency: str
    min: Money
    max: OpenMaximum
    max_at_least: MaximumAtLeast = None
    missing: BoundingPaths = []
    per_unit: Money | None = Field(
        None, description="The statutory maximum per unit (consumer, day), when counted per unit."
    )
    unit: str | None = Field(None, description="What per_unit counts ('affected consumer', 'day').")
    theoretical_ceiling: bool = Field(
        default=False, description="max multiplies a statutory maximum by a count: a theoretical ceiling."
    )
    conditional: str | None = Field(
        default=None, description="The event this amount arises only on; it is then never a minimum."
    )
    basis: str
    citation: str
    explanation: str
    confirmed: bool = True
    tier: str = Field(description="The penalty tier's id (rulesets/tiers), the same across instruments.")
    aggravated_tier: str | None = Field(
        None, description="The tier the law reserves for aggravated cases of this rule, if any."
    )
    aggravated_when: str | None = Field(None, description="What makes a case aggravated, in words.")
    aggravated_max: Money | None = Field(
        None, description="The ceiling of the aggravated tier (not counted in the exposure), if any."
    )
    mapping: str | None = Field(
        None,
        description="Set when the instrument has no fine of its own and refers to other laws: the referring "
        "provision; the tiers are the other law's, mapped.",
    )


class Period(_Out):
    from_: dt.date = Field(alias="from", serialization_alias="from")
    until: dt.date | None = Field(None, description="Last day of this version; null while open-ended.")

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)


class Violation(_Out):
    rule_id: str
    instrument: str
    jurisdiction: str
    citation: str
    citations: list[str] = Field(
        default=[],
        description="Every provision a regulator cites for this failing, one per entry "
        "(general and specific, e.g. GDPR Art. 5(1)(a), 12(1), 13(1)).",
    )
    citation_practice: str | None = Field(
        default=None,
        description="Whose citation practice the list follows, when it goes beyond the citation.",
    )
    title: str
    severity: Severity
    subject: SubjectRef
    evidence: list[Evidence]
    remediation: str
    penalty: Penalty
    source: str = Field(description="The official text of the provision (law-reference §9).")
    source_site: str = Field(description="The site of `source`, e.g. eur-lex.europa.eu.")
    source_official: bool = Field(
        description="Whether `source` is on an official site (engine/law/sources.py); false only for "
        "rulesets that `regulint lint` rejects."
    )
    references: list[Reference] = Field(
        default=[], description="Commentary, translations, guidance, case law: not the official text."
    )
    confirmed: bool = True
    note: str | None = None
    period: Period | None = Field(
        None,
        description="The version of the rule this was judged under: the days over which its condition, "
        "exceptions, parameters and penalty tier stay as applied here.",
    )


class NotApplicable(_Out):
    instrument: str
    jurisdiction: str
    reason: str


class Insufficient(_Out):
    rule_id: str | None = Field(
        description="The rule, or null when the instrument's applicability (or its penalty) is unknown."
    )
    about: Literal["rule", "applicability", "penalty"] = Field(
        default="rule",
        description="What is undecided: a rule, the instrument's applicability, or the bound of its penalty.",
    )
    instrument: str
    jurisdiction: str
    subject: SubjectRef | None = None
    missing: list[str] = Field(description="JSON paths whose values would decide it.")
    reason: str
    would_violate: list[str] = []


class Upcoming(_Out):
    rule_id: str
    instrument: str
    jurisdiction: str
    citation: str
    title: str
    severity: str
    effective_from: dt.date
    subject: SubjectRef
    remediation: str


class UpcomingPenaltyChange(_Out):
    """A duty already in force (and violated) whose penalty changes on a later day."""

    rule_id: str
    instrument: str
    jurisdiction: str
    title: str
    tier: str
    effective_from: dt.date
    currency: str
    old_max: Money | None
    new_max: Money | None
    citation: str = Field(description="The penalty provision from that day.")
    explanation: str


class Report(_Out):
    product_id: str
    as_of: dt.date
    markets: list[str] = Field(description="The markets evaluated (after --market), member states folded in.")
    engine: EngineInfo
    summary: Summary
    violations: list[Violation]
    not_applicable: list[NotApplicable]
    insufficient_information: list[Insufficient]
    upcoming: list[Upcoming] = Field(description="Duties not yet in force that the product would break.")
    upcoming_penalty_changes: list[UpcomingPenaltyChange] = Field(
        default=[], description="Duties in force and violated whose maximum penalty changes on a later day."
    )

    def worst_severity(self) -> str | None:
        return gravest(v.severity for v in self.violations)


#: Each violation's compact JSON, by the violation's id (with the violation, so an id is never
#: reused while its entry lives). An evaluator hands the same Violation object to every report
#: that has it (:meth:`engine.evaluate.law_of_day.LawOfDay.violations`), so a report is mostly
#: written from these fragments. Emptied whenever it passes the bound.
_VIOLATION_JSON: dict[int, tuple[Violation, bytes]] = {}
_VIOLATION_JSON_LIMIT = 8192
_VIOLATIONS_AT = b'"violations":[],"not_applicable":'


def violation_json(violation: Violation) -> bytes:
    """``violation`` as compact JSON, written once per violation object."""
    found = _VIOLATION_JSON.get(id(violation))
    if found is not None and found[0] is violation:
        return found[1]
    made = violation.__pydantic_serializer__.to_json(violation)
    if len(_VIOLATION_JSON) >= _VIOLATION_JSON_LIMIT:
        _VIOLATION_JSON.clear()
    _VIOLATION_JSON[id(violation)] = (violation, made)
    return made


def report_json(report: Report, indent: int | None = None) -> bytes:
    """The report (or a subclass, such as the API's stored report) as UTF-8 JSON bytes, exactly
    ``report.model_dump_json(indent=indent)`` encoded: serialise once and reuse the bytes (the
    API's answer and its stored row are the same bytes).

    Compact JSON is written around the violations' cached fragments (:func:`violation_json`): the
    report without its violations, with them put in their place."""
    if indent is not None or not report.violations:
        return report.__pydantic_serializer__.to_json(report, indent=indent)
    fields = {name: getattr(report, name) for name in type(report).model_fields}
    shell = type(report).model_construct(**{**fields, "violations": []})
    out = shell.__pydantic_serializer__.to_json(shell)
    at = out.index(_VIOLATIONS_AT) + len(b'"violations":[')
    return b"".join((out[:at], b",".join(map(violation_json, report.violations)), out[at:]))
