"""The product description: the input contract of DESIGN.md as pydantic models.

Defaults follow one principle: where the law puts the burden of proof on the company
(consent, notice, safeguards), an absent fact reads as the unsafe answer (no consent, no
notice). Where no default is fair (revenue, age of the youngest user, whether a transfer
impact assessment found equivalence), the field stays unknown (``None``) and the rules that
need it answer "insufficient information" instead of guessing.

Fields marked *regulint addition* are optional extensions of the DESIGN.md contract that
some requirement rows of the law need; README "Input reference" lists them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from engine.core import taxonomy
from engine.core.jurisdictions import normalise_place
from engine.facts.base import FactModel
from engine.facts.mechanisms import TransferMechanism, TransferMechanisms, upgrade_single_mechanism
from engine.facts.media import SyntheticMedia


class LegalBasis(StrEnum):
    consent = "consent"
    contract = "contract"
    legal_obligation = "legal_obligation"
    vital_interests = "vital_interests"
    public_task = "public_task"
    legitimate_interests = "legitimate_interests"
    none = "none"


class SpecialCategoryCondition(StrEnum):
    explicit_consent = "explicit_consent"
    employment_law = "employment_law"
    vital_interests = "vital_interests"
    made_public_by_subject = "made_public_by_subject"
    legal_claims = "legal_claims"
    substantial_public_interest = "substantial_public_interest"
    health_care = "health_care"
    public_health = "public_health"
    research = "research"
    none = "none"


class Source(StrEnum):
    data_subject = "data_subject"
    third_party = "third_party"
    public_scraping = "public_scraping"
    user_uploaded_about_others = "user_uploaded_about_others"
    inferred = "inferred"


class Disclosure(StrEnum):
    controller_identity = "controller_identity"
    purposes = "purposes"
    categories = "categories"
    retention = "retention"
    rights = "rights"
    recipients = "recipients"
    transfers = "transfers"
    legal_basis = "legal_basis"
    automated_decisions = "automated_decisions"
    sale_or_sharing = "sale_or_sharing"
    necessity_and_impact = "necessity_and_impact"  # regulint addition: PIPL Art. 30 extra notice
    source_of_data = "source_of_data"  # regulint addition: GDPR Art. 14(2)(f)


class RecipientRole(StrEnum):
    processor = "processor"
    service_provider = "service_provider"
    contractor = "contractor"
    third_party = "third_party"
    joint_controller = "joint_controller"


class AgeAssurance(StrEnum):
    none = "none"
    self_declared = "self_declared"
    estimation = "estimation"
    verified = "verified"


_CURRENCY = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. USD")]
_COUNT = Annotated[StrictInt, Field(ge=0, le=10**13)]
_SHARE = Annotated[float, Field(ge=0.0, le=1.0, strict=True)]  # strict: no true for 1, no "0.5"
#: Taxonomy keys, validated one by one so an error names its list index.
PlaceCode = Annotated[str, AfterValidator(normalise_place)]
DataCategoryKey = Annotated[str, AfterValidator(lambda k: taxonomy.check_key("data_category", k))]
DataUseKey = Annotated[str, AfterValidator(lambda k: taxonomy.check_key("data_use", k))]
DataSubjectKey = Annotated[str, AfterValidator(lambda k: taxonomy.check_key("data_subject", k))]


def _number_not_text(value: Any) -> Any:
    """A number must be written as one: true is not 1 and "100" is not 100."""
    if isinstance(value, (bool, str)):
        raise ValueError(f"expected a number, got {type(value).__name__} {value!r}"[:120])
    return value


def _unique_places(codes: list[str]) -> list[str]:
    """Place codes are compared upper-cased; the same place twice ('EU' and 'eu') is refused."""
    seen = Counter(codes)
    twice = sorted(c for c, n in seen.items() if n > 1)
    if twice:
        raise ValueError(f"each place once; repeated (letter case aside): {', '.join(twice)}")
    return codes


class Money(FactModel):
    amount: Annotated[
        Decimal, BeforeValidator(_number_not_text), Field(ge=0, le=Decimal(10) ** 15, allow_inf_nan=False)
    ]
    currency: _CURRENCY

    @field_validator("currency")
    @classmethod
    def _has_rate(cls, value: str) -> str:
        from engine.core.fx import fx_rates

        known = fx_rates().currencies()
        if value not in known:
            raise ValueError(
                f"no exchange rate for {value!r} in rulesets/fx.yaml; use one of {', '.join(sorted(known))}"
            )
        return value


class Organization(FactModel):
    name: str | None = None
    annual_revenue: Money | None = Field(
        None, description="Worldwide turnover of the preceding financial year; unknown when absent."
    )
    headquarters: PlaceCode | None = None
    establishments: list[PlaceCode] = []
    sme: StrictBool = Field(
        False, description="SME or start-up (EU AI Act Art. 99(6)); a claim, so false by default."
    )
    critical_information_infrastructure: StrictBool = False
    consumers_data_sold_or_shared_per_year: _COUNT | None = Field(
        None, description="Consumers or households whose PI is bought, sold or shared a year (CCPA)."
    )
    revenue_share_from_selling_data: _SHARE | None = Field(
        None, description="Share (0-1) of annual revenue from selling or sharing PI (CCPA)."
    )
    employees: _COUNT | None = Field(None, description="regulint addition: head count (GDPR Art. 30(5)).")
    cn_export_individuals_per_year: _COUNT | None = Field(
        None,
        description="regulint addition: individuals (non-sensitive PI) whose PI collected in China is sent "
        "abroad since 1 January (CBDT Provisions Arts. 7-8).",
    )
    cn_export_sensitive_individuals_per_year: _COUNT | None = Field(
        None, description="regulint addition: the same count for sensitive PI."
    )
    cn_data_stored_in_china: StrictBool = Field(
        False, description="regulint addition: PIPL Art. 40 localisation."
    )
    cn_individuals_handled: _COUNT | None = Field(
        None,
        description="regulint addition: individuals whose PI the handler processes in China (PIPL Art. 52; "
        "CAC Compliance Audit Measures, from 2025-05-01: a PI protection officer from 1 million, an audit at "
        "least every two years above 10 million); unknown when absent (monthly active users are not it).",
    )


class Audience(FactModel):
    monthly_active_users: _COUNT | None = None
    users_by_market: dict[str, _COUNT] = {}
    min_age: Annotated[StrictInt, Field(ge=0, le=120)] | None = Field(
        None, description="Youngest age the product admits; unknown when absent."
    )
    directed_at_children: StrictBool | None = Field(
        None,
        description="The product is directed at children (CCPA §1798.120(c): a business that wilfully "
        "disregards a consumer's age is deemed to know it; COPPA 16 CFR 312.2 'directed to children'); "
        "descriptive, so unknown when absent.",
    )
    age_assurance: AgeAssurance = AgeAssurance.none
    parental_verification: StrictBool = False
    minor_mode: StrictBool = Field(False, description="regulint addition: anti-addiction / minor mode (CN).")
    eu_vlop_designated: StrictBool = Field(
        False,
        description="regulint addition: designated a very large online platform or search engine "
        "(DSA Art. 33: at least 45 million average monthly active recipients in the Union).",
    )

    @field_validator("users_by_market")
    @classmethod
    def _markets(cls, value: dict[str, int]) -> dict[str, int]:
        out = {normalise_place(k): v for k, v in value.items()}
        if len(out) < len(value):
            _unique_places([normalise_place(k) for k in value])
        return out


class Consent(FactModel):
    obtained: StrictBool = False
    separate: StrictBool = False
    explicit: StrictBool = False
    withdrawable: StrictBool = False
    parental_for_children: StrictBool = False
    bundled_with_terms: StrictBool = Field(
        True,
        description="Consent is bundled with accepting the terms of service. True when absent: a controller "
        "relying on consent must be able to demonstrate it was given in a request clearly distinguishable "
        "from other matters (GDPR Art. 7(1)-(2); CJEU C-61/19 Orange Romania: the burden is the controller's).",
    )
    pre_ticked: StrictBool = Field(
        True,
        description="The consent box is ticked in advance. True when absent: a controller relying on consent "
        "must be able to demonstrate an active opt-in (GDPR Arts. 4(11), 7(1), Recital 32; CJEU C-673/17 "
        "Planet49; C-61/19 Orange Romania).",
    )
    refusal_as_easy_as_acceptance: StrictBool = False
    logged: StrictBool = Field(
        False, description="regulint addition: consent can be demonstrated (GDPR Art. 7(1))."
    )
    service_refused_without_consent: StrictBool | None = Field(
        None,
        description="regulint addition: the service is refused when optional consent is declined or the "
        "person opts out (GDPR Art. 7(4); PIPL Art. 16; CCPA §1798.125(a)); descriptive, so unknown when absent.",
    )
    minor_opt_in: StrictBool = Field(
        False, description="regulint addition: 13-15-year-olds opted in (CCPA §1798.120(c))."
    )


class Notice(FactModel):
    at_collection: StrictBool = False
    discloses: list[Disclosure] = []
    local_language: StrictBool = False


class Recipient(FactModel):
    name: str
    role: RecipientRole
    contract: StrictBool = False
    country: PlaceCode | None = None


class Transfer(FactModel):
    to: PlaceCode
    mechanisms: TransferMechanisms = Field(
        TransferMechanisms(),
        description="The mechanism relied on under each regime, e.g. {EU: scc, CN: cn_standard_contract} "
        "for one transfer of both EU and Chinese users' data; a regime not given has none.",
        examples=[{"EU": "scc", "CN": "cn_standard_contract"}],
    )
    mechanism: TransferMechanism | None = Field(
        None,
        exclude=True,
        json_schema_extra={"deprecated": True},
        description="Deprecated: the single mechanism of earlier descriptions, read as mechanisms.<its "
        "regime> (scc as mechanisms.EU, cn_standard_contract as mechanisms.CN); refused when it "
        "contradicts mechanisms.",
    )
    impact_assessment: StrictBool | None = Field(
        None, description="True only when a transfer impact assessment found essential equivalence."
    )
    remote_access_only: StrictBool = False
    recipient_dpf_certified: StrictBool = Field(
        False, description="regulint addition: US recipient certified under the EU-US Data Privacy Framework."
    )
    recipient_privacy_shield_certified: StrictBool = Field(
        False,
        description="regulint addition: US recipient certified under the EU-US Privacy Shield "
        "(Decision (EU) 2016/1250, invalidated on 2020-07-16 by C-311/18).",
    )
    cn_standard_contract_filed: StrictBool = Field(
        False, description="regulint addition: the CN standard contract was filed with the provincial CAC."
    )

    @model_validator(mode="before")
    @classmethod
    def _single_mechanism(cls, data: Any) -> Any:
        return upgrade_single_mechanism(data)


class DataPractice(FactModel):
    id: Annotated[str, Field(min_length=1, max_length=200)]
    data_categories: list[DataCategoryKey] = []
    data_subjects: list[DataSubjectKey] = []
    source: Source = Source.data_subject
    purpose: DataUseKey | None = None
    legal_basis: LegalBasis = LegalBasis.none
    special_category_condition: SpecialCategoryCondition = SpecialCategoryCondition.none
    consent: Consent = Consent()
    notice: Notice = Notice()
    necessary_for_purpose: StrictBool = False
    public_by_default: StrictBool | None = Field(
        None,
        description="The data or content is made accessible to an indefinite number of people without the "
        "person's intervention (GDPR Art. 25(2); PIPL Art. 25); descriptive, so unknown when absent.",
    )
    retention_days: Annotated[StrictInt, Field(gt=0, le=10**6)] | None = Field(
        None, description="Positive number of days, or null for no limit (also the default)."
    )
    deleted_on_account_closure: StrictBool = False
    encrypted_at_rest: StrictBool = False
    sold: StrictBool | None = Field(
        None,
        description="The PI is sold: disclosed to a third party for money or other valuable consideration "
        "(CCPA §1798.140(ad)). When absent, false if the practice states its recipients and none is a third "
        "party or joint controller, otherwise unknown.",
    )
    shared_for_cross_context_ads: StrictBool | None = Field(
        None,
        description="The PI is shared: disclosed to a third party for cross-context behavioural advertising "
        "(CCPA §1798.140(ah)). When absent, false if the practice states its recipients and none is a third "
        "party or joint controller, otherwise unknown.",
    )
    recipients: list[Recipient] = []
    transfers: list[Transfer] = []
    automated_decisions: StrictBool | None = Field(
        None,
        description="The practice evaluates people's behaviour, interests, economic, health or credit status "
        "by computer and decides on that basis (PIPL Art. 73(2)). When absent, true for profiling or "
        "targeted-advertising purposes, for an automated decision with significant effect and for profile-"
        "based pricing, otherwise unknown.",
    )
    opt_out_offered: StrictBool = False
    important_data: StrictBool = False
    automated_decision_significant_effect: StrictBool | None = Field(
        None,
        description="regulint addition: a solely automated decision with legal or similar effect; "
        "false when automated_decisions is false, otherwise unknown when absent.",
    )
    human_review_offered: StrictBool = Field(
        False, description="regulint addition: human intervention on request."
    )
    personalised_marketing: StrictBool | None = Field(
        None,
        description="regulint addition: personalised push or ads; when absent, derived from the purpose "
        "(targeted advertising or profiling: true; a purpose outside marketing and personalisation: "
        "false) or from shared_for_cross_context_ads, otherwise unknown.",
    )
    non_personalised_option: StrictBool = Field(
        False, description="regulint addition: a non-personalised option or easy opt-out (PIPL Art. 24)."
    )
    large_scale: StrictBool | None = Field(
        None,
        description="regulint addition: large-scale processing (GDPR Arts. 35, 37); when absent, derived "
        "from audience.monthly_active_users / users_by_market (see docs/facts.md), otherwise unknown.",
    )
    systematic_monitoring: StrictBool | None = Field(
        None,
        description="regulint addition: systematic monitoring; when absent, true for tracking, precise "
        "location or behavioural data and targeted-advertising or profiling purposes, otherwise unknown.",
    )
    captured_in_public_places: StrictBool | None = Field(
        None,
        description="regulint addition: cameras in public (PIPL Art. 26); when absent, false for a practice "
        "with no image or biometric data, otherwise unknown.",
    )
    spi_used_beyond_service: StrictBool | None = Field(
        None,
        description="regulint addition: sensitive PI used to infer characteristics or beyond the service "
        "the consumer asked for (CCPA §1798.121; 11 CCR §7027(m)). When absent, true when the PI is sold "
        "or shared or the purpose is marketing or profiling, false for an essential purpose (the service, "
        "its security, fraud prevention, a legal obligation), otherwise unknown.",
    )
    risk_assessment_completed: StrictBool = Field(
        False, description="regulint addition: CCPA risk assessment (11 CCR §7150)."
    )
    occasional: StrictBool = Field(
        False,
        description="regulint addition: the processing is occasional, not regular or systematic "
        "(GDPR Arts. 27(2)(a), 30(5), 49); a claim, so false by default.",
    )
    started_on: dt.date | None = Field(
        None,
        description="regulint addition: the day this processing began; unknown when absent. A duty that "
        "binds processing begun before its start date later than new processing reads it (e.g. 11 CCR "
        "§7155(c): CCPA risk assessments for processing begun before 2026-01-01 are due by 2027-12-31).",
    )
    biometric_identification: StrictBool | None = Field(
        None,
        description="regulint addition: biometric data of this practice are processed by technical means "
        "to uniquely identify or authenticate a person (GDPR Arts. 4(14), 9(1) and Recital 51; CCPA "
        "§1798.140(ae)(2)(A)); false for e.g. avatar or voice generation that identifies nobody. Unknown "
        "when absent.",
    )
    account_number_with_access_code: StrictBool | None = Field(
        None,
        description="regulint addition: a financial account, debit or credit card number is processed "
        "together with the security or access code, password or credentials that give access to the "
        "account (CCPA §1798.140(ae)(1)(B)); unknown when absent.",
    )
    genai_service_records: StrictBool | None = Field(
        None,
        description="regulint addition: the practice holds the generative-AI service's user input "
        "(prompts, uploads) or usage records (GenAI Measures Art. 11), not other data of the product "
        "such as order history; unknown when absent.",
    )
    public_security_use_only: StrictBool | None = Field(
        None,
        description="regulint addition: images or identifying data captured in public places are used "
        "only to maintain public security (PIPL Art. 26); unknown when absent.",
    )
    further_purpose_consented: StrictBool = Field(
        False,
        description="regulint addition: the further use of this practice's data (sale, ad sharing, "
        "personalised marketing) rests on the person's own consent to that purpose (GDPR Art. 6(4): no "
        "compatibility test then); a claim the controller must prove, so false by default.",
    )
    price_discrimination_by_profile: StrictBool | None = Field(
        None,
        description="regulint addition: prices or trading terms differ between individuals according to "
        "their profile (PIPL Art. 24(1); Algorithm Recommendation Provisions Art. 21). When absent, false "
        "when the practice states it makes no automated decisions, otherwise unknown.",
    )


class Governance(FactModel):
    privacy_policy_published: StrictBool = False
    dpia_completed: StrictBool = False
    pi_impact_assessment_completed: StrictBool = False
    records_of_processing: StrictBool = False
    dpo_appointed: StrictBool = False
    eu_representative: StrictBool = False
    cn_representative: StrictBool = False
    honors_opt_out_signals: StrictBool = False
    do_not_sell_link: StrictBool = False
    limit_sensitive_pi_link: StrictBool = False
    breach_notification_process: StrictBool = False
    data_subject_rights: DataSubjectRights = Field(default_factory=lambda: DataSubjectRights())
    # regulint additions
    cn_children_rules: StrictBool = Field(False, description="Dedicated rules for children's PI (CN).")
    cn_children_officer: StrictBool = Field(False, description="A person in charge of children's PI (CN).")
    pi_compliance_audit: StrictBool = Field(False, description="Regular PIPL compliance audits (Art. 54).")
    pi_protection_officer_cn: StrictBool = Field(False, description="PIPL Art. 52 person in charge of PI.")
    cn_important_data_risk_assessment: StrictBool = Field(
        False,
        description="regulint addition: processors of important data assess the risk of their processing "
        "regularly and report it to the authorities (CN Data Security Law Art. 30); a safeguard, so false "
        "by default.",
    )
    cn_data_security_officer: StrictBool = Field(
        False,
        description="regulint addition: a person responsible for data security and a management body are "
        "designated (CN Data Security Law Art. 27(2)); a safeguard, so false by default.",
    )
    cn_minors_pi_annual_audit: StrictBool = Field(
        False,
        description="regulint addition: the processing of minors' PI is audited every year and the result "
        "reported to the regulator (CN Regulations on the Protection of Minors Online).",
    )


class DataSubjectRights(FactModel):
    access: StrictBool = False
    erasure: StrictBool = False
    rectification: StrictBool = False
    portability: StrictBool = False
    objection: StrictBool = False
    account_deletion: StrictBool = False
    identity_verification_for_opt_out: StrictBool | None = Field(
        None,
        description="Opt-out requests demand identity verification (11 CCR §7026(d) forbids it); descriptive, "
        "so unknown when absent.",
    )


Governance.model_rebuild()


class Product(FactModel):
    """A feature or data practice, described for evaluation."""

    schema_version: str = "1"
    id: Annotated[str, Field(min_length=1, max_length=200)]
    name: str | None = None
    organization: Organization = Organization()
    markets: Annotated[list[PlaceCode], Field(min_length=1), AfterValidator(_unique_places)]
    audience: Audience = Audience()
    data_practices: list[DataPractice] = []
    synthetic_media: SyntheticMedia | None = None
    governance: Governance = Governance()

    @field_validator("schema_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if value != "1":
            raise ValueError(f"schema_version must be '1', got {value!r}")
        return value

    @model_validator(mode="after")
    def _something_to_check(self) -> Product:
        if not self.data_practices and self.synthetic_media is None:
            raise ValueError("give at least one of data_practices or synthetic_media")
        dup = sorted(i for i, n in Counter(p.id for p in self.data_practices).items() if n > 1)
        if dup:
            raise ValueError(f"data_practices ids must be unique; repeated: {', '.join(dup)}")
        return self


def product_json_schema() -> dict[str, Any]:
    """JSON Schema of the product description."""
    return Product.model_json_schema()
