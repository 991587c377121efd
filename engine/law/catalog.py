"""The rule catalog: every rule with its citation, dates and penalty, as models or Markdown.

The models (:class:`RuleSummary`, :class:`RuleDetail`, :class:`InstrumentSummary`, …) are what
``regulint rules --format json`` prints and what the API's catalog endpoints answer: defined here,
once, and used by ``api.service`` as its response models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.law import conditions
from engine.law.citations import provisions
from engine.law.model import Instrument, Rule, RuleSet
from engine.law.parameters import PenaltyTier, Tier
from engine.law.penalties import describe
from engine.law.severity import Severity
from engine.law.sources import Reference, describe_source, source_fields


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)


class Sourced(_Out):
    """Where a rule, tier or instrument comes from: the official text, apart from commentary."""

    source: str | None = Field(description="The official text of the provision (law-reference §9).")
    source_site: str = Field(description="The site of `source`, e.g. eur-lex.europa.eu.")
    source_official: bool = Field(
        description="Whether `source` is on an official site (engine/law/sources.py)."
    )
    references: list[Reference] = Field(
        description="Commentary, translations, guidance, case law: not the official text."
    )


class TierVersion(Sourced):
    """A penalty tier as it reads from one day on: its citation and formulas in words."""

    citation: str
    max: str
    sme_max: str | None
    min: str | None
    counts: str
    confirmed: bool


class DatedTierVersion(TierVersion):
    from_: dt.date | None = Field(alias="from", description="First day of this version.")


class TierSummary(TierVersion):
    """A tier as it stands after its last dated change, with every version in ``history``."""

    history: list[DatedTierVersion] = []


class AggravatedPenalty(TierSummary):
    """The tier the law reserves for aggravated cases of a rule."""

    tier: str
    when: str | None = Field(description="What makes a case aggravated, in words.")


class RulePenalty(TierSummary):
    """A rule's penalty: its tier's summary and the tier's id (rulesets/tiers)."""

    tier: str
    aggravated: AggravatedPenalty | None = None


class RuleException(_Out):
    """A later provision carving part of the duty out, from a day on."""

    from_: dt.date = Field(alias="from")
    until: dt.date | None
    citation: str
    unless: str = Field(description="Where the duty does not apply, in words.")
    confirmed: bool


class RuleSummary(Sourced):
    """A rule with its citation, dates and penalty (``regulint rules``, ``GET /v1/rules``)."""

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
    exceptions: list[RuleException] = []
    remediation: str
    confirmed: bool
    note: str | None
    file: str = Field(description="The ruleset file, relative to the repository.")
    line: int


class RuleExamples(_Out):
    violating: list[dict[str, Any]]
    compliant: list[dict[str, Any]]


class RuleDetail(RuleSummary):
    """A rule in full: its summary, its condition in words and its examples."""

    condition: str = Field(description="The rule's condition, in words.")
    examples: RuleExamples


class InstrumentSummary(Sourced):
    """An instrument with its digest, aggregation and penalty tiers."""

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
    penalty_tiers: dict[str, TierSummary]


def tier_summary(tier: Tier | PenaltyTier) -> TierSummary:
    """A penalty tier: its latest citation and formulas in words, and (for a dated tier) every
    version with the day it applies from."""
    if isinstance(tier, Tier):
        history = [
            DatedTierVersion(from_=day, **_version(tier.at(day or dt.date.min)))
            for day in [None, *sorted(tier.boundaries())][1 if tier.boundaries() else 0 :]
        ]
        return TierSummary(**_version(tier.latest()), history=history)
    return TierSummary(**_version(tier))


def _version(tier: PenaltyTier) -> dict[str, Any]:
    return {
        "citation": tier.citation,
        **source_fields(tier.source, tier.references),
        "max": describe(tier.max),
        "sme_max": describe(tier.sme_max) if tier.sme_max is not None else None,
        "min": describe(tier.min) if tier.min is not None else None,
        "counts": tier.counts,
        "confirmed": tier.confirmed,
    }


def rule_summary(rule: Rule, inst: Instrument, file: str | None = None) -> RuleSummary:
    """A rule's catalog entry (``regulint rules --format json`` and the API); ``file`` in place
    of the ruleset file's path (the API names it relative to the repository)."""
    return RuleSummary(**_rule_fields(rule, inst, file))


def rule_detail(rule: Rule, inst: Instrument, file: str | None = None) -> RuleDetail:
    """A rule in full: its catalog entry, its condition in words and its examples."""
    return RuleDetail(
        **_rule_fields(rule, inst, file),
        condition=conditions.describe(conditions.to_nnf(rule.when)),
        examples=RuleExamples(
            violating=[e.product for e in rule.violating], compliant=[e.product for e in rule.compliant]
        ),
    )


def _rule_fields(rule: Rule, inst: Instrument, file: str | None) -> dict[str, Any]:
    tier = inst.penalty_tiers[rule.penalty]
    aggravated = (
        AggravatedPenalty(
            tier=rule.aggravated,
            when=rule.aggravated_when,
            **dict(tier_summary(inst.penalty_tiers[rule.aggravated])),
        )
        if rule.aggravated
        else None
    )
    return {
        "id": rule.id,
        "title": rule.title,
        "instrument": inst.id,
        "instrument_title": inst.title,
        "jurisdiction": inst.jurisdiction,
        "citation": rule.citation,
        "citations": list(rule.provisions()),
        "citation_practice": rule.citation_practice,
        **source_fields(rule.source, rule.references),
        "requirement": rule.requirement,
        "severity": rule.severity,
        "subject": rule.subject,
        "effective_from": max(rule.effective.from_, inst.in_force),
        "effective_until": rule.effective.until,
        "penalty": RulePenalty(tier=rule.penalty, aggravated=aggravated, **dict(tier_summary(tier))),
        "exceptions": [
            RuleException(
                from_=e.from_,
                until=e.until,
                citation=e.citation,
                unless=conditions.describe(e.unless),
                confirmed=e.confirmed,
            )
            for e in rule.exceptions
        ],
        "remediation": rule.remediation,
        "confirmed": rule.confirmed,
        "note": rule.note,
        "file": rule.file if file is None else file,
        "line": rule.line,
    }


def instrument_summary(inst: Instrument) -> InstrumentSummary:
    """An instrument's catalog entry (``GET /v1/instruments``)."""
    return InstrumentSummary(
        id=inst.id,
        title=inst.title,
        short=inst.short,
        jurisdiction=inst.jurisdiction,
        in_force=inst.in_force,
        **source_fields(inst.source, inst.references),
        digest=inst.digest,
        aggregation=inst.aggregation,
        aggregation_citation=inst.aggregation_citation,
        rules=len(inst.rules),
        penalty_tiers={name: tier_summary(t) for name, t in inst.penalty_tiers.items()},
    )


def rules_data(ruleset: RuleSet, jurisdiction: str | None = None) -> list[RuleSummary]:
    """Every rule's catalog entry, in ruleset order (one market's with ``jurisdiction``)."""
    return [
        rule_summary(r, i)
        for i in ruleset.instruments
        if jurisdiction is None or i.jurisdiction == jurisdiction.upper()
        for r in i.rules
    ]


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _official_cell(url: str | None) -> str:
    """The source as a link named by its site; a source off the official list says so."""
    if not url:
        return "*(none)*"
    info = describe_source(url)
    link = f"[{info.site}]({_cell(url)})"
    return link if info.official else f"*not official:* {link}"


def _commentary_cell(references: Sequence[Any]) -> str:
    return "; ".join(f"[{_cell(r.label)}]({_cell(r.url)})" for r in references)


def catalog_markdown(ruleset: RuleSet, jurisdiction: str | None = None) -> str:
    """The catalog as Markdown: per instrument, its rules, tiers and rows not encoded."""
    out = ["# regulint rule catalog", "",
           "Generated by `regulint rules --format markdown`. Every rule cites the provision it encodes; "
           "*official text* links that provision on the official site (law-reference §9); *commentary* "
           "lists translations, guidance, case law, notes and copies that are not the authentic text. Rules marked "
           "*unconfirmed* carry a figure, date or article number that could not be confirmed against its "
           "source (see the rule's note).", ""]  # fmt: skip
    total = 0
    for inst in ruleset.instruments:
        if jurisdiction and inst.jurisdiction != jurisdiction.upper():
            continue
        total += len(inst.rules)
        out += [f"## {inst.short} — {inst.title} (`{inst.id}`, {inst.jurisdiction})", "",
                f"In force {inst.in_force}. Official text: {_official_cell(inst.source)}. "
                f"Aggregation: {inst.aggregation}"
                + (f" ({inst.aggregation_citation})" if inst.aggregation_citation else "") + ".", ""]  # fmt: skip
        if inst.references:
            out += [f"Commentary and references: {_commentary_cell(inst.references)}.", ""]
        if inst.notes:
            out += [_cell(inst.notes), ""]
        out += ["| penalty tier | citation | official text | maximum | SME maximum | counted per |",
                "|---|---|---|---|---|---|"]  # fmt: skip
        for name, dated in sorted(inst.penalty_tiers.items()):
            days = sorted(dated.boundaries())
            for k, day in enumerate(days or [None]):
                tier = dated.at(day) if day else dated.latest()
                flag = "" if tier.confirmed else " *(unconfirmed)*"
                since = f" from {day}" if day and len(days) > 1 else ""
                label = f"`{name}`{flag}{since}" if k == 0 else f"↳{since}"
                out.append(
                    f"| {label} | {_cell(tier.citation)} | {_official_cell(tier.source)} | "
                    f"{_cell(describe(tier.max))} | "
                    f"{_cell(describe(tier.sme_max)) if tier.sme_max is not None else ''} | {tier.counts} |"
                )
        out += [
            "",
            "| rule | citation | official text | commentary | severity | subject | in force | penalty |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for rule in inst.rules:
            start = max(rule.effective.from_, inst.in_force)
            dates = f"{start} – {rule.effective.until}" if rule.effective.until else f"from {start}"
            flag = " *(unconfirmed)*" if not rule.confirmed else ""
            for e in rule.exceptions:
                span = f"{e.from_} – {e.until}" if e.until else f"from {e.from_}"
                dates += f"; exception {span} ({_cell(e.citation)})"
            penalty = f"`{rule.penalty}`" + (
                f"; `{rule.aggravated}` if {_cell(rule.aggravated_when)}" if rule.aggravated else ""
            )
            also = [c for c in rule.provisions() if c not in provisions(rule.citation)]
            cited = f" with {_cell(', '.join(also))}" if also else ""
            out.append(
                f"| `{rule.id}`: {_cell(rule.title)}{flag} | {_cell(rule.citation)}{cited} | "
                f"{_official_cell(rule.source)} | {_commentary_cell(rule.references)} | "
                f"{rule.severity} | {rule.subject} | {dates} | {penalty} |"
            )
        if inst.not_encoded:
            out += ["", "Deliberately not encoded:", ""]
            for row in inst.not_encoded:
                label = row.get("row") or row.get("id") or "row"
                out.append(f"- `{label}`: {_cell(row.get('reason'))}")
        out.append("")
    out.append(f"{total} rules.")
    return "\n".join(out) + "\n"


def facts_markdown() -> str:
    """The fact vocabulary rules may test, as Markdown (``regulint facts``)."""
    from engine.facts.registry import NAMESPACES, fact_specs

    lines = [
        "# Fact paths rules may test",
        "",
        "Generated by `regulint facts` from `engine/facts/registry.py`. *May be unknown*: the field has no fair "
        "default; a rule testing it answers *insufficient information* when the description leaves it out. "
        "*Nullable*: `null` is a value (`retention_days: null` means no limit).",
        "",
        "Subjects see: " + "; ".join(f"`{k}` → {', '.join(v)}" for k, v in NAMESPACES.items()),
        "",
        "| path | type | values | may be unknown | nullable | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for path, spec in sorted(fact_specs().items()):
        values = ", ".join(map(str, spec.values)) if spec.values and spec.type != "bool" else ""
        lines.append(
            f"| `{path}` | {spec.type} | {values} | {'yes' if spec.may_be_missing else ''} | "
            f"{'yes' if spec.nullable else ''} | {_cell(spec.description)} |"
        )
    return "\n".join(lines) + "\n"
