"""Monotonicity where the law is monotone.

The law puts the burden on the company for its safeguards: taking one away (consent, notice,
a label, a transfer mechanism or assessment, a governance measure) can add duties it fails, but
never discharge one. So a description that violates the law of market M still violates it after
any removal in :data:`REMOVALS`. Likewise processing a further *sensitive* category only adds
duties: every violation (rule and subject) stays.

Removal chains start from products that comply in M (``compliant_products``), so the first
violation that appears is the one to keep: once violating, a chain must stay violating.

Rules in :data:`NON_MONOTONE` would be left out of these properties, each with its legal reason.
The one found while building this (an unfiled CN standard contract for an export the 2024
Provisions exempt) was fixed in the rule, and its counterexample is now an ordinary test.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

from hypothesis import given, note
from hypothesis import strategies as st
from profiles import budget
from prophelpers import MARKETS, durable, model

from engine.testing.strategies import compliant_products, products

Doc = dict[str, Any]

_CONSENT_ON = ("obtained", "separate", "explicit", "withdrawable", "parental_for_children",
               "refusal_as_easy_as_acceptance", "logged", "minor_opt_in")  # fmt: skip
_CONSENT_BAD = ("bundled_with_terms", "pre_ticked", "service_refused_without_consent")
_PRACTICE_ON = ("encrypted_at_rest", "deleted_on_account_closure", "opt_out_offered", "human_review_offered",
                "non_personalised_option", "risk_assessment_completed", "necessary_for_purpose")  # fmt: skip
_MEDIA_ON = ("visible_label", "metadata_label", "labels_survive_export", "detection_tool_offered",
             "user_label_option", "ai_interaction_disclosed", "likeness_consent", "user_identity_verification",
             "content_moderation", "complaint_channel", "terms_describe_labeling", "platform_checks_provenance",
             "platform_declaration_tool", "intimate_imagery_safeguards", "exposure_notice",
             "licence_requires_disclosures", "human_editorial_review", "algorithm_filing_cn", "genai_filing_cn",
             "security_assessment_cn", "unlabeled_export_terms_user_duty")  # fmt: skip
_GOVERNANCE_ON = ("privacy_policy_published", "dpia_completed", "pi_impact_assessment_completed",
                  "records_of_processing", "dpo_appointed", "eu_representative", "cn_representative",
                  "honors_opt_out_signals", "do_not_sell_link", "limit_sensitive_pi_link",
                  "breach_notification_process", "cn_children_rules", "cn_children_officer", "pi_compliance_audit",
                  "pi_protection_officer_cn", "cn_minors_pi_annual_audit")  # fmt: skip
_RIGHTS_ON = ("access", "erasure", "rectification", "portability", "objection", "account_deletion")
_ASSURANCE = ("verified", "estimation", "self_declared", "none")

#: Sensitive / special categories in every market's law (GDPR Art. 9, PIPL Art. 28, CCPA §1798.140(ae)).
SENSITIVE = ("user.biometric", "user.biometric.face", "user.biometric.voice", "user.authorization.biometric",
             "user.health_and_medical", "user.health_and_medical.genetic", "user.demographic.race_ethnicity",
             "user.demographic.political_opinion", "user.demographic.religious_belief",
             "user.demographic.sexual_orientation", "user.childrens", "user.location.precise",
             "user.financial", "user.financial.bank_account", "user.government_id",
             "user.government_id.national_identification_number", "user.criminal_history")  # fmt: skip


#: Rules excluded from the monotonicity properties: rule id -> why (and what would fix it).
NON_MONOTONE: dict[str, str] = {}  # rule id -> the legal reason it may be non-monotone (none today)


def removals(doc: Doc) -> list[tuple[str, Callable[[Doc], None]]]:
    """Every single safeguard removal that changes ``doc``: (what, how)."""
    out: list[tuple[str, Callable[[Doc], None]]] = []

    def flag(path: list[Any], key: str, bad: Any, what: str) -> None:
        node: Any = doc
        for p in path:
            node = node.get(p) if isinstance(node, dict) else node[p]
            if node is None:
                return
        if node.get(key, None) != bad:

            def edit(d: Doc, path=path, key=key, bad=bad) -> None:
                n: Any = d
                for p in path:
                    n = n.setdefault(p, {}) if isinstance(n, dict) else n[p]
                n[key] = bad

            out.append((what, edit))

    for i, p in enumerate(doc.get("data_practices") or []):
        base: list[Any] = ["data_practices", i]
        for k in _CONSENT_ON:
            if (p.get("consent") or {}).get(k):
                flag(base + ["consent"], k, False, f"practice {i}: consent.{k} off")
        for k in _CONSENT_BAD:
            flag(base + ["consent"], k, True, f"practice {i}: consent.{k} on")
        if p.get("legal_basis", "none") != "none":
            flag(base, "legal_basis", "none", f"practice {i}: no legal basis")
        if p.get("special_category_condition", "none") != "none":
            flag(base, "special_category_condition", "none", f"practice {i}: no Art. 9(2) condition")
        for k in _PRACTICE_ON:
            if p.get(k):
                flag(base, k, False, f"practice {i}: {k} off")
        if p.get("retention_days") is not None:
            flag(base, "retention_days", None, f"practice {i}: no retention limit")
        notice = p.get("notice") or {}
        for k in ("at_collection", "local_language"):
            if notice.get(k):
                flag(base + ["notice"], k, False, f"practice {i}: notice.{k} off")
        for item in notice.get("discloses") or []:

            def drop(d: Doc, i=i, item=item) -> None:
                n = d["data_practices"][i]["notice"]
                n["discloses"] = [x for x in n["discloses"] if x != item]

            out.append((f"practice {i}: notice no longer discloses {item}", drop))
        for j, t in enumerate(p.get("transfers") or []):
            tb = base + ["transfers", j]
            for regime, mechanism in (t.get("mechanisms") or {}).items():
                if mechanism != "none":
                    flag(
                        tb + ["mechanisms"],
                        regime,
                        "none",
                        f"practice {i} transfer {j}: no {regime} mechanism",
                    )
            for k in ("impact_assessment", "cn_standard_contract_filed", "recipient_dpf_certified"):
                if t.get(k):
                    flag(tb, k, False, f"practice {i} transfer {j}: {k} off")
        for k, r in enumerate(p.get("recipients") or []):
            if r.get("contract"):
                flag(base + ["recipients", k], "contract", False, f"practice {i} recipient {k}: no contract")
    media = doc.get("synthetic_media")
    if media is not None:
        for k in _MEDIA_ON:
            if media.get(k):
                flag(["synthetic_media"], k, False, f"synthetic_media.{k} off")
    gov = doc.get("governance") or {}
    for k in _GOVERNANCE_ON:
        if gov.get(k):
            flag(["governance"], k, False, f"governance.{k} off")
    rights = gov.get("data_subject_rights") or {}
    for k in _RIGHTS_ON:
        if rights.get(k):
            flag(["governance", "data_subject_rights"], k, False, f"right {k} not honoured")
    if "governance" in doc:
        flag(
            ["governance", "data_subject_rights"],
            "identity_verification_for_opt_out",
            True,
            "opt-out verification",
        )
    aud = doc.get("audience") or {}
    for k in ("parental_verification", "minor_mode"):
        if aud.get(k):
            flag(["audience"], k, False, f"audience.{k} off")
    level = aud.get("age_assurance", "none")
    for weaker in _ASSURANCE[_ASSURANCE.index(level) + 1 :]:
        flag(["audience"], "age_assurance", weaker, f"age assurance {level} -> {weaker}")
    if (doc.get("organization") or {}).get("cn_data_stored_in_china"):
        flag(["organization"], "cn_data_stored_in_china", False, "PI no longer stored in China")
    return out


def _violations(doc: Doc, market: str, day: dt.date) -> set[tuple[str, str]]:
    report = durable().evaluate(model(doc), day)
    return {
        (v.rule_id, v.subject.path)
        for v in report.violations
        if v.jurisdiction == market and v.rule_id not in NON_MONOTONE
    }


def _chain(draw: st.DrawFn, doc: Doc, steps: int) -> list[tuple[str, Doc]]:
    out = []
    current = copy.deepcopy(doc)
    for _ in range(steps):
        options = removals(current)
        if not options:
            break
        what, edit = draw(st.sampled_from(options))
        current = copy.deepcopy(current)
        edit(current)
        out.append((what, current))
    return out


DAY = dt.date(2026, 9, 1)


def _check_chain(market: str, start: Doc, chain: list[tuple[str, Doc]]) -> None:
    before = _violations(start, market, DAY)
    history = []
    for what, doc in chain:
        now = _violations(doc, market, DAY)
        history.append(what)
        note(f"after {history}: {sorted(now)}")
        assert not (before and not now), (
            f"removing safeguards {history} turned a product violating {sorted(before)} compliant in {market}"
        )
        before = now


@budget(30)
@given(data=st.data(), market=st.sampled_from(MARKETS))
def test_taking_safeguards_away_never_makes_a_product_compliant(data, market) -> None:
    start = data.draw(compliant_products(market, as_of=DAY), label="compliant start")
    chain = _chain(data.draw, start, data.draw(st.integers(1, 12), label="steps"))
    _check_chain(market, start, chain)


@budget(120)
@given(data=st.data(), market=st.sampled_from(MARKETS))
def test_taking_a_safeguard_away_from_any_product_keeps_it_violating(data, market) -> None:
    start = data.draw(products(markets=[market]), label="start")
    chain = _chain(data.draw, start, data.draw(st.integers(1, 4), label="steps"))
    _check_chain(market, start, chain)


@budget(80)
@given(data=st.data(), market=st.sampled_from(MARKETS))
def test_adding_a_sensitive_category_never_removes_a_violation(data, market) -> None:
    doc = data.draw(st.one_of(products(markets=[market]), compliant_products(market, as_of=DAY)), label="doc")
    practices = doc.get("data_practices") or []
    if not practices:
        return
    i = data.draw(st.integers(0, len(practices) - 1), label="practice")
    key = data.draw(st.sampled_from(SENSITIVE), label="category")
    more = copy.deepcopy(doc)
    more["data_practices"][i]["data_categories"] = list(practices[i].get("data_categories") or []) + [key]
    before = _violations(doc, market, DAY)
    after = _violations(more, market, DAY)
    assert before <= after, f"adding {key} to practice {i} removed {sorted(before - after)}"


def test_dropping_an_unneeded_cn_standard_contract_keeps_the_product_compliant() -> None:
    """An export below the CBDT thresholds needs no mechanism, so an unfiled voluntary standard
    contract is no violation, and taking it away changes nothing (the old counterexample)."""
    from engine.testing.repair import compliant_seed

    doc = copy.deepcopy(compliant_seed("CN", DAY))
    doc["organization"]["cn_export_individuals_per_year"] = 0
    doc["organization"]["cn_export_sensitive_individuals_per_year"] = 0
    transfer = doc["data_practices"][0]["transfers"][0]
    transfer.update(to="SG", mechanisms={"CN": "cn_standard_contract"}, cn_standard_contract_filed=False)
    with_contract = {
        v.rule_id for v in durable().evaluate(model(doc), DAY).violations if v.jurisdiction == "CN"
    }
    transfer["mechanisms"] = {"CN": "none"}
    without = {v.rule_id for v in durable().evaluate(model(doc), DAY).violations if v.jurisdiction == "CN"}
    assert "cn-cbdt-standard-contract-filing" not in with_contract
    assert without <= with_contract
    doc["organization"]["cn_export_individuals_per_year"] = 150_000  # above the threshold: the route applies
    transfer["mechanisms"] = {"CN": "cn_standard_contract"}
    above = {v.rule_id for v in durable().evaluate(model(doc), DAY).violations if v.jurisdiction == "CN"}
    assert "cn-cbdt-standard-contract-filing" in above
