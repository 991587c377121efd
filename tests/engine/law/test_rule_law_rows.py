"""Each rule against the law-reference row it encodes (tests/engine/law/rule_law_rows.yaml, one line a rule).

The table names the row of shared/law-reference.md each rule encodes and the facts of that row's
trigger and exceptions the rule's condition must test; where the rule departs from the row (or has
none), ``differs`` says why. A rule that drops a trigger or an exception the table records (the way
the NCII ban once lost "can generate intimate imagery") fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.law import conditions
from engine.law.model import RuleSet

TABLE = yaml.safe_load((Path(__file__).parent / "rule_law_rows.yaml").read_text(encoding="utf-8"))
ROWS = set(TABLE["law_reference_rows"])
#: Exceptions the lawyer's review (law-reference §10) found dropped: the rule must test these facts.
REVIEWED_EXCEPTIONS = {
    "eu-aia-prohibited-ncii-generator": {"synthetic_media.intimate_imagery_foreseeable"},
    "eu-aia-synthetic-marking": {"synthetic_media.assistive_editing_only"},
    "eu-gdpr-special-category-explicit-consent": {"practice.biometric_identification"},
    "us-ca-ccpa-risk-assessment": {
        "practice.account_number_with_access_code",
        "practice.biometric_identification",
    },
    "cn-pipl-retention-limit": {"practice.deleted_on_account_closure"},
    "cn-pipl-public-camera": {"practice.public_security_use_only"},
    "cn-genai-input-retention": {"practice.genai_service_records", "practice.deleted_on_account_closure"},
    "cn-dsp-label-function": {"synthetic_media.assistive_editing_only"},
    "cn-pipl-officer": {"product.organization.cn_individuals_handled"},
    "eu-gdpr-purpose-limitation": {"practice.further_purpose_consented"},
}


def test_every_rule_has_one_line(ruleset: RuleSet) -> None:
    ids = {r.id for r in ruleset.rules}
    assert ids == set(TABLE["rules"]), (ids - set(TABLE["rules"]), set(TABLE["rules"]) - ids)


@pytest.mark.parametrize("rule_id", sorted(TABLE["rules"]))
def test_rule_tests_its_rows_trigger_and_exceptions(rule_id: str, ruleset: RuleSet) -> None:
    line = TABLE["rules"][rule_id]
    rule = next(r for r in ruleset.rules if r.id == rule_id)
    if line["row"] is None:
        assert line.get("differs", "").strip(), f"{rule_id} has no law-reference row and says nothing why"
    else:
        assert line["row"] in ROWS, f"{rule_id}: unknown law-reference row {line['row']!r}"
    tested = {a.fact for a in conditions.atoms(rule.condition)}
    needed = set(line["tests"]) | REVIEWED_EXCEPTIONS.get(rule_id, set())
    assert needed <= tested, f"{rule_id} no longer tests {sorted(needed - tested)}"
