"""Descriptive facts a description implies but does not state.

A descriptive fact (does the practice monitor people? is it large-scale?) is never defaulted to
the answer that switches a rule off. When the description leaves it out it is derived here from
what the description does say, or left unknown, so the rules that need it answer "insufficient
information" with the JSON path to fill. A value the description states always wins.
"""

from __future__ import annotations

from typing import Any

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

    if practice.large_scale is None:
        people = people_reached(product)
        if people is not None and people >= LARGE_SCALE_PEOPLE:
            out["large_scale"] = True
        elif people is not None and people < NOT_LARGE_SCALE_BELOW:
            out["large_scale"] = False
    if practice.personalised_marketing is None:
        if profiling or practice.shared_for_cross_context_ads:
            out["personalised_marketing"] = True
        elif purpose is not None and not _under(purpose, _MARKETING_ROOTS):
            out["personalised_marketing"] = False
    if practice.systematic_monitoring is None and (
        profiling or tracking or practice.shared_for_cross_context_ads
    ):
        out["systematic_monitoring"] = True
    # Only a stated "no automated decisions" rules out one with significant effect.
    if (
        practice.automated_decision_significant_effect is None
        and "automated_decisions" in practice.model_fields_set
        and not practice.automated_decisions
    ):
        out["automated_decision_significant_effect"] = False
    if practice.captured_in_public_places is None and not any(
        _under(c, _IMAGE_DATA) for c in practice.data_categories
    ):
        out["captured_in_public_places"] = False
    return out
