"""Products shaped like real enforcement cases get the violations the regulator found.

Each description in tests/cases/ paraphrases the facts of a public decision; the test checks
that regulint reports the provisions the regulator relied on (it may report more).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from engine.evaluate import Evaluator
from engine.inputs import product_from_data

CASES = Path(__file__).parent / "cases"
DAY = dt.date(2026, 11, 30)

EXPECTED = {
    # CNIL SAN-2022-019, Garante 9751362 (2022), Dutch AP (2024): scraping faces without a basis,
    # no Art. 14 notice, no access/erasure, no EU representative.
    "clearview.json": {
        "eu-gdpr-special-category-explicit-consent",
        "eu-gdpr-notice-indirect-collection",
        "eu-gdpr-right-of-access",
        "eu-gdpr-right-to-erasure",
        "eu-gdpr-eu-representative",
        "eu-aia-prohibited-face-scraping",
    },
    # People v. Sephora (Cal. AG, 2022): sale via trackers, no opt-out link, GPC ignored.
    "sephora.json": {"us-ca-ccpa-opt-out-link", "us-ca-ccpa-opt-out-signal"},
    # CPPA v. American Honda (2025): identity verification demanded for opt-out requests.
    "honda.json": {"us-ca-ccpa-opt-out-no-verification"},
    # DPC decision on Meta Platforms Ireland (2023): SCC transfers without effective supplementary measures.
    "meta-transfers.json": {"eu-gdpr-transfer-impact-assessment"},
    # DPC decision on TikTok (2023): children's accounts public by default.
    "tiktok-kids.json": {"eu-gdpr-privacy-by-default"},
    # Garante v. Luka Inc. (Replika, 2025): no lawful basis, inadequate privacy notice.
    "replika.json": {"eu-gdpr-lawful-basis", "eu-gdpr-notice-direct-collection"},
    # CAC decision on Didi (2022): excessive collection, sensitive PI without separate consent, unclear notice.
    "didi.json": {"cn-pipl-minimisation", "cn-pipl-sensitive-separate-consent", "cn-pipl-notice"},
    # Garante v. OpenAI (2024): training without a lawful basis, no notice, no age verification
    # for children's consent.
    "openai-it.json": {"eu-gdpr-lawful-basis", "eu-gdpr-notice-direct-collection", "eu-gdpr-child-consent"},
    # Dutch AP v. Uber (2024): drivers' data transferred to the US with no transfer tool.
    "uber-transfer.json": {"eu-gdpr-transfer-safeguard"},
    # CNIL v. Google / Facebook (2021-2022): refusing cookies harder than accepting them.
    "cookies.json": {"eu-gdpr-consent-freely-given"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_case_gets_the_regulators_findings(name: str, durable: Evaluator) -> None:
    product = product_from_data(json.loads((CASES / name).read_text()))
    report = durable.evaluate(product, DAY)
    found = {v.rule_id for v in report.violations}
    assert EXPECTED[name] <= found, EXPECTED[name] - found
