"""Fides system manifests imported as descriptions: mapping, old keys, errors, evaluation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.core.yamlio import load_with_lines, plain
from engine.evaluate.evaluator import evaluate
from engine.facts.inputs import InputError
from engine.facts.product import Product
from engine.interop.fides import import_fides

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "fides"
TWO_SYSTEMS = FIXTURES / "selfie-studio-systems.yml"
CURRENT = FIXTURES / "ledger-current-model.yml"
TYPOS = FIXTURES / "typos.yml"


def _load(path: Path) -> list[tuple[str, object]]:
    return [(str(path), plain(load_with_lines(path)))]


def test_a_two_system_manifest_imports_validates_and_evaluates() -> None:
    result = import_fides(_load(TWO_SYSTEMS), ["EU", "US-CA"])
    product = Product.model_validate(result.product)  # validates
    ids = [p.id for p in product.data_practices]
    assert len(ids) == 3
    assert {i.split("/")[0] for i in ids} == {"selfie_studio_backend", "selfie_ads_sync"}
    render = next(p for p in product.data_practices if "render-portraits" in p.id)
    assert render.purpose == "essential.service"  # provide.service, upgraded
    assert "user.biometric" in render.data_categories
    assert [t.to for t in render.transfers] == ["US", "SG"]  # USA, SGP (alpha-3)
    assert all(t.impact_assessment is None for t in render.transfers)  # Fides does not say: unknown
    ads = next(p for p in product.data_practices if p.id.startswith("selfie_ads_sync"))
    assert ads.purpose == "marketing.advertising.third_party.targeted"
    assert product.governance.dpia_completed is False  # required, "In Progress"
    assert any("'provide.service'" in w and "essential.service" in w for w in result.warnings)
    assert any("'improve.system'" in w for w in result.warnings)
    assert any("'user.observed'" in w for w in result.warnings)
    report = evaluate(product)
    assert report.violations, "an unlabelled biometric practice with no consent is a violation"
    missing = {m for i in report.insufficient_information for m in i.missing}
    assert missing and all(any(m in n for n in result.needs) for m in missing)
    assert any(n.startswith("data_practices[].consent") for n in result.needs)


def test_the_current_fideslang_model_maps_legal_bases_retention_and_governance() -> None:
    result = import_fides(_load(CURRENT), ["EU"])
    product = Product.model_validate(result.product)
    pay, news = product.data_practices
    assert (pay.legal_basis, pay.retention_days) == ("contract", 7 * 365)
    assert news.legal_basis == "consent" and news.retention_days is None
    assert [(r.role, r.contract) for r in news.recipients] == [("third_party", False)]
    g = product.governance
    assert g.dpia_completed and g.privacy_policy_published and g.dpo_appointed
    assert product.organization.name == "Ledger Labs GmbH"
    assert any("until unsubscribed" in w for w in result.warnings)
    assert any("does not say where" in w for w in result.warnings)
    evaluate(product)


def test_unknown_keys_name_the_nearest_key() -> None:
    with pytest.raises(InputError) as err:
        import_fides(_load(TYPOS), ["EU"])
    by_path = {i.path: i for i in err.value.issues}
    use = by_path["system[0].privacy_declarations[0].data_use"]
    assert "'marketing.advertising'" in use.message
    assert "'data_subjects'" in by_path["system[0].privacy_declarations[0].data_subject"].message
    assert "'third_country_transfers'" in by_path["system[0].third_country_transfer"].message


def test_markets_are_required_and_bad_codes_are_named() -> None:
    with pytest.raises(InputError) as err:
        import_fides(_load(TWO_SYSTEMS), [])
    assert err.value.issues[0].path == "markets"
    doc = plain(load_with_lines(TWO_SYSTEMS))
    doc["system"][0]["third_country_transfers"] = ["USX"]
    with pytest.raises(InputError) as err:
        import_fides([("m.yml", doc)], ["EU"])
    assert "'USA'" in err.value.issues[0].message
    with pytest.raises(InputError):
        import_fides([("m.yml", {"dataset": []})], ["EU"])


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_cli_import_then_check_and_check_from_fides(tmp_path: Path) -> None:
    out = tmp_path / "product.json"
    proc = run("import", "fides", str(TWO_SYSTEMS), "--market", "EU", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "still needs" in proc.stderr and "warning:" in proc.stderr
    assert (
        "data_practices[0].transfers[0].mechanisms.EU: " in proc.stderr
    )  # no transfer basis in the manifest
    assert run("check", str(out), "--format", "json").returncode == 1
    direct = run("check", "--from-fides", str(TWO_SYSTEMS), "--market", "EU", "--format", "json")
    assert direct.returncode == 1, direct.stderr
    report = json.loads(direct.stdout)
    assert report["product_id"] == json.loads(out.read_text())["id"] and report["violations"]
    bad = run("import", "fides", str(TYPOS), "--market", "EU")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert f"{TYPOS}:10: system[0].privacy_declarations[0].data_use" in bad.stderr
    assert run("check", "--from-fides", str(TWO_SYSTEMS)).returncode == 2  # no market


def test_transfer_bases_state_the_eu_mechanism_and_the_unstated_ones_are_listed() -> None:
    """Fides' transfer bases are the GDPR's: they fill ``mechanisms.EU``. A regime the manifest
    says nothing about keeps the default ``none`` — the exporter must show a mechanism (GDPR Arts.
    44, 46(1); PIPL Art. 38(1)) — and the import names each such path among what is still needed."""
    doc = plain(load_with_lines(TWO_SYSTEMS))
    doc["system"][0]["legal_basis_for_transfers"] = ["SCCs"]
    result = import_fides([("m.yml", doc)], ["EU", "CN"])
    product = Product.model_validate(result.product)
    backend, quality, ads = product.data_practices
    assert quality.id.startswith("selfie_studio_backend") and ads.id.startswith("selfie_ads_sync")
    for t in backend.transfers + quality.transfers:
        assert t.mechanisms.model_dump() == {"EU": "scc", "CN": "none"}
    assert [t.mechanisms.model_dump() for t in ads.transfers] == [{"EU": "none", "CN": "none"}]
    unstated = sorted(n.split(":")[0] for n in result.needs if ".mechanisms." in n.split(":")[0])
    assert unstated == [
        "data_practices[0].transfers[0].mechanisms.CN",
        "data_practices[0].transfers[1].mechanisms.CN",
        "data_practices[1].transfers[0].mechanisms.CN",
        "data_practices[1].transfers[1].mechanisms.CN",
        "data_practices[2].transfers[0].mechanisms.CN",
        "data_practices[2].transfers[0].mechanisms.EU",
    ]
    report = evaluate(product)
    unsafeguarded = {v.subject.path for v in report.violations if v.rule_id == "eu-gdpr-transfer-safeguard"}
    assert unsafeguarded == {"data_practices[2].transfers[0]"}
    only_eu = import_fides([("m.yml", doc)], ["EU"])
    assert not any(".mechanisms.CN" in n for n in only_eu.needs)  # China not chosen: not needed
