"""The rule catalog as the API serves it, computed once from the loaded rulesets."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import PurePath

from api.service.schemas import JurisdictionOut
from api.service.search import matches
from engine.core.jurisdictions import jurisdictions
from engine.law.catalog import (
    InstrumentSummary,
    RuleDetail,
    RuleSummary,
    instrument_summary,
    rule_detail,
    rule_summary,
)
from engine.law.model import RuleSet

SEARCHED = ("id", "title", "citation", "requirement", "remediation", "instrument_title", "note")


def _relative(path: str) -> str:
    """'/srv/regulint/rulesets/eu/gdpr.yaml' -> 'rulesets/eu/gdpr.yaml' (no server paths leak)."""
    parts = PurePath(path).parts
    if "rulesets" in parts:
        idx = len(parts) - 1 - parts[::-1].index("rulesets")
        return "/".join(parts[idx:])
    return PurePath(path).name


@dataclass
class Catalog:
    """The catalog endpoints' data: every rule, instrument and market, built once per worker."""

    ruleset: RuleSet
    rules: list[RuleSummary] = field(init=False)
    instruments: list[InstrumentSummary] = field(init=False)
    jurisdictions: list[JurisdictionOut] = field(init=False)
    _details: dict[str, RuleDetail] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        rs = self.ruleset
        self.rules = [rule_summary(r, i, _relative(r.file)) for i in rs.instruments for r in i.rules]
        self.instruments = [instrument_summary(i) for i in rs.instruments]
        self.jurisdictions = [
            JurisdictionOut(
                code=j.code,
                name=j.name,
                currency=j.currency,
                members=list(j.members),
                instruments=[i.id for i in rs.instruments if i.jurisdiction == j.code],
            )
            for j in jurisdictions().values()
        ]

    @property
    def jurisdiction_codes(self) -> set[str]:
        return {j.code for j in self.jurisdictions}

    def find_rules(
        self,
        *,
        jurisdiction: str | None = None,
        instrument: str | None = None,
        severity: str | None = None,
        q: str | None = None,
    ) -> list[RuleSummary]:
        out = self.rules
        if jurisdiction:
            out = [r for r in out if r.jurisdiction == jurisdiction.upper()]
        if instrument:
            out = [r for r in out if r.instrument == instrument]
        if severity:
            out = [r for r in out if r.severity == severity]
        if q:
            out = [r for r in out if matches(q, " ".join(str(getattr(r, f) or "") for f in SEARCHED))]
        return out

    def rule(self, rule_id: str) -> RuleDetail | None:
        if rule_id in self._details:
            return self._details[rule_id]
        rule = self.ruleset.rules_by_id.get(rule_id)
        if rule is None:
            return None
        detail = rule_detail(rule, self.ruleset.instrument(rule.instrument_id), _relative(rule.file))
        self._details[rule_id] = detail
        return detail

    def suggest_rule(self, rule_id: str) -> str | None:
        near = difflib.get_close_matches(rule_id, list(self.ruleset.rules_by_id), n=1)
        return near[0] if near else None
