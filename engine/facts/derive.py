"""Descriptive facts a description implies but does not state.

A descriptive fact (does the practice monitor people? is it large-scale?) is never defaulted to
the answer that switches a rule off. When the description leaves it out it is derived here from
what the description does say, or left unknown, so the rules that need it answer "insufficient
information" with the JSON path to fill. A value the description states always wins.
"""

from __future__ import annotations

from typing import Any

from engine.facts.media import MediaRole, Modality
from engine.facts.product import DataPractice, Product

#: Large scale (GDPR Arts. 35(3)(b)-(c), 37(1)(b)-(c); Recital 91). The GDPR gives no number
#: (WP243 rev.01 §2.1.3). The only published numbers come from national authorities; regulint uses
#: the Estonian Data Protection Inspectorate's guidance (2019): processing of the personal data of
#: 50,000 or more people is large-scale, and below 5,000 people (its lowest threshold, for special
#: categories and criminal data) it is not. Between the two it depends on the data: unknown.
LARGE_SCALE_PEOPLE = 50_000
NOT_LARGE_SCALE_BELOW = 5_000

#: Purposes that are targeted advertising or profiling (personalised marketing and monitoring).
_PROFILING_PURPOSES = (
    "marketing.advertising.first_party.targeted",
    "marketing.advertising.third_party.targeted",
    "marketing.advertising.profiling",
    "personalize.profiling",
    "personalize.content.profiled",
    "personalize.content.profiling",
)
#: Purposes whose practice may or may not personalise (contextual ads, e-mail campaigns).
_MARKETING_ROOTS = ("marketing", "personalize")
#: Data that track a person: precise location, behaviour (browsing, search, purchases, media).
_TRACKING_DATA = ("user.location.precise", "user.behavior")
#: Data a camera collects: images and biometric identifiers.
_IMAGE_DATA = ("user.biometric", "user.content.self_image", "user.authorization.biometric")
#: Purposes within the service the person asked for (11 CCR §7027(m): performing the service,
#: security, fraud prevention, quality and upgrades, a legal obligation).
_ESSENTIAL_PURPOSES = ("essential",)
#: Recipient roles a sale or a sharing goes to: a third party (CCPA §1798.140(ad), (ah), (ai));
#: disclosures to service providers, contractors and processors under contract are neither.
_THIRD_PARTY_ROLES = ("third_party", "joint_controller")
#: Data that carry a likeness of a real person generated content reproduces.
_LIKENESS_DATA = ("user.biometric.face.likeness", "user.biometric.voice.clone")


def _under(key: str, roots: tuple[str, ...]) -> bool:
    return any(key == r or key.startswith(r + ".") for r in roots)


def people_reached(product: Product) -> int | None:
    """The number of people the product reaches, when the description gives one."""
    audience = product.audience
    counts = [audience.monthly_active_users] if audience.monthly_active_users is not None else []
    if audience.users_by_market:
        counts.append(sum(audience.users_by_market.values()))
    return max(counts) if counts else None


def practice_facts(product: Product, practice: DataPractice) -> dict[str, Any]:
    """Values for the practice's descriptive facts the description leaves out (None: unknown)."""
    out: dict[str, Any] = {}
    purpose = practice.purpose
    profiling = purpose is not None and _under(purpose, _PROFILING_PURPOSES)
    tracking = any(_under(c, _TRACKING_DATA) for c in practice.data_categories)

    # Sale and sharing are disclosures to a third party: a stated list of recipients without one rules
    # both out (a list left out says nothing).
    if "recipients" in practice.model_fields_set and not any(
        r.role in _THIRD_PARTY_ROLES for r in practice.recipients
    ):
        for name in ("sold", "shared_for_cross_context_ads"):
            if getattr(practice, name) is None:
                out[name] = False
    sold, shared = (_value(practice, out, n) for n in ("sold", "shared_for_cross_context_ads"))

    if practice.large_scale is None:
        people = people_reached(product)
        if people is not None and people >= LARGE_SCALE_PEOPLE:
            out["large_scale"] = True
        elif people is not None and people < NOT_LARGE_SCALE_BELOW:
            out["large_scale"] = False
    if practice.personalised_marketing is None:
        if profiling or shared:
            out["personalised_marketing"] = True
        elif purpose is not None and not _under(purpose, _MARKETING_ROOTS):
            out["personalised_marketing"] = False
    if practice.systematic_monitoring is None and (profiling or tracking or shared):
        out["systematic_monitoring"] = True
    # PIPL Art. 73(2): automated decision-making is evaluating a person's behaviour, interests or
    # status by computer and deciding on it; profiling and profile-based pricing are that.
    if practice.automated_decisions is None and (
        profiling
        or practice.automated_decision_significant_effect
        or practice.price_discrimination_by_profile
    ):
        out["automated_decisions"] = True
    # Only a stated "no automated decisions" rules out one with significant effect, or pricing by profile.
    if practice.automated_decisions is False:
        if practice.automated_decision_significant_effect is None:
            out["automated_decision_significant_effect"] = False
        if practice.price_discrimination_by_profile is None:
            out["price_discrimination_by_profile"] = False
    if practice.captured_in_public_places is None and not any(
        _under(c, _IMAGE_DATA) for c in practice.data_categories
    ):
        out["captured_in_public_places"] = False
    if practice.spi_used_beyond_service is None and purpose is not None:
        if sold or shared or _under(purpose, _MARKETING_ROOTS) or profiling:
            out["spi_used_beyond_service"] = True
        elif _under(purpose, _ESSENTIAL_PURPOSES) and sold is False and shared is False:
            out["spi_used_beyond_service"] = False
    return out


def _value(practice: DataPractice, derived: dict[str, Any], name: str) -> Any:
    """A fact as stated, else as derived (None: unknown)."""
    stated = getattr(practice, name)
    return stated if stated is not None else derived.get(name)


def media_facts(product: Product) -> dict[str, Any]:
    """Values for the synthetic_media block's descriptive facts the description leaves out.

    Without a block the product generates, labels and recognises nothing: every such fact is false.
    """
    media = product.synthetic_media
    if media is None:
        return dict.fromkeys(MEDIA_DESCRIPTIVE_FACTS, False)
    out: dict[str, Any] = {}
    stated_modalities = set(media.modalities)
    cats = [c for p in product.data_practices for c in p.data_categories]
    people_images = any(_under(c, _IMAGE_DATA) for c in cats)
    if media.generates is None and stated_modalities and media.role != MediaRole.platform:
        out["generates"] = True
    if media.likeness_of_real_people is None and (
        media.likeness_consent or any(_under(c, _LIKENESS_DATA) for c in cats)
    ):
        out["likeness_of_real_people"] = True
    if (
        media.chatbot is None
        and stated_modalities
        and not stated_modalities & {Modality.text, Modality.audio}
    ):
        out["chatbot"] = False  # AI Act Art. 50(1): a system that cannot converse
    if media.public_interest_text is None and stated_modalities and Modality.text not in stated_modalities:
        out["public_interest_text"] = False  # AI Act Art. 50(4): text published to inform the public
    if media.licensed_to_third_parties is None and media.licence_requires_disclosures:
        out["licensed_to_third_parties"] = True
    if media.unlabeled_export_on_request is None and not media.export_enabled:
        out["unlabeled_export_on_request"] = False
    if media.emotion_recognition is None and media.emotion_recognition_context is not None:
        out["emotion_recognition"] = True
    # AI Act Arts. 3(39)-(40), 5(1)(e): emotion recognition and biometric categorisation work on
    # biometric data, face databases on facial images; a product that processes neither does none.
    if not people_images and product.data_practices:
        for name in ("emotion_recognition", "biometric_categorisation_sensitive", "untargeted_face_scraping"):
            if getattr(media, name) is None and name not in out:
                out[name] = False
    return out


#: The synthetic_media facts that are unknown, not defaulted, when a block leaves them out.
MEDIA_DESCRIPTIVE_FACTS = (
    "generates",
    "likeness_of_real_people",
    "public_opinion_attributes",
    "unlabeled_export_on_request",
    "chatbot",
    "public_interest_text",
    "licensed_to_third_parties",
    "emotion_recognition",
    "biometric_categorisation_sensitive",
    "untargeted_face_scraping",
)
