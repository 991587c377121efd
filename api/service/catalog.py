"""The rule catalog as the API serves it, computed once from the loaded rulesets."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from api.service.search import matches
from engine.core.jurisdictions import jurisdictions
from engine.law.catalog import rule_summary, tier_summary
from engine.law.conditions import describe, to_nnf
from engine.law.model import RuleSet
from engine.law.sources import source_fields

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
    ruleset: RuleSet
    rules: list[dict[str, Any]] = field(init=False)
    instruments: list[dict[str, Any]] = field(init=False)
    jurisdictions: list[dict[str, Any]] = field(init=False)
    _details: dict[str, dict[str, Any]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        rs = self.ruleset
        self.rules = []
        for inst in rs.instruments:
            for rule in inst.rules:
                data = rule_summary(rule, inst)
                data["file"] = _relative(data["file"])
                self.rules.append(data)
        self.instruments = [
            {
                "id": i.id,
                "title": i.title,
                "short": i.short,
                "jurisdiction": i.jurisdiction,
                "in_force": i.in_force.isoformat(),
                **source_fields(i.source, i.references),
                "digest": i.digest,
                "aggregation": i.aggregation,
                "aggregation_citation": i.aggregation_citation,
                "rules": len(i.rules),
                "penalty_tiers": {name: tier_summary(t) for name, t in i.penalty_tiers.items()},
            }
            for i in rs.instruments
        ]
        self.jurisdictions = [
            {
                "code": j.code,
                "name": j.name,
                "currency": j.currency,
                "members": list(j.members),
                "instruments": [i.id for i in rs.instruments if i.jurisdiction == j.code],
            }
            for j in jurisdictions().values()
        ]

    @property
    def jurisdiction_codes(self) -> set[str]:
        return {j["code"] for j in self.jurisdictions}

    def find_rules(
        self,
        *,
        jurisdiction: str | None = None,
        instrument: str | None = None,
        severity: str | None = None,
        q: str | None = None,
    ) -> list[dict[str, Any]]:
        out = self.rules
        if jurisdiction:
            out = [r for r in out if r["jurisdiction"] == jurisdiction.upper()]
        if instrument:
            out = [r for r in out if r["instrument"] == instrument]
        if severity:
            out = [r for r in out if r["severity"] == severity]
        if q:
            out = [r for r in out if matches(q, " ".join(str(r.get(f) or "") for f in SEARCHED))]
        return out

    def rule(self, rule_id: str) -> dict[str, Any] | None:
        if rule_id in self._details:
            return self._details[rule_id]
        rule = self.ruleset.rules_by_id.get(rule_id)
        if rule is None:
            return None
        data = rule_summary(rule, self.ruleset.instrument(rule.instrument_id))
        data["file"] = _relative(data["file"])
        data["condition"] = describe(to_nnf(rule.when))
        data["examples"] = {
            "violating": [e.product for e in rule.violating],
            "compliant": [e.product for e in rule.compliant],
        }
        self._details[rule_id] = data
        return data

    def suggest_rule(self, rule_id: str) -> str | None:
        near = difflib.get_close_matches(rule_id, list(self.ruleset.rules_by_id), n=1)
        return near[0] if near else None
