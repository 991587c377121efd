"""The editor-grade JSON Schema of a product description (``regulint schema``, ``GET /v1/schemas/product``).

``Product.model_json_schema()`` plus what an editor needs: ``$schema`` and ``$id``; a description and
an example on every property (examples from the shipped seeds, else the field's first allowed
value); enums of the taxonomy keys, markets and place codes; the cross-field constraints the validator
enforces that JSON Schema can express; and a top-level ``$schema`` key, the usual way a JSON file
names its schema (the validator ignores it).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

SCHEMA_ID = "https://github.com/regulint/regulint/schemas/product-description.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

# Properties whose description the pydantic model does not carry (keyed "Model.field").
DESCRIPTIONS: dict[str, str] = {
    "Product.schema_version": "Version of this description format; '1' is the only one.",
    "Product.id": "Stable identifier of the product or feature (used in reports, baselines and fingerprints).",
    "Product.name": "Human-readable name of the product or feature.",
    "Product.organization": "The company that offers the product: size, revenue, establishments.",
    "Product.markets": "Markets the product is offered in: CN, EU (or an EU member state such as DE), US-CA, other ISO 3166 places.",
    "Product.audience": "Who uses the product: how many, where, how young, how age is checked.",
    "Product.data_practices": "Each processing of personal data: what is collected, about whom, why, on what basis, where it goes.",
    "Product.synthetic_media": "Generated or edited content (deep synthesis, generative AI) and how it is labelled.",
    "Product.governance": "Company-wide measures: policies, assessments, representatives, rights handling.",
    "Audience.monthly_active_users": "Monthly active users across all markets.",
    "Audience.users_by_market": "Users per market code (e.g. {'EU': 900000}); CCPA amounts are counted per affected consumer.",
    "Audience.age_assurance": "How users' age is established: none, self_declared, estimation or verified.",
    "Audience.parental_verification": "Whether parental consent is verified for children's accounts.",
    "Consent.obtained": "Whether consent is collected before the processing (absent: no consent).",
    "Consent.separate": "Whether consent is asked separately for this processing (PIPL 'separate consent').",
    "Consent.explicit": "Whether consent is an express statement or clear affirmative act for this purpose.",
    "Consent.withdrawable": "Whether users can withdraw consent as easily as they gave it.",
    "Consent.parental_for_children": "Whether a parent or guardian consents for children.",
    "Consent.refusal_as_easy_as_acceptance": "Whether refusing is as easy as accepting (same step, same prominence).",
    "DataPractice.id": "Identifier of this practice, unique within the description (used to name findings).",
    "DataPractice.data_categories": "Personal data processed, as Fides data-category keys (hierarchical: user.biometric covers user.biometric.voice).",
    "DataPractice.data_subjects": "Whose data it is, as Fides data-subject keys (customer, employee, child, …).",
    "DataPractice.source": "Where the data comes from: data_subject, third_party, public_scraping, user_uploaded_about_others, inferred.",
    "DataPractice.purpose": "Why the data is processed, as a Fides data-use key.",
    "DataPractice.legal_basis": "GDPR Art. 6 legal basis relied on (none when there is none).",
    "DataPractice.special_category_condition": "GDPR Art. 9(2) condition for special-category data (none when there is none).",
    "DataPractice.consent": "How consent is collected for this practice.",
    "DataPractice.notice": "What users are told at collection.",
    "DataPractice.necessary_for_purpose": "Whether each data category is necessary for the purpose (data minimisation).",
    "DataPractice.deleted_on_account_closure": "Whether the data is deleted when the account is closed.",
    "DataPractice.encrypted_at_rest": "Whether the data is encrypted at rest.",
    "DataPractice.recipients": "Who receives the data, in what role, under a contract or not.",
    "DataPractice.transfers": "Transfers of the data out of the market where it was collected.",
    "DataPractice.opt_out_offered": "Whether users can opt out of this processing (sale, sharing, profiling).",
    "DataPractice.important_data": "Whether the data is 'important data' under China's Data Security Law.",
    "DataSubjectRights.access": "Whether people can get a copy of their data.",
    "DataSubjectRights.erasure": "Whether people can have their data deleted.",
    "DataSubjectRights.rectification": "Whether people can have inaccurate data corrected.",
    "DataSubjectRights.portability": "Whether people can take their data in a machine-readable format.",
    "DataSubjectRights.objection": "Whether people can object to processing (e.g. direct marketing, profiling).",
    "DataSubjectRights.account_deletion": "Whether users can delete their account in the product.",
    "Governance.privacy_policy_published": "Whether a privacy policy is published.",
    "Governance.dpia_completed": "Whether a data protection impact assessment (GDPR Art. 35) was carried out.",
    "Governance.pi_impact_assessment_completed": "Whether a personal-information protection impact assessment (PIPL Art. 55) was carried out.",
    "Governance.records_of_processing": "Whether records of processing activities (GDPR Art. 30) are kept.",
    "Governance.dpo_appointed": "Whether a data protection officer is appointed.",
    "Governance.eu_representative": "Whether an EU representative (GDPR Art. 27) is designated.",
    "Governance.cn_representative": "Whether a representative in China (PIPL Art. 53) is designated.",
    "Governance.honors_opt_out_signals": "Whether opt-out preference signals (Global Privacy Control) are honoured.",
    "Governance.do_not_sell_link": "Whether a 'Do Not Sell or Share My Personal Information' link is offered.",
    "Governance.limit_sensitive_pi_link": "Whether a 'Limit the Use of My Sensitive Personal Information' link is offered.",
    "Governance.breach_notification_process": "Whether there is a process to notify breaches to authorities and people.",
    "Governance.data_subject_rights": "Which rights requests the product honours.",
    "Money.amount": "The amount, a non-negative number in the currency's units.",
    "Notice.at_collection": "Whether notice is given at or before collection.",
    "Notice.discloses": "What the notice discloses.",
    "Notice.local_language": "Whether the notice is in the language of each market.",
    "Organization.name": "The company's legal name.",
    "Organization.headquarters": "Place code of the head office.",
    "Organization.establishments": "Place codes of every establishment (offices, subsidiaries).",
    "Organization.critical_information_infrastructure": "Whether the company operates critical information infrastructure in China.",
    "Recipient.name": "Who receives the data.",
    "Recipient.role": "The recipient's role: processor, service_provider, contractor, third_party, joint_controller.",
    "Recipient.contract": "Whether a data-processing or service-provider contract is in place.",
    "Recipient.country": "Place code of the recipient, when it is in another place than the data.",
    "SyntheticMedia.role": "provider (makes the model or service), deployer (uses one) or platform (distributes others' content).",
    "SyntheticMedia.modalities": "Kinds of content generated: text, image, audio, video, virtual_scene.",
    "SyntheticMedia.likeness_consent": "Whether the people depicted consent to their likeness being used.",
    "SyntheticMedia.accepts_images_of_minors": "Whether images of minors are accepted as input.",
    "SyntheticMedia.visible_label": "Whether generated content carries a visible 'AI-generated' label.",
    "SyntheticMedia.metadata_label": "Whether generated files carry a machine-readable label in their metadata.",
    "SyntheticMedia.metadata_standard": "The metadata labelling standard used: c2pa, iptc, gb45438, watermark or proprietary.",
    "SyntheticMedia.labels_survive_export": "Whether labels stay on download, copy and re-encode.",
    "SyntheticMedia.detection_tool_offered": "Whether a tool to detect the product's generated content is offered.",
    "SyntheticMedia.user_identity_verification": "Whether users are identity-verified (real-name) before generating.",
    "SyntheticMedia.artistic_or_satirical": "Whether the content is evidently artistic, creative, satirical or fictional (AI Act Art. 50(4)).",
    "SyntheticMedia.algorithm_filing_cn": "Whether the algorithm is filed with the Cyberspace Administration of China.",
    "SyntheticMedia.unlabeled_export_logs_months": "Months that logs of exports without an explicit label are kept (null: not kept).",
    "SyntheticMedia.emotion_recognition_context": "Where emotion recognition is used, if anywhere (e.g. workplace, education).",
    "Transfer.to": "Place code the data goes to (or is accessed from).",
    "Transfer.remote_access_only": "Whether the data stays home but is reached from the destination (still a transfer).",
}


@cache
def _seed_values() -> dict[str, list[Any]]:
    """Values seen in the shipped seeds, by 'Model.field' (so examples are real descriptions' values)."""
    from engine.core.resources import seeds_dir
    from engine.facts.product import Product

    out: dict[str, list[Any]] = {}

    def walk(model: type, data: Any) -> None:
        if not isinstance(data, dict):
            return
        for name, field in model.model_fields.items():
            if name not in data:
                continue
            value = data[name]
            out.setdefault(f"{model.__name__}.{name}", []).append(value)
            for sub in _submodels(field.annotation):
                for item in value if isinstance(value, list) else [value]:
                    walk(sub, item)

    for path in sorted(seeds_dir().glob("*.json")):
        walk(Product, json.loads(path.read_text(encoding="utf-8")))
    return out


def _submodels(annotation: Any) -> list[type]:
    import typing

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _submodels(arg)]


def _places() -> list[str]:
    from engine.core.jurisdictions import jurisdictions, member_of, other_places

    return sorted(set(jurisdictions()) | set(member_of()) | set(other_places()))


def _example(key: str, prop: dict[str, Any], defs: dict[str, Any]) -> Any:
    seen = [v for v in _seed_values().get(key, []) if v is not None]
    if seen:
        return seen[0]
    if "default" in prop and prop["default"] is not None:
        return prop["default"]
    target = prop
    for option in prop.get("anyOf", []):
        if option.get("type") != "null":
            target = option
    ref = target.get("$ref") or target.get("items", {}).get("$ref")
    resolved = defs.get(ref.rsplit("/", 1)[-1], {}) if ref else target
    if "enum" in resolved:
        return [resolved["enum"][0]] if target.get("type") == "array" else resolved["enum"][0]
    kind = target.get("type")
    return {"boolean": True, "integer": 1, "number": 1.0, "string": "example", "array": [], "object": {}}.get(
        kind, None
    )


def _taxonomy_enum(kind: str) -> dict[str, Any]:
    from engine.core import taxonomy

    return {"type": "string", "enum": sorted(taxonomy.keys(kind))}


# Which properties hold taxonomy keys and place codes (their items, for lists and maps).
_TAXONOMY = {
    "DataPractice.data_categories": "data_category",
    "DataPractice.data_subjects": "data_subject",
    "DataPractice.purpose": "data_use",
}
_PLACES = {
    "Product.markets", "Organization.headquarters", "Organization.establishments", "Recipient.country", "Transfer.to",
}  # fmt: skip


def _place_schema() -> dict[str, Any]:
    return {
        "anyOf": [{"enum": _places()}, {"pattern": "^US-[A-Z]{2}$"}],
        "type": "string",
        "description": "A market (CN, EU, US-CA), an EU member state (counts as EU), another ISO 3166-1 "
        "alpha-2 code, or a US state such as US-NY.",
    }


def _constrain(key: str, prop: dict[str, Any]) -> None:
    """Replace a free string by the enum (or place pattern) the validator enforces."""
    if key in _TAXONOMY:
        enum = _taxonomy_enum(_TAXONOMY[key])
        if prop.get("type") == "array" or "items" in prop:
            prop["items"] = enum
        else:
            prop.pop("type", None)
            options = prop.get("anyOf")
            prop["anyOf"] = [enum, {"type": "null"}] if options else [enum]
    elif key in _PLACES:
        place = _place_schema()
        if prop.get("type") == "array":
            prop["items"] = place
        elif "anyOf" in prop:
            prop["anyOf"] = [place, {"type": "null"}]
        else:
            prop.pop("type", None)
            prop.update(place)
    elif key == "Audience.users_by_market":
        prop["propertyNames"] = {"enum": _places()}


@cache
def _schema() -> dict[str, Any]:
    from engine.facts.product import Product

    schema = Product.model_json_schema()
    defs = schema.setdefault("$defs", {})
    models = [("Product", schema), *defs.items()]
    for name, model in models:
        for field, prop in (model.get("properties") or {}).items():
            key = f"{name}.{field}"
            prop.setdefault("description", DESCRIPTIONS.get(key, ""))
            _constrain(key, prop)
            if "examples" not in prop:
                example = _example(key, prop, defs)
                if example is not None:
                    prop["examples"] = [example]
    # cross-field constraints of Product's validator that JSON Schema can express
    schema["anyOf"] = [{"required": ["data_practices"]}, {"required": ["synthetic_media"]}]
    schema["properties"]["data_practices"]["minItems"] = 0
    props = {"$schema": {"type": "string", "description": "The schema this file follows (editors use it).",
                         "examples": [SCHEMA_ID]}, **schema["properties"]}  # fmt: skip
    schema["properties"] = props
    return {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": "regulint product description",
        "description": (schema.get("description") or "")
        + " Give at least one of data_practices or synthetic_media; data_practices ids are unique.",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def description_json_schema() -> dict[str, Any]:
    """The schema (a fresh copy: callers may change it)."""
    return copy.deepcopy(_schema())


def without_schema_key(data: Any) -> Any:
    """A description with its top-level ``$schema`` key (a string) removed: editors add it to bind
    the file to this schema; it is not part of the description."""
    if isinstance(data, dict) and isinstance(data.get("$schema"), str):
        return {k: v for k, v in data.items() if k != "$schema"}
    return data
