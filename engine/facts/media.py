"""The product's synthetic media: what it generates, of whom, and how it labels it (AI Act Art. 50,
CN Deep Synthesis Provisions and Labeling Measures, Cal. Bus. & Prof. Code §22757)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StrictBool, StrictInt

from engine.facts.base import FactModel


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


class SyntheticMedia(FactModel):
    generates: StrictBool | None = Field(
        None,
        description="The product generates or edits content with AI. When absent, true for a provider or "
        "deployer that states the modalities it generates, otherwise unknown.",
    )
    role: MediaRole = MediaRole.provider
    modalities: list[Modality] = []
    likeness_of_real_people: StrictBool | None = Field(
        None,
        description="Generated content shows real people's faces or voices. When absent, true when the "
        "likeness consent is stated or a practice processes face likenesses or voice clones, otherwise unknown.",
    )
    likeness_consent: StrictBool = False
    accepts_images_of_minors: StrictBool = False
    visible_label: StrictBool = False
    metadata_label: StrictBool = False
    metadata_standard: MetadataStandard | None = None
    labels_survive_export: StrictBool = False
    detection_tool_offered: StrictBool = False
    user_identity_verification: StrictBool = False
    artistic_or_satirical: StrictBool = False
    public_opinion_attributes: StrictBool | None = Field(
        None,
        description="The service has public-opinion attributes or social-mobilisation capability (CN Deep "
        "Synthesis Provisions Arts. 19-20; Algorithm Recommendation Provisions Art. 24); descriptive, so "
        "unknown when absent.",
    )
    algorithm_filing_cn: StrictBool = False
    # regulint additions, each needed by a requirement row of the law
    genai_filing_cn: StrictBool = Field(False, description="CAC generative-AI (model) filing completed.")
    security_assessment_cn: StrictBool = Field(
        False, description="CAC security assessment for public-opinion features."
    )
    content_moderation: StrictBool = Field(
        False, description="Inputs and outputs are reviewed for unlawful content."
    )
    complaint_channel: StrictBool = Field(False, description="Users can complain and appeal.")
    terms_describe_labeling: StrictBool = Field(
        False, description="User agreement states labeling methods (CN Art. 8)."
    )
    export_enabled: StrictBool = Field(
        True, description="Users can download, copy or export generated content."
    )
    unlabeled_export_on_request: StrictBool | None = Field(
        None,
        description="Output without an explicit label is supplied on request (CN Labeling Measures Art. 9). "
        "When absent, false when nothing can be exported, otherwise unknown.",
    )
    unlabeled_export_logs_months: Annotated[StrictInt, Field(ge=0, le=1200)] | None = None
    user_label_option: StrictBool = Field(
        False, description="Users may add a visible AI label (Cal. §22757.3(a))."
    )
    chatbot: StrictBool | None = Field(
        None,
        description="The system converses directly with people (AI Act Art. 50(1)). When absent, false when "
        "the stated modalities include neither text nor audio, otherwise unknown.",
    )
    ai_interaction_disclosed: StrictBool = Field(
        False, description="People are told they interact with an AI."
    )
    public_interest_text: StrictBool | None = Field(
        None,
        description="Publishes AI text on matters of public interest (AI Act Art. 50(4)). When absent, false "
        "when the stated modalities do not include text, otherwise unknown.",
    )
    human_editorial_review: StrictBool = Field(False, description="A person holds editorial responsibility.")
    licensed_to_third_parties: StrictBool | None = Field(
        None,
        description="The GenAI system is licensed to others (Cal. Bus. & Prof. Code §22757.3(c)). When absent, "
        "true when licences are said to require disclosures, otherwise unknown.",
    )
    licence_requires_disclosures: StrictBool = Field(
        False, description="Licences oblige licensees to keep disclosures."
    )
    platform_checks_provenance: StrictBool = Field(
        False, description="A platform reads provenance data on upload."
    )
    platform_declaration_tool: StrictBool = Field(
        False, description="A platform lets uploaders declare AI content."
    )
    intimate_imagery_safeguards: StrictBool = Field(
        False, description="Filters against sexual deepfakes of real people."
    )
    intimate_imagery_foreseeable: StrictBool | None = Field(
        None,
        description="regulint addition: sexual or intimate depictions of an identifiable real person, or "
        "child sexual abuse material, are a reasonably foreseeable and reproducible output of the system "
        "without significant technical modification (AI Act Art. 5(1)(ba)-(bb), (1a) as amended by Reg. "
        "(EU) 2026/1744); false for e.g. a fixed-template business avatar tool. Unknown when absent.",
    )
    assistive_editing_only: StrictBool | None = Field(
        None,
        description="regulint addition: the system only performs an assistive function for standard "
        "editing (e.g. grammar polishing, enhancement, restoration) and does not generate content or "
        "substantially alter the input or its meaning (AI Act Art. 50(2) second sentence; Deep Synthesis "
        "Provisions Art. 17(1)(5) vs 17(2)). Unknown when absent.",
    )
    emotion_recognition: StrictBool | None = Field(
        None,
        description="The system infers emotions or intentions from biometric data (AI Act Art. 3(39)). When "
        "absent, true when an emotion-recognition context is stated, false when no practice processes "
        "biometric data or images of people, otherwise unknown.",
    )
    emotion_recognition_context: Annotated[str, Field(pattern=r"^(workplace|education|other)$")] | None = None
    biometric_categorisation_sensitive: StrictBool | None = Field(
        None,
        description="Infers race, politics, union membership, religion, sex life or orientation from "
        "biometric data (AI Act Arts. 3(40), 5(1)(g)). When absent, false when no practice processes "
        "biometric data or images of people, otherwise unknown.",
    )
    untargeted_face_scraping: StrictBool | None = Field(
        None,
        description="Builds or expands face databases by untargeted scraping of facial images (AI Act Art. "
        "5(1)(e)). When absent, false when no practice processes biometric data or images of people, "
        "otherwise unknown.",
    )
    exposure_notice: StrictBool = Field(
        False, description="People exposed to emotion recognition are informed."
    )
    emotion_recognition_medical_or_safety: StrictBool = Field(
        False,
        description="regulint addition: the emotion recognition is intended for medical or safety reasons "
        "(AI Act Art. 5(1)(f) exception).",
    )
    on_eu_market_before_2026_08_02: StrictBool = Field(
        False,
        description="regulint addition: the generative AI system was placed on the EU market before "
        "2 August 2026 (AI Act Art. 50(2) grace period to 2 December 2026 under the Digital Omnibus).",
    )
    unlabeled_export_terms_user_duty: StrictBool = Field(
        False,
        description="regulint addition: before output without an explicit label is supplied on request, "
        "the user agreement sets out the user's labeling duty and liability (CN Labeling Measures Art. 9).",
    )
