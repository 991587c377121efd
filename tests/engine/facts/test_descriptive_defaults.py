"""No descriptive fact defaults to the answer that switches a rule off.

An absent fact is either the unsafe answer (the law puts the burden on the company: consent,
notice, safeguards) or unknown, so the rule answers "insufficient information". The sweep below
reads every rule condition: a field whose default makes one of its atoms false is a default
that can switch the rule off, and must be listed with the reason the law puts the burden there.
"""

from __future__ import annotations

import copy

from pydantic import BaseModel

from engine.analysis.lint import example_date
from engine.evaluate.evaluator import Evaluator
from engine.facts import derive
from engine.facts.inputs import product_from_data
from engine.facts.media import SyntheticMedia
from engine.facts.product import DataPractice, DataSubjectRights, Product, Transfer
from engine.facts.registry import fact_specs
from engine.law import conditions
from engine.law.model import RuleSet

#: Descriptive facts: derived when absent (engine/facts/derive.py), otherwise unknown, never a default.
#: Each with the provision that defines what it describes.
DERIVED_OR_UNKNOWN = {
    "practice.large_scale": "GDPR Arts. 35(3)(b)-(c), 37(1)(b)-(c), Recital 91; derived from the audience",
    "practice.systematic_monitoring": "GDPR Art. 35(3)(c); WP248 rev.01 criterion 3; derived from purpose and data",
    "practice.automated_decision_significant_effect": "GDPR Arts. 22(1), 35(3)(a)",
    "practice.personalised_marketing": "PIPL Art. 24(2); derived from the purpose",
    "practice.captured_in_public_places": "PIPL Art. 26; false without image or biometric data",
    "practice.sold": "CCPA §1798.140(ad): a disclosure to a third party; false when the stated recipients "
    "include none",
    "practice.shared_for_cross_context_ads": "CCPA §1798.140(ah): a disclosure to a third party; false when "
    "the stated recipients include none",
    "practice.public_by_default": "GDPR Art. 25(2) and PIPL Art. 25 judge what the product does by default: "
    "a description of the product, not a claim the company must prove",
    "practice.automated_decisions": "PIPL Art. 73(2) defines automated decision-making; true for profiling "
    "purposes and profile-based pricing",
    "practice.consent.service_refused_without_consent": "conduct PIPL Art. 16, CCPA §1798.125(a) and WP248 "
    "criterion 9 judge outside any consent relied on, so no consent burden applies to it",
    "practice.spi_used_beyond_service": "CCPA §1798.121(a), 11 CCR §7027(m); derived from the purpose",
    "practice.price_discrimination_by_profile": "PIPL Art. 24(1); Algorithm Recommendation Provisions "
    "Art. 21; false when no automated decisions are stated",
    "product.audience.directed_at_children": "CCPA §1798.120(c) (wilful disregard of age); COPPA 16 CFR "
    "312.2: what the service is aimed at, decided on its content and audience",
    "product.governance.data_subject_rights.identity_verification_for_opt_out": "11 CCR §7026(d) forbids "
    "the practice; whether a business does it is a fact about its request process",
    "synthetic_media.generates": "AI Act Art. 50(2); Deep Synthesis Provisions Art. 2; true for a provider "
    "or deployer stating the modalities it generates",
    "synthetic_media.likeness_of_real_people": "AI Act Art. 3(60) (deep fake); Deep Synthesis Provisions "
    "Art. 14(2); true from likeness consent or likeness data",
    "synthetic_media.chatbot": "AI Act Art. 50(1); false when the modalities include neither text nor audio",
    "synthetic_media.emotion_recognition": "AI Act Art. 3(39): on the basis of biometric data",
    "synthetic_media.biometric_categorisation_sensitive": "AI Act Arts. 3(40), 5(1)(g): on the basis of "
    "biometric data",
    "synthetic_media.untargeted_face_scraping": "AI Act Art. 5(1)(e): facial images",
    "synthetic_media.public_interest_text": "AI Act Art. 50(4) second subparagraph: text only",
    "synthetic_media.public_opinion_attributes": "Deep Synthesis Provisions Arts. 19-20; Provisions on "
    "Security Assessment of Internet Information Services with Public Opinion Attributes (2018) Art. 2: "
    "what the service is",
    "synthetic_media.licensed_to_third_parties": "Cal. Bus. & Prof. Code §22757.3(c): a fact about the "
    "provider's business",
    "synthetic_media.unlabeled_export_on_request": "CN Labeling Measures Art. 9: a fact about the service",
}

#: Absent reads as the unsafe answer: the default is the value the rules fire on, because the law
#: makes the company prove the safe one.
UNSAFE_WHEN_ABSENT = {
    "practice.consent.pre_ticked": "a controller relying on consent must be able to demonstrate an "
    "active opt-in (GDPR Arts. 4(11), 7(1), Recital 32; CJEU C-673/17 Planet49, paras 61-62; C-61/19 "
    "Orange Romania, paras 42, 52: the burden is the controller's); every rule on it applies only to "
    "consent relied on",
    "practice.consent.bundled_with_terms": "a controller relying on consent must be able to demonstrate "
    "it was asked for apart from other matters (GDPR Art. 7(1)-(2), Recital 42; CJEU C-61/19 Orange "
    "Romania); every rule on it applies only to consent relied on",
}

#: Defaults that switch an atom off, and why the law allows it.
BURDEN_ELSEWHERE = {
    "practice.consent.obtained": "no consent is the unsafe answer (eu-gdpr-lawful-basis fires); the "
    "atoms it switches off belong to consent-quality rules, which apply only to consent claimed",
    "practice.consent.parental_for_children": "no parental consent is the unsafe answer "
    "(eu-gdpr-child-consent); the verification rule applies only to parental consent claimed",
    "practice.notice.at_collection": "no notice is the unsafe answer (the transparency rules fire); "
    "the rule it switches off judges the language of a notice that exists",
    "practice.important_data": "data are important data only once a regulator has notified or "
    "published them as such (CN Provisions on Cross-Border Data Flows, 2024, Art. 2)",
    "product.organization.critical_information_infrastructure": "CII operators are identified and "
    "notified by the protection departments (CII Security Protection Regulations, 2021, Art. 10)",
    "product.audience.eu_vlop_designated": "a platform is a VLOP only once the Commission designates "
    "it (DSA Art. 33(4))",
    "synthetic_media.artistic_or_satirical": "an exemption the company claims (AI Act Art. 50(4)); "
    "without the claim the full disclosure duty applies",
    "synthetic_media.visible_label": "a safeguard: without it the labeling rules fire; the atoms it "
    "switches off belong to rules on removing or altering labels that exist",
    "synthetic_media.metadata_label": "a safeguard: without it the labeling rules fire; the atoms it "
    "switches off belong to rules on removing or altering labels that exist",
}


def _bool_defaults() -> dict[str, bool]:
    out: dict[str, bool] = {}

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            path = f"{prefix}.{name}"
            ann = field.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                walk(ann, path)
            elif isinstance(field.default, bool):
                out[path] = field.default

    walk(Product, "product")
    walk(DataSubjectRights, "product.governance.data_subject_rights")
    walk(DataPractice, "practice")
    walk(SyntheticMedia, "synthetic_media")
    walk(Transfer, "transfer")
    return out


def _switched_off_by_default(ruleset: RuleSet) -> dict[str, set[str]]:
    """Field -> rules one of whose atoms the field's default makes false."""
    defaults = _bool_defaults()
    found: dict[str, set[str]] = {}
    for rule in ruleset.rules:
        # every version of the rule: a dated exception (e.g. a transitional period) tests facts
        # only while it is in force
        versions = {rule.when_at(day) for day in rule.boundaries()} | {rule.when}
        for when in versions:
            for atom in conditions.atoms(conditions.to_nnf(when)):
                if atom.fact in defaults and atom.op == "eq":
                    if (defaults[atom.fact] == atom.value) == atom.negated:
                        found.setdefault(atom.fact, set()).add(rule.id)
    return found


def test_no_unreviewed_company_friendly_default(ruleset: RuleSet) -> None:
    found = _switched_off_by_default(ruleset)
    unreviewed = set(found) - set(BURDEN_ELSEWHERE)
    assert not unreviewed, {f: sorted(found[f]) for f in unreviewed}
    # the list stays exact: an entry whose default no longer switches anything off is removed
    assert set(BURDEN_ELSEWHERE) <= set(found), set(BURDEN_ELSEWHERE) - set(found)
    assert not set(DERIVED_OR_UNKNOWN) & set(found)
    assert not set(UNSAFE_WHEN_ABSENT) & set(found)


def _field(path: str):
    """The pydantic field behind a fact path."""
    ns, _, rest = path.partition(".")
    model: type[BaseModel] = {
        "product": Product, "practice": DataPractice, "synthetic_media": SyntheticMedia, "transfer": Transfer
    }[ns]  # fmt: skip
    *parents, name = rest.split(".")
    for parent in parents:
        ann = model.model_fields[parent].annotation
        model = ann if isinstance(ann, type) else model.model_fields[parent].default_factory().__class__
    return model.model_fields[name]


def test_derived_fields_have_no_default() -> None:
    for path in DERIVED_OR_UNKNOWN:
        assert _field(path).default is None, path
        assert fact_specs()[path].may_be_missing, path


def test_unsafe_defaults_are_what_the_rules_fire_on(ruleset: RuleSet) -> None:
    """A default the law makes the company disprove is the value every rule testing it fires on."""
    for path in UNSAFE_WHEN_ABSENT:
        default = _field(path).default
        assert isinstance(default, bool), path
        atoms = [
            a
            for rule in ruleset.rules
            for a in conditions.atoms(conditions.to_nnf(rule.when))
            if a.fact == path
        ]
        assert atoms, f"{path}: no rule tests it"
        assert all(a.op == "eq" and (a.value == default) != a.negated for a in atoms), path


def _uses(ruleset: RuleSet, field: str) -> list:
    return [r for r in ruleset.rules if field in conditions.fact_paths(r.when)]


def _friendly_value(rule, field: str) -> bool:
    atom = next(a for a in conditions.atoms(conditions.to_nnf(rule.when)) if a.fact == field)
    return (not atom.value) != atom.negated  # the value that makes the atom false


def _verdict(ev: Evaluator, rule, doc: dict, example) -> str:
    report = ev.evaluate(product_from_data(doc), example_date(rule, ev.ruleset, example))
    if any(v.rule_id == rule.id for v in report.violations):
        return "violation"
    if any(i.rule_id == rule.id for i in report.insufficient_information):
        return "insufficient"
    return "compliant"


def _locations(doc: dict, field: str) -> list[tuple[dict, str]]:
    """(parent object, key) of every place in a description that states ``field``."""
    ns, _, rest = field.partition(".")
    *parents, key = rest.split(".")
    if ns == "practice":
        roots = doc.get("data_practices", [])
    elif ns == "synthetic_media":
        roots = [doc["synthetic_media"]] if doc.get("synthetic_media") else []
    else:
        roots = [doc]
    out = []
    for obj in roots:
        for parent in parents:
            obj = obj.get(parent) if isinstance(obj, dict) else None
        if isinstance(obj, dict) and key in obj:
            out.append((obj, key))
    return out


def _derived_anyway(doc: dict, field: str) -> bool:
    """Whether the description implies the fact once it is left out (engine/facts/derive.py)."""
    import datetime as dt

    from engine.facts.registry import build_subjects

    subjects = build_subjects(product_from_data(doc), dt.date(2026, 12, 1))
    return any(field in s.facts for s in subjects[1:] or subjects)


def test_absent_is_never_the_company_friendly_answer(durable: Evaluator) -> None:
    """In every violating example that states a descriptive fact, leaving it out never reads as compliant."""
    checked: dict[str, int] = {}
    for field in sorted(DERIVED_OR_UNKNOWN):
        for rule in _uses(durable.ruleset, field):
            for example in rule.violating:
                for i in range(len(_locations(example.product, field))):
                    friendly = copy.deepcopy(example.product)
                    obj, key = _locations(friendly, field)[i]
                    obj[key] = _friendly_value(rule, field)
                    if _verdict(durable, rule, friendly, example) != "compliant":
                        continue  # another practice or fact decides this example
                    absent = copy.deepcopy(example.product)
                    obj, key = _locations(absent, field)[i]
                    del obj[key]
                    if _derived_anyway(absent, field):
                        continue  # derived from what the description states, tested below
                    assert _verdict(durable, rule, absent, example) != "compliant", (
                        f"{rule.id}: leaving out {field} reads as the company-friendly value"
                    )
                    checked[field] = checked.get(field, 0) + 1
    # most descriptive facts are exercised this way, in practices, the product and synthetic media
    assert len(checked) >= 12 and sum(checked.values()) >= 20, checked
    assert {f.partition(".")[0] for f in checked} >= {"practice", "product", "synthetic_media"}, checked


def test_absent_consent_quality_reads_as_the_unsafe_answer(durable: Evaluator) -> None:
    """Consent relied on but not shown to be an active, separate opt-in is reported, not assumed valid."""
    doc = {
        "id": "p",
        "markets": ["EU"],
        "data_practices": [
            {
                "id": "a",
                "data_categories": ["user.contact.email"],
                "purpose": "marketing.communications.email",
                "legal_basis": "consent",
                "consent": {"obtained": True, "withdrawable": True, "logged": True},
            }
        ],
    }
    import datetime as dt

    found = {v.rule_id for v in durable.evaluate(product_from_data(doc), dt.date(2026, 12, 1)).violations}
    assert {"eu-gdpr-consent-pre-ticked", "eu-gdpr-consent-bundled"} <= found
    doc["data_practices"][0]["consent"] |= {"pre_ticked": False, "bundled_with_terms": False}
    found = {v.rule_id for v in durable.evaluate(product_from_data(doc), dt.date(2026, 12, 1)).violations}
    assert not {"eu-gdpr-consent-pre-ticked", "eu-gdpr-consent-bundled"} & found


def test_large_scale_is_derived_from_the_audience(durable: Evaluator) -> None:
    import datetime as dt

    from engine.facts.derive import LARGE_SCALE_PEOPLE, NOT_LARGE_SCALE_BELOW
    from engine.facts.registry import build_subjects

    def large(audience: dict) -> object:
        doc = {
            "id": "p",
            "markets": ["EU"],
            "audience": audience,
            "data_practices": [{"id": "a", "data_categories": ["user.contact.email"]}],
        }
        facts = build_subjects(product_from_data(doc), dt.date(2026, 12, 1))[1].facts
        return facts.get("practice.large_scale", "unknown")

    assert large({"monthly_active_users": LARGE_SCALE_PEOPLE}) is True
    assert large({"users_by_market": {"DE": LARGE_SCALE_PEOPLE - 1, "FR": 1}}) is True
    assert large({"monthly_active_users": NOT_LARGE_SCALE_BELOW - 1}) is False
    assert large({"monthly_active_users": NOT_LARGE_SCALE_BELOW}) == "unknown"
    assert large({}) == "unknown"


def _practice_facts(practice: dict) -> dict:
    import datetime as dt

    from engine.facts.registry import build_subjects

    doc = {"id": "p", "markets": ["EU"], "data_practices": [{"id": "a", **practice}]}
    return build_subjects(product_from_data(doc), dt.date(2026, 12, 1))[1].facts


def test_marketing_and_monitoring_are_derived_from_purpose_and_data() -> None:
    targeted = _practice_facts({"purpose": "marketing.advertising.third_party.targeted"})
    assert targeted["practice.personalised_marketing"] is True
    assert targeted["practice.systematic_monitoring"] is True
    service = _practice_facts({"purpose": "essential.service", "data_categories": ["user.contact.email"]})
    assert service["practice.personalised_marketing"] is False
    assert "practice.systematic_monitoring" not in service  # unknown, never false by default
    contextual = _practice_facts({"purpose": "marketing.advertising.first_party.contextual"})
    assert "practice.personalised_marketing" not in contextual
    located = _practice_facts({"data_categories": ["user.location.precise"]})
    assert located["practice.systematic_monitoring"] is True
    assert located["practice.captured_in_public_places"] is False
    faces = _practice_facts({"data_categories": ["user.biometric.face"]})
    assert "practice.captured_in_public_places" not in faces
    assert "practice.automated_decision_significant_effect" not in faces
    stated = _practice_facts({"automated_decisions": False, "large_scale": False})
    assert stated["practice.automated_decision_significant_effect"] is False
    assert stated["practice.large_scale"] is False


def test_sale_and_sharing_are_derived_from_stated_recipients() -> None:
    processor = [{"name": "Host", "role": "processor", "contract": True}]
    broker = [{"name": "Broker", "role": "third_party", "contract": True}]
    none_stated = _practice_facts({"data_categories": ["user.contact.email"]})
    assert "practice.sold" not in none_stated and "practice.shared_for_cross_context_ads" not in none_stated
    assert "product.sells_or_shares" not in none_stated  # unknown while a practice may sell
    to_processor = _practice_facts({"recipients": processor})
    assert (
        to_processor["practice.sold"] is False
        and to_processor["practice.shared_for_cross_context_ads"] is False
    )
    assert to_processor["product.sells_or_shares"] is False
    nobody = _practice_facts({"recipients": []})
    assert nobody["practice.sold"] is False
    to_broker = _practice_facts({"recipients": broker})
    assert "practice.sold" not in to_broker  # a third party may buy: unknown
    assert _practice_facts({"recipients": broker, "sold": True})["product.sells_or_shares"] is True


def test_decisions_and_sensitive_use_are_derived_from_the_purpose() -> None:
    ads = _practice_facts({"purpose": "marketing.advertising.third_party.targeted"})
    assert ads["practice.automated_decisions"] is True  # PIPL Art. 73(2)
    assert ads["practice.spi_used_beyond_service"] is True
    service = _practice_facts({"purpose": "essential.service", "recipients": []})
    assert "practice.automated_decisions" not in service
    assert service["practice.spi_used_beyond_service"] is False
    assert "practice.spi_used_beyond_service" not in _practice_facts({"purpose": "essential.service"})
    stated = _practice_facts({"automated_decisions": False})
    assert stated["practice.price_discrimination_by_profile"] is False
    assert "practice.price_discrimination_by_profile" not in _practice_facts({})
    assert "practice.public_by_default" not in _practice_facts({})
    assert "practice.consent.service_refused_without_consent" not in _practice_facts({})


def _media_facts(media: dict | None, categories: list[str] | None = None) -> dict:
    import datetime as dt

    from engine.facts.registry import build_subjects

    doc: dict = {"id": "p", "markets": ["EU"]}
    if categories is not None:
        doc["data_practices"] = [{"id": "a", "data_categories": categories}]
    if media is not None:
        doc["synthetic_media"] = media
    return build_subjects(product_from_data(doc), dt.date(2026, 12, 1))[0].facts


def test_synthetic_media_facts_are_derived_or_unknown() -> None:
    none = _media_facts(None, ["user.contact.email"])
    assert all(none[f"synthetic_media.{n}"] is False for n in derive.MEDIA_DESCRIPTIVE_FACTS)
    images = _media_facts({"role": "provider", "modalities": ["image"]}, ["user.contact.email"])
    assert images["synthetic_media.generates"] is True
    assert (
        images["synthetic_media.chatbot"] is False and images["synthetic_media.public_interest_text"] is False
    )
    assert images["synthetic_media.emotion_recognition"] is False  # AI Act Art. 3(39): no biometric data
    assert images["synthetic_media.untargeted_face_scraping"] is False
    assert "synthetic_media.likeness_of_real_people" not in images
    faces = _media_facts(
        {"role": "provider", "modalities": ["video", "audio"]}, ["user.biometric.face.likeness"]
    )
    assert faces["synthetic_media.likeness_of_real_people"] is True
    for name in (
        "chatbot",
        "emotion_recognition",
        "biometric_categorisation_sensitive",
        "untargeted_face_scraping",
    ):
        assert f"synthetic_media.{name}" not in faces, name
    platform = _media_facts({"role": "platform", "modalities": ["video"]})
    assert "synthetic_media.generates" not in platform
    for name in ("public_opinion_attributes", "licensed_to_third_parties", "unlabeled_export_on_request"):
        assert f"synthetic_media.{name}" not in platform, name
