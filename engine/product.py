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

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engine import taxonomy
from engine.jurisdictions import normalise_place


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=True)


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


class TransferMechanism(StrEnum):
    adequacy = "adequacy"
    scc = "scc"
    bcr = "bcr"
    derogation = "derogation"
    cn_security_assessment = "cn_security_assessment"
    cn_standard_contract = "cn_standard_contract"
    cn_certification = "cn_certification"
    exempt = "exempt"
    none = "none"


class AgeAssurance(StrEnum):
    none = "none"
    self_declared = "self_declared"
    estimation = "estimation"
    verified = "verified"


class MediaRole(StrEnum):
    provider = "provider"
    deployer = "deployer"
    platform = "platform"


class Modality(StrEnum):
    text = "text"
    image = "image"
    audio = "audio"
    video = "video"
    virtual_scene = "virtual_scene"


class MetadataStandard(StrEnum):
    c2pa = "c2pa"
    iptc = "iptc"
    gb45438 = "gb45438"
    watermark = "watermark"
    proprietary = "proprietary"


_CURRENCY = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. USD")]
_COUNT = Annotated[int, Field(ge=0, le=10**13)]
_SHARE = Annotated[float, Field(ge=0.0, le=1.0)]


class Money(_Model):
    amount: Annotated[Decimal, Field(ge=0, le=Decimal(10) ** 15, allow_inf_nan=False)]
    currency: _CURRENCY


class Organization(_Model):
    name: str | None = None
    annual_revenue: Money | None = Field(
        None, description="Worldwide turnover of the preceding financial year; unknown when absent."
    )
    headquarters: str | None = None
    establishments: list[str] = []
    sme: bool = Field(False, description="SME or start-up (EU AI Act Art. 99(6)); a claim, so false by default.")
    critical_information_infrastructure: bool = False
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
    cn_data_stored_in_china: bool = Field(False, description="regulint addition: PIPL Art. 40 localisation.")

    @field_validator("headquarters")
    @classmethod
    def _place(cls, value: str | None) -> str | None:
        return None if value is None else normalise_place(value)

    @field_validator("establishments")
    @classmethod
    def _places(cls, value: list[str]) -> list[str]:
        return [normalise_place(v) for v in value]


class Audience(_Model):
    monthly_active_users: _COUNT | None = None
    users_by_market: dict[str, _COUNT] = {}
    min_age: Annotated[int, Field(ge=0, le=120)] | None = Field(
        None, description="Youngest age the product admits; unknown when absent."
    )
    directed_at_children: bool = False
    age_assurance: AgeAssurance = AgeAssurance.none
    parental_verification: bool = False
    minor_mode: bool = Field(False, description="regulint addition: anti-addiction / minor mode (CN).")

    @field_validator("users_by_market")
    @classmethod
    def _markets(cls, value: dict[str, int]) -> dict[str, int]:
        return {normalise_place(k): v for k, v in value.items()}


class Consent(_Model):
    obtained: bool = False
    separate: bool = False
    explicit: bool = False
    withdrawable: bool = False
    parental_for_children: bool = False
    bundled_with_terms: bool = False
    pre_ticked: bool = False
    refusal_as_easy_as_acceptance: bool = False
    logged: bool = Field(False, description="regulint addition: consent can be demonstrated (GDPR Art. 7(1)).")
    service_refused_without_consent: bool = Field(
        False, description="regulint addition: the service is refused when optional consent is declined."
    )
    minor_opt_in: bool = Field(False, description="regulint addition: 13-15-year-olds opted in (CCPA §1798.120(c)).")


class Notice(_Model):
    at_collection: bool = False
    discloses: list[Disclosure] = []
    local_language: bool = False


class Recipient(_Model):
    name: str
    role: RecipientRole
    contract: bool = False
    country: str | None = None

    @field_validator("country")
    @classmethod
    def _place(cls, value: str | None) -> str | None:
        return None if value is None else normalise_place(value)


class Transfer(_Model):
    to: str
    mechanism: TransferMechanism = TransferMechanism.none
    impact_assessment: bool | None = Field(
        None, description="True only when a transfer impact assessment found essential equivalence."
    )
    remote_access_only: bool = False
    recipient_dpf_certified: bool = Field(
        False, description="regulint addition: US recipient certified under the EU-US Data Privacy Framework."
    )
    cn_standard_contract_filed: bool = Field(
        False, description="regulint addition: the CN standard contract was filed with the provincial CAC."
    )

    @field_validator("to")
    @classmethod
    def _place(cls, value: str) -> str:
        return normalise_place(value)


class DataPractice(_Model):
    id: Annotated[str, Field(min_length=1, max_length=200)]
    data_categories: list[str] = []
    data_subjects: list[str] = []
    source: Source = Source.data_subject
    purpose: str | None = None
    legal_basis: LegalBasis = LegalBasis.none
    special_category_condition: SpecialCategoryCondition = SpecialCategoryCondition.none
    consent: Consent = Consent()
    notice: Notice = Notice()
    necessary_for_purpose: bool = False
    public_by_default: bool = False
    retention_days: Annotated[int, Field(gt=0, le=10**6)] | None = Field(
        None, description="Positive number of days, or null for no limit (also the default)."
    )
    deleted_on_account_closure: bool = False
    encrypted_at_rest: bool = False
    sold: bool = False
    shared_for_cross_context_ads: bool = False
    recipients: list[Recipient] = []
    transfers: list[Transfer] = []
    automated_decisions: bool = False
    opt_out_offered: bool = False
    important_data: bool = False
    automated_decision_significant_effect: bool = Field(
        False, description="regulint addition: a solely automated decision with legal or similar effect."
    )
    human_review_offered: bool = Field(False, description="regulint addition: human intervention on request.")
    personalised_marketing: bool = Field(False, description="regulint addition: personalised push or ads.")
    non_personalised_option: bool = Field(
        False, description="regulint addition: a non-personalised option or easy opt-out (PIPL Art. 24)."
    )
    large_scale: bool = Field(False, description="regulint addition: large-scale processing (GDPR Arts. 35, 37).")
    systematic_monitoring: bool = Field(False, description="regulint addition: systematic monitoring.")
    captured_in_public_places: bool = Field(False, description="regulint addition: cameras in public (PIPL Art. 26).")
    spi_used_beyond_service: bool = Field(
        False, description="regulint addition: sensitive PI used to infer characteristics or beyond the service "
        "the consumer asked for (CCPA §1798.121)."
    )
    risk_assessment_completed: bool = Field(
        False, description="regulint addition: CCPA risk assessment (11 CCR §7150)."
    )

    @field_validator("data_categories")
    @classmethod
    def _categories(cls, value: list[str]) -> list[str]:
        for key in value:
            taxonomy.check_key("data_category", key)
        return value

    @field_validator("data_subjects")
    @classmethod
    def _subjects(cls, value: list[str]) -> list[str]:
        for key in value:
            taxonomy.check_key("data_subject", key)
        return value

    @field_validator("purpose")
    @classmethod
    def _purpose(cls, value: str | None) -> str | None:
        if value is not None:
            taxonomy.check_key("data_use", value)
        return value


class SyntheticMedia(_Model):
    generates: bool = False
    role: MediaRole = MediaRole.provider
    modalities: list[Modality] = []
    likeness_of_real_people: bool = False
    likeness_consent: bool = False
    accepts_images_of_minors: bool = False
    visible_label: bool = False
    metadata_label: bool = False
    metadata_standard: MetadataStandard | None = None
    labels_survive_export: bool = False
    detection_tool_offered: bool = False
    user_identity_verification: bool = False
    artistic_or_satirical: bool = False
    public_opinion_attributes: bool = False
    algorithm_filing_cn: bool = False
    # regulint additions, each needed by a requirement row of the law
    genai_filing_cn: bool = Field(False, description="CAC generative-AI (model) filing completed.")
    security_assessment_cn: bool = Field(False, description="CAC security assessment for public-opinion features.")
    content_moderation: bool = Field(False, description="Inputs and outputs are reviewed for unlawful content.")
    complaint_channel: bool = Field(False, description="Users can complain and appeal.")
    terms_describe_labeling: bool = Field(False, description="User agreement states labeling methods (CN Art. 8).")
    export_enabled: bool = Field(True, description="Users can download, copy or export generated content.")
    unlabeled_export_on_request: bool = Field(False, description="Unlabeled output supplied on request (CN Art. 9).")
    unlabeled_export_logs_months: Annotated[int, Field(ge=0, le=1200)] | None = None
    user_label_option: bool = Field(False, description="Users may add a visible AI label (Cal. §22757.3(a)).")
    chatbot: bool = Field(False, description="The system converses directly with people (AI Act Art. 50(1)).")
    ai_interaction_disclosed: bool = Field(False, description="People are told they interact with an AI.")
    public_interest_text: bool = Field(False, description="Publishes AI text on matters of public interest.")
    human_editorial_review: bool = Field(False, description="A person holds editorial responsibility.")
    licensed_to_third_parties: bool = Field(False, description="The GenAI system is licensed to others.")
    licence_requires_disclosures: bool = Field(False, description="Licences oblige licensees to keep disclosures.")
    platform_checks_provenance: bool = Field(False, description="A platform reads provenance data on upload.")
    platform_declaration_tool: bool = Field(False, description="A platform lets uploaders declare AI content.")
    intimate_imagery_safeguards: bool = Field(False, description="Filters against sexual deepfakes of real people.")
    emotion_recognition: bool = Field(False, description="The system infers emotions from biometric data.")
    emotion_recognition_context: Annotated[str, Field(pattern=r"^(workplace|education|other)$")] | None = None
    biometric_categorisation_sensitive: bool = Field(
        False, description="Infers race, politics, union membership, religion, sex life or orientation."
    )
    untargeted_face_scraping: bool = Field(False, description="Builds face databases by untargeted scraping.")
    exposure_notice: bool = Field(False, description="People exposed to emotion recognition are informed.")


class Governance(_Model):
    privacy_policy_published: bool = False
    dpia_completed: bool = False
    pi_impact_assessment_completed: bool = False
    records_of_processing: bool = False
    dpo_appointed: bool = False
    eu_representative: bool = False
    cn_representative: bool = False
    honors_opt_out_signals: bool = False
    do_not_sell_link: bool = False
    limit_sensitive_pi_link: bool = False
    breach_notification_process: bool = False
    data_subject_rights: DataSubjectRights = Field(default_factory=lambda: DataSubjectRights())
    # regulint additions
    cn_children_rules: bool = Field(False, description="Dedicated rules for children's PI (CN).")
    cn_children_officer: bool = Field(False, description="A person in charge of children's PI (CN).")
    pi_compliance_audit: bool = Field(False, description="Regular PIPL compliance audits (Art. 54).")
    pi_protection_officer_cn: bool = Field(False, description="PIPL Art. 52 person in charge of PI.")


class DataSubjectRights(_Model):
    access: bool = False
    erasure: bool = False
    rectification: bool = False
    portability: bool = False
    objection: bool = False
    account_deletion: bool = False
    identity_verification_for_opt_out: bool = Field(
        False, description="True when opt-out requests demand identity verification (CCPA forbids it)."
    )


Governance.model_rebuild()


class Product(_Model):
    """A feature or data practice, described for evaluation."""

    schema_version: str = "1"
    id: Annotated[str, Field(min_length=1, max_length=200)]
    name: str | None = None
    organization: Organization = Organization()
    markets: Annotated[list[str], Field(min_length=1)]
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

    @field_validator("markets")
    @classmethod
    def _markets(cls, value: list[str]) -> list[str]:
        return [normalise_place(v) for v in value]

    @model_validator(mode="after")
    def _something_to_check(self) -> Product:
        if not self.data_practices and self.synthetic_media is None:
            raise ValueError("give at least one of data_practices or synthetic_media")
        ids = [p.id for p in self.data_practices]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"data_practices ids must be unique; repeated: {', '.join(dup)}")
        return self


def product_json_schema() -> dict[str, Any]:
    """JSON Schema of the product description."""
    return Product.model_json_schema()
