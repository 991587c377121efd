"""Fides system manifests -> a regulint product description.

Teams that keep their data map in Fides describe each *system* with privacy declarations
(data categories, a data use, data subjects). This module reads those manifests — the current
fideslang ``System`` model and older manifests (fideslang 1.x: ``third_country_transfers``,
``data_responsibility_title``, ``data_protection_impact_assessment``, data uses such as
``advertising`` or ``improve.system``) — and writes **one product** whose practices are every
declaration of every system (``<system fides_key>/<declaration>``): a product in regulint is what
ships to users, and a Fides manifest maps the systems behind one organisation's offering; the
systems stay visible in the practice ids. Fides does not say where the product is offered, so
the markets are given by the caller.

What Fides does not say is left out of the description, so it stays unknown (the rules that need
it answer "insufficient information" naming the field) or takes the project's default (the
unsafe answer where the law puts the burden on the company: no consent, no notice, no transfer
mechanism — GDPR Arts. 44 and 46(1) allow a transfer "only if" the exporter has provided
safeguards, PIPL Art. 38(1) only if it "shall meet" one of the CAC routes). :attr:`FidesImport.needs`
lists what the description still needs, including each transfer's unstated mechanism by its path. The mapping table
is in the README ("Importing a Fides data map").
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from engine.core import taxonomy
from engine.core.iso3166 import ALPHA3_TO_ALPHA2
from engine.core.jurisdictions import normalise_place
from engine.facts.inputs import InputError, InputIssue, issues_from_validation

#: Data-use keys of fideslang 1.x and their current keys (Fides' own upgrade migrations for
#: fideslang 1.4 and 2.0). A key under an old key is upgraded by its prefix.
OLD_DATA_USES: dict[str, str] = {
    "essential.service.operations.support.optimization": "essential.service.operations.improve",
    "third_party_sharing.payment_processing": "essential.service.payment_processing",
    "third_party_sharing.fraud_detection": "essential.service.fraud_detection",
    "third_party_sharing.personalized_advertising": "marketing.advertising.third_party.targeted",
    "advertising.first_party.personalized": "marketing.advertising.first_party.targeted",
    "advertising.third_party.personalized": "marketing.advertising.third_party.targeted",
    "advertising.third_party": "marketing.advertising.third_party.targeted",
    "advertising": "marketing.advertising",
    "improve.system": "functional.service.improve",
    "improve": "functional",
    "provide.service": "essential.service",
    "provide": "essential",
}

#: Data-category keys of fideslang 1.x and their current keys (fideslang 2.0 upgrade).
OLD_DATA_CATEGORIES: dict[str, str] = {
    "user.financial.account_number": "user.financial.bank_account",
    "user.credentials": "user.authorization.credentials",
    "user.browsing_history": "user.behavior.browsing_history",
    "user.media_consumption": "user.behavior.media_consumption",
    "user.search_history": "user.behavior.search_history",
    "user.organization": "user.contact.organization",
    "user.non_specific_age": "user.demographic.age_range",
    "user.date_of_birth": "user.demographic.date_of_birth",
    "user.gender": "user.demographic.gender",
    "user.political_opinion": "user.demographic.political_opinion",
    "user.profiling": "user.demographic.profile",
    "user.race": "user.demographic.race_ethnicity",
    "user.religious_belief": "user.demographic.religious_belief",
    "user.sexual_orientation": "user.demographic.sexual_orientation",
    "user.genetic": "user.health_and_medical.genetic",
    "user.observed": "user.behavior",
}
#: fideslang 1.0 qualified its categories by how they were obtained (user.provided.identifiable.…).
_QUALIFIED = re.compile(r"^user\.(provided|derived)\.(identifiable|nonidentifiable)\.")

_LEGAL_BASIS = {
    "Consent": "consent",
    "Contract": "contract",
    "Legal obligations": "legal_obligation",
    "Vital interests": "vital_interests",
    "Public interest": "public_task",
    "Legitimate interests": "legitimate_interests",
}
_SPECIAL_BASIS = {
    "Explicit consent": "explicit_consent",
    "Employment, social security and social protection": "employment_law",
    "Vital interests": "vital_interests",
    "Made public by the data subject": "made_public_by_subject",
    "Legal claims or judicial acts": "legal_claims",
    "Reasons of substantial public interest (with a basis in law)": "substantial_public_interest",
    "Health or social care (with a basis in law)": "health_care",
    "Public health (with a basis in law)": "public_health",
    "Archiving, research and statistics (with a basis in law)": "research",
}
_TRANSFER_BASIS = {"SCCs": "scc", "BCRs": "bcr", "Adequacy Decision": "adequacy"}

#: Keys of older manifests that the current model no longer has, read all the same.
_LEGACY_SYSTEM_KEYS = {
    "third_country_transfers",
    "data_responsibility_title",
    "data_protection_impact_assessment",
    "system_dependencies",
    "joint_controller",
    "data_protection_officer",
}
_LEGACY_DECLARATION_KEYS = {"data_qualifier", "cookies"}
_DPIA_KEYS = {"is_required", "progress", "link"}

_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


@dataclass
class FidesImport:
    """The description made from the manifests, what was changed on the way, and what it lacks."""

    product: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)


def _fideslang_fields() -> tuple[set[str], set[str]]:
    from fideslang.models import PrivacyDeclaration, System

    return set(System.model_fields), set(PrivacyDeclaration.model_fields)


def _near(key: str, known: set[str]) -> str | None:
    found = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return found[0] if found else None


def _unknown_keys(data: dict[str, Any], known: set[str], where: str, issues: list[InputIssue]) -> None:
    for key in data:
        if key not in known:
            near = _near(str(key), known)
            issues.append(
                InputIssue(
                    f"{where}.{key}",
                    f"unknown key {key!r}" + (f"; did you mean {near!r}?" if near else ""),
                    f"a key of a Fides system manifest ({near!r})"
                    if near
                    else "a key of a Fides system manifest",
                    repr(key),
                )
            )


def _upgrade(key: Any, kind: str, path: str, warnings: list[str], issues: list[InputIssue]) -> str | None:
    """A current taxonomy key for ``key`` (old keys upgraded with a warning), or None (an issue)."""
    if not isinstance(key, str):
        issues.append(InputIssue(path, "a taxonomy key is a string", f"a {kind} key", repr(key)))
        return None
    new = key
    if kind == "data_use":
        for old, current in OLD_DATA_USES.items():
            if new == old or new.startswith(old + "."):
                new = current + new[len(old) :]
                break
    elif kind == "data_category":
        new = _QUALIFIED.sub("user.", new)
        for old, current in OLD_DATA_CATEGORIES.items():
            if new == old or new.startswith(old + "."):
                new = current + new[len(old) :]
                break
    if new in taxonomy.keys(kind):
        if new != key:
            warnings.append(
                f"{path}: {key!r} is an old fideslang {kind.replace('_', '-')} key; read as {new!r}"
            )
        return new
    near = taxonomy.nearest(kind, key)
    issues.append(
        InputIssue(
            path,
            f"unknown {kind.replace('_', '-')} key {key!r}" + (f"; did you mean {near!r}?" if near else ""),
            f"a key like {near!r}" if near else f"a fideslang {kind.replace('_', '-')} key",
            repr(key),
        )
    )
    return None


def _retention_days(text: Any) -> int | None:
    if isinstance(text, int) and not isinstance(text, bool) and text > 0:
        return text
    if not isinstance(text, str):
        return None
    m = re.fullmatch(r"\s*(\d+)\s*(day|week|month|year)?s?\s*", text.lower())
    if not m or int(m.group(1)) <= 0:
        return None
    return int(m.group(1)) * _UNIT_DAYS[m.group(2) or "day"]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def systems_of(data: Any, where: str, issues: list[InputIssue]) -> list[dict[str, Any]]:
    """The system resources of one parsed manifest (``system:`` list, a list, or one system)."""
    if isinstance(data, dict) and "system" in data:
        systems = data["system"]
        prefix = f"{where}system"
    elif isinstance(data, dict) and "privacy_declarations" in data:
        return [data]
    elif isinstance(data, list):
        systems, prefix = data, where.rstrip(".") or ""
    else:
        issues.append(
            InputIssue(
                where.rstrip(".") or "(document)",
                "not a Fides system manifest",
                "a mapping with a `system:` list of systems (each with privacy_declarations)",
                type(data).__name__,
            )
        )
        return []
    if not isinstance(systems, list) or not systems:
        issues.append(InputIssue(prefix, "no systems", "a non-empty list of systems", repr(systems)[:60]))
        return []
    out = []
    for i, s in enumerate(systems):
        if not isinstance(s, dict):
            issues.append(
                InputIssue(f"{prefix}[{i}]", "a system is a mapping", "a mapping", type(s).__name__)
            )
        else:
            out.append(s)
    return out


def import_fides(
    manifests: list[tuple[str, Any]], markets: list[str], product_id: str | None = None
) -> FidesImport:
    """One product from the systems of ``manifests`` ((source name, parsed YAML/JSON) pairs),
    offered in ``markets``; raises :class:`InputError` naming every problem (JSON path, or
    ``source: path``)."""
    from fideslang.models import PrivacyDeclaration, System

    system_fields, declaration_fields = _fideslang_fields()
    issues: list[InputIssue] = []
    warnings: list[str] = []
    if not markets:
        issues.append(
            InputIssue(
                "markets",
                "Fides manifests do not say where the product is offered",
                "one or more markets (--market EU --market US-CA)",
                "none",
            )
        )
    places = []
    for m in markets:
        try:
            places.append(normalise_place(m))
        except ValueError as exc:
            issues.append(InputIssue("markets", str(exc), "a market code such as EU, CN or US-CA", repr(m)))

    practices: list[dict[str, Any]] = []
    governance: dict[str, Any] = {}
    org_names: set[str] = set()
    dpia_states: list[bool] = []
    keys: list[str] = []
    for source, data in manifests:
        where = f"{source}: " if len(manifests) > 1 else ""
        for i, system in enumerate(systems_of(data, where, issues)):
            spath = f"{where}system[{i}]"
            _unknown_keys(system, system_fields | _LEGACY_SYSTEM_KEYS, spath, issues)
            fides_key = str(system.get("fides_key") or f"system-{i}")
            keys.append(fides_key)
            decls = system.get("privacy_declarations")
            if not isinstance(decls, list):
                issues.append(
                    InputIssue(
                        f"{spath}.privacy_declarations",
                        "missing",
                        "a list of privacy declarations",
                        repr(decls),
                    )
                )
                continue
            current = {k: v for k, v in system.items() if k not in _LEGACY_SYSTEM_KEYS}
            current["privacy_declarations"] = []  # validated one by one below, in their order
            models: list[Any] = []
            for j, d in enumerate(decls):
                dpath = f"{spath}.privacy_declarations[{j}]"
                if not isinstance(d, dict):
                    issues.append(
                        InputIssue(dpath, "a declaration is a mapping", "a mapping", type(d).__name__)
                    )
                    continue
                _unknown_keys(d, declaration_fields | _LEGACY_DECLARATION_KEYS, dpath, issues)
                clean = {k: v for k, v in d.items() if k not in _LEGACY_DECLARATION_KEYS}
                models.append((d, _validated(PrivacyDeclaration, clean, dpath, issues)))
            model = _validated(System, current, spath, issues)
            if model is None or any(m is None for _, m in models):
                continue
            practices += _practices(system, model, models, spath, fides_key, warnings, issues)
            _system_governance(system, model, spath, governance, dpia_states, org_names, warnings)

    if issues:
        raise InputError("fides", issues)
    if dpia_states:
        governance["dpia_completed"] = all(dpia_states)
    ids: set[str] = set()
    for p in practices:
        while p["id"] in ids:
            p["id"] += "-2"
        ids.add(p["id"])
    product: dict[str, Any] = {
        "schema_version": "1",
        "id": product_id or (keys[0] if len(keys) == 1 else _slug("-".join(keys))[:200] or "fides-import"),
        "name": ", ".join(keys),
        "markets": places,
        "data_practices": practices,
    }
    if len(org_names) == 1:
        product["organization"] = {"name": org_names.pop()}
    if governance:
        product["governance"] = governance
    if not practices:
        raise InputError(
            "fides",
            [
                InputIssue(
                    "system", "no privacy declarations", "at least one declaration in some system", "none"
                )
            ],
        )
    return FidesImport(product, warnings, _needs(product))


def _validated(model: Any, data: dict[str, Any], path: str, issues: list[InputIssue]) -> Any:
    """``data`` validated by a fideslang model, or None with its errors added to ``issues``."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for issue in issues_from_validation(exc):
            where = f"{path}.{issue.path}" if issue.path else path
            issues.append(InputIssue(where, issue.message, issue.expected, issue.given))
        return None


def _practices(
    raw: dict[str, Any], model: Any, decls: list[tuple[dict[str, Any], Any]], spath: str, fides_key: str,
    warnings: list[str], issues: list[InputIssue],
) -> list[dict[str, Any]]:  # fmt: skip
    out = []
    transfers, transfer_basis = _transfers(raw, model, spath, warnings, issues)
    role = raw.get("data_responsibility_title") or [getattr(r, "value", r) for r in model.responsibility]
    if role and "Controller" not in (role if isinstance(role, list) else [role]):
        warnings.append(
            f"{spath}: the organisation is {role} of this system; regulint evaluates the duties of a "
            "controller (business), so its declarations are imported as the product's practices"
        )
    for j, (rd, d) in enumerate(decls):
        dpath = f"{spath}.privacy_declarations[{j}]"
        p: dict[str, Any] = {"id": f"{fides_key}/{_slug(d.name or '') or j}"}
        cats = [_upgrade(c, "data_category", f"{dpath}.data_categories[{k}]", warnings, issues)
                for k, c in enumerate(rd.get("data_categories") or [])]  # fmt: skip
        p["data_categories"] = [c for c in cats if c]
        use = _upgrade(rd.get("data_use"), "data_use", f"{dpath}.data_use", warnings, issues)
        if use:
            p["purpose"] = use
        subjects = [_upgrade(s, "data_subject", f"{dpath}.data_subjects[{k}]", warnings, issues)
                    for k, s in enumerate(rd.get("data_subjects") or [])]  # fmt: skip
        p["data_subjects"] = [s for s in subjects if s]
        basis = d.legal_basis_for_processing
        if basis is not None:
            p["legal_basis"] = _LEGAL_BASIS[getattr(basis, "value", basis)]
        special = d.special_category_legal_basis
        if special is not None:
            mapped = _SPECIAL_BASIS.get(getattr(special, "value", special))
            if mapped:
                p["special_category_condition"] = mapped
            else:
                warnings.append(f"{dpath}.special_category_legal_basis: {special!r} has no GDPR Art. 9(2) "
                                "condition in regulint's model; left out")  # fmt: skip
        if d.retention_period is not None:
            days = _retention_days(d.retention_period)
            if days is None:
                warnings.append(f"{dpath}.retention_period: {d.retention_period!r} is not a number of days, "
                                "weeks, months or years; retention left out (no limit is assumed)")  # fmt: skip
            else:
                p["retention_days"] = days
        if d.data_shared_with_third_parties:
            p["recipients"] = [{"name": d.third_parties or "third parties", "role": "third_party"}]
        if getattr(model, "uses_profiling", False):
            p["automated_decisions"] = True
            p["automated_decision_significant_effect"] = True
        if transfers:
            # Fides' transfer bases are the GDPR's (Chapter V): they state the EU mechanism only
            p["transfers"] = [
                {"to": to, **({"mechanisms": {"EU": transfer_basis}} if transfer_basis else {})}
                for to in transfers
            ]
        out.append(p)
    return out


def _transfers(
    raw: dict[str, Any], model: Any, spath: str, warnings: list[str], issues: list[InputIssue]
) -> tuple[list[str], str | None]:
    out = []
    codes = raw.get("third_country_transfers") or []
    if not isinstance(codes, list):
        issues.append(InputIssue(f"{spath}.third_country_transfers", "not a list", "a list of ISO 3166 alpha-3 codes", repr(codes)[:60]))  # fmt: skip
        codes = []
    for k, code in enumerate(codes):
        a2 = ALPHA3_TO_ALPHA2.get(str(code).upper()) if isinstance(code, str) else None
        try:
            out.append(normalise_place(a2 or str(code)))
        except ValueError:
            near = _near(str(code).upper(), set(ALPHA3_TO_ALPHA2))
            issues.append(
                InputIssue(
                    f"{spath}.third_country_transfers[{k}]",
                    f"unknown country code {code!r}" + (f"; did you mean {near!r}?" if near else ""),
                    "an ISO 3166-1 alpha-3 code such as USA or CAN",
                    repr(code),
                )
            )
    if getattr(model, "does_international_transfers", False) and not out:
        warnings.append(
            f"{spath}: the system transfers data abroad (does_international_transfers) but Fides does not "
            "say where: add the destinations as data_practices[].transfers[].to"
        )
    bases = [_TRANSFER_BASIS.get(b) for b in getattr(model, "legal_basis_for_transfers", []) or []]
    known = sorted({b for b in bases if b})
    if len(known) == 1 and out:
        return out, known[0]
    if len(known) > 1 and out:
        warnings.append(f"{spath}.legal_basis_for_transfers: several bases ({', '.join(known)}) and no way to "
                        "tell which destination each covers; each transfer's EU mechanism (mechanisms.EU) is left out")  # fmt: skip
    return out, None


def _system_governance(
    raw: dict[str, Any], model: Any, spath: str, governance: dict[str, Any], dpia_states: list[bool],
    org_names: set[str], warnings: list[str],
) -> None:  # fmt: skip
    dpia = raw.get("data_protection_impact_assessment")
    if isinstance(dpia, dict):
        extra = sorted(set(dpia) - _DPIA_KEYS)
        if extra:
            warnings.append(f"{spath}.data_protection_impact_assessment: ignored keys {', '.join(extra)}")
        if dpia.get("is_required"):
            dpia_states.append(str(dpia.get("progress", "")).strip().lower() == "complete")
    elif getattr(model, "requires_data_protection_assessments", False):
        dpia_states.append(str(model.dpa_progress or "").strip().lower() == "complete")
    if getattr(model, "privacy_policy", None):
        governance["privacy_policy_published"] = True
    if getattr(model, "dpo", None) or raw.get("data_protection_officer"):
        governance["dpo_appointed"] = True
    if getattr(model, "legal_name", None):
        org_names.add(model.legal_name)
    if getattr(model, "exempt_from_privacy_regulations", False):
        warnings.append(
            f"{spath}: Fides marks the system exempt from privacy regulations"
            + (f" ({model.reason_for_exemption})" if model.reason_for_exemption else "")
            + "; regulint evaluates it all the same"
        )


#: What a Fides data map never records, and where it goes in the description.
_NOT_IN_FIDES = (
    (
        "data_practices[].consent",
        "how consent is obtained (separate, explicit, withdrawable …): no consent is assumed",
    ),
    ("data_practices[].notice", "what the notice at collection discloses: no notice is assumed"),
    (
        "data_practices[].encrypted_at_rest, retention_days, deleted_on_account_closure",
        "safeguards and retention",
    ),
    (
        "data_practices[].transfers[].mechanisms",
        "each transfer's mechanism per regime (EU: scc, bcr, adequacy …; CN: cn_standard_contract …): "
        "a regime not stated has none, for the exporter must show one (GDPR Arts. 44, 46(1); PIPL Art. 38(1))",
    ),
    ("audience", "who uses the product (min_age, users_by_market, monthly_active_users)"),
    ("organization", "revenue, headquarters, establishments, size"),
    ("governance", "rights handling, representatives, records, breach process"),
    ("synthetic_media", "whether the product generates AI content, and how it labels it"),
)


def _needs(product: dict[str, Any]) -> list[str]:
    """What the description lacks for a full evaluation: the paths the rules could not decide
    on (insufficient information), then what Fides never records."""
    from engine.evaluate.evaluator import evaluate
    from engine.facts.product import Product

    report = evaluate(Product.model_validate(product))
    missing = sorted({m for i in report.insufficient_information for m in i.missing})
    out = [f"{m} (unknown: rules answer insufficient information until it is given)" for m in missing]
    out += _unstated_mechanisms(product)
    out += [f"{path}: {what}" for path, what in _NOT_IN_FIDES]
    return out


def _unstated_mechanisms(product: dict[str, Any]) -> list[str]:
    """Each transfer leaving a chosen market whose mechanism under that market's regime the
    manifest did not state (none is assumed: the burden is the exporter's)."""
    from engine.core.jurisdictions import market_of
    from engine.facts.mechanisms import REGIMES

    markets = {market_of(m) for m in product["markets"]}
    out = []
    for i, practice in enumerate(product.get("data_practices") or []):
        for j, transfer in enumerate(practice.get("transfers") or []):
            stated = transfer.get("mechanisms") or {}
            for regime, (law, _) in REGIMES.items():
                if regime in markets and regime not in stated and market_of(transfer["to"]) != regime:
                    out.append(
                        f"data_practices[{i}].transfers[{j}].mechanisms.{regime}: the mechanism under {law} "
                        f"of the transfer to {transfer['to']} is not in the manifest; none is assumed, "
                        "since the exporter must show one"
                    )
    return out
