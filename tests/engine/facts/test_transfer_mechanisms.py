"""A transfer's mechanism per regime (``mechanisms: {EU, CN}``) and the old single ``mechanism`` key."""

from __future__ import annotations

import copy
import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest

from engine.evaluate.evaluator import evaluate
from engine.facts import mechanisms
from engine.facts.inputs import InputError, product_from_data

ROOT = Path(__file__).resolve().parents[3]
SEEDS = sorted((ROOT / "seeds").glob("*.json"))
DAY = dt.date(2026, 12, 1)


def _doc(transfer: dict[str, Any], markets: tuple[str, ...] = ("EU", "CN")) -> dict[str, Any]:
    return {
        "id": "exporter",
        "markets": list(markets),
        # above the CBDT small-volume exemption, and no contract necessity: China needs a CAC route
        "organization": {
            "cn_export_individuals_per_year": 200_000,
            "cn_export_sensitive_individuals_per_year": 0,
        },
        "data_practices": [
            {
                "id": "analytics",
                "data_categories": ["user.contact.email"],
                "purpose": "analytics",
                "legal_basis": "consent",
                "consent": {"obtained": True, "separate": True},
                "transfers": [{"to": "US", "impact_assessment": True, **transfer}],
            }
        ],
    }


def _transfer_findings(doc: dict[str, Any]) -> set[tuple[str, str]]:
    report = evaluate(product_from_data(doc), DAY)
    return {(v.jurisdiction, v.rule_id) for v in report.violations if v.subject.kind == "transfer"}


def _as_single_key(doc: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The description written with the old single key, where each transfer states one regime."""
    old = copy.deepcopy(doc)
    changed = False
    for p in old.get("data_practices", []):
        for t in p.get("transfers", []):
            stated = {k: v for k, v in t.pop("mechanisms", {}).items() if v != "none"}
            if len(stated) > 1:
                return doc, False
            t["mechanism"] = next(iter(stated.values()), "none")
            changed = True
    return old, changed


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


#: Seeds with transfers that each state one regime's mechanism, so the old single key can say it.
SINGLE_KEY_SEEDS = [p for p in SEEDS if _as_single_key(_load(p))[1]]


def test_most_seeds_have_a_single_key_form() -> None:
    assert len(SINGLE_KEY_SEEDS) >= len(SEEDS) - 2


@pytest.mark.parametrize("path", SINGLE_KEY_SEEDS, ids=lambda p: p.stem)
def test_the_single_key_evaluates_as_its_regime_entry(path: Path) -> None:
    doc = _load(path)
    old, _ = _as_single_key(doc)
    assert old != doc
    new_report = evaluate(product_from_data(doc), DAY)
    old_report = evaluate(product_from_data(old), DAY)
    assert [(v.rule_id, v.subject.path) for v in old_report.violations] == [
        (v.rule_id, v.subject.path) for v in new_report.violations
    ]
    assert [i.rule_id for i in old_report.insufficient_information] == [
        i.rule_id for i in new_report.insufficient_information
    ]


def test_each_regime_reads_its_own_entry() -> None:
    eu_only = _transfer_findings(_doc({"mechanisms": {"EU": "scc"}}))
    assert "eu-gdpr-transfer-safeguard" not in {r for _, r in eu_only}
    assert ("CN", "cn-pipl-xborder-mechanism") in eu_only
    cn_only = _transfer_findings(_doc({"mechanisms": {"CN": "cn_standard_contract"}}))
    assert ("EU", "eu-gdpr-transfer-safeguard") in cn_only
    assert "cn-pipl-xborder-mechanism" not in {r for _, r in cn_only}
    both = _transfer_findings(_doc({"mechanisms": {"EU": "scc", "CN": "cn_standard_contract"}}))
    assert not {r for _, r in both} & {"eu-gdpr-transfer-safeguard", "cn-pipl-xborder-mechanism"}
    # one single mechanism serves one regime only: the conflict the per-regime entries remove
    routes = {"eu-gdpr-transfer-safeguard", "cn-pipl-xborder-mechanism"}
    for single, unserved in (
        ("scc", "cn-pipl-xborder-mechanism"),
        ("cn_standard_contract", "eu-gdpr-transfer-safeguard"),
    ):
        assert {r for _, r in _transfer_findings(_doc({"mechanism": single}))} & routes == {unserved}


def test_a_regime_not_given_has_no_mechanism() -> None:
    bare = _transfer_findings(_doc({}))
    assert {("EU", "eu-gdpr-transfer-safeguard"), ("CN", "cn-pipl-xborder-mechanism")} <= bare
    assert bare == _transfer_findings(_doc({"mechanisms": {"EU": "none", "CN": "none"}}))
    assert bare == _transfer_findings(_doc({"mechanism": "none"}))


def test_evidence_points_at_the_regime_entry() -> None:
    report = evaluate(product_from_data(_doc({"mechanism": "scc"})), DAY)
    cn = next(v for v in report.violations if v.rule_id == "cn-pipl-xborder-mechanism")
    assert "data_practices[0].transfers[0].mechanisms.CN" in {e.fact for e in cn.evidence}


def _issue(doc: dict[str, Any]) -> str:
    with pytest.raises(InputError) as err:
        product_from_data(doc)
    return "\n".join(str(i) for i in err.value.issues)


def test_both_keys_agreeing_are_read_and_contradicting_are_refused() -> None:
    agree = product_from_data(
        _doc({"mechanism": "scc", "mechanisms": {"EU": "scc", "CN": "cn_certification"}})
    )
    assert agree.data_practices[0].transfers[0].mechanisms.model_dump() == {
        "EU": "scc",
        "CN": "cn_certification",
    }
    merged = product_from_data(_doc({"mechanism": "cn_standard_contract", "mechanisms": {"EU": "bcr"}}))
    assert merged.data_practices[0].transfers[0].mechanisms.model_dump() == {
        "EU": "bcr",
        "CN": "cn_standard_contract",
    }
    text = _issue(_doc({"mechanism": "scc", "mechanisms": {"EU": "bcr"}}))
    assert "data_practices[0].transfers[0]" in text and "ambiguous" in text
    assert "'scc'" in text and "'bcr'" in text


def test_regimes_and_their_mechanisms_are_checked() -> None:
    text = _issue(_doc({"mechanisms": {"EU": "cn_standard_contract"}}))
    assert "data_practices[0].transfers[0].mechanisms" in text and "mechanisms.CN" in text
    text = _issue(_doc({"mechanisms": {"UK": "scc"}}))
    assert "no transfer regime 'UK'" in text and "EU" in text and "CN" in text
    text = _issue(_doc({"mechanism": "pigeon"}))
    assert "data_practices[0].transfers[0].mechanism" in text and "scc" in text
    lower = product_from_data(_doc({"mechanisms": {"eu": "scc", "cn": "exempt"}}))
    assert lower.data_practices[0].transfers[0].mechanisms.model_dump() == {"EU": "scc", "CN": "exempt"}


def test_a_value_of_several_regimes_is_ambiguous(monkeypatch: pytest.MonkeyPatch) -> None:
    """Were a second regime to know BCRs (the UK's), the single key could not say which is meant."""

    class Uk(StrEnum):
        bcr = "bcr"
        none = "none"

    monkeypatch.setitem(mechanisms.REGIMES, "UK", ("UK GDPR Chapter V", Uk))
    assert mechanisms.regimes_of("bcr") == ["EU", "UK"]
    with pytest.raises(ValueError, match="ambiguous.*EU and UK"):
        mechanisms.upgrade_single_mechanism({"to": "US", "mechanism": "bcr"})
    assert mechanisms.upgrade_single_mechanism({"to": "US", "mechanism": "scc"}) == {
        "to": "US",
        "mechanisms": {"EU": "scc"},
    }
