"""Transfer mechanisms, one per legal regime that restricts transfers out of its territory.

One transfer may rely on a different instrument under each regime: the Commission's standard
contractual clauses for personal data under the GDPR (Art. 46(2)(c)) and the CAC standard contract
for personal information under the PIPL (Art. 38(1)(3)). ``Transfer.mechanisms`` maps the regime
(``EU``, ``CN``) to the mechanism relied on under it; the rules of each regime read only their own
entry. Each mechanism value belongs to exactly one regime, so a description written with the single
``mechanism`` key of earlier versions is upgraded without loss (:func:`upgrade_single_mechanism`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class TransferMechanism(StrEnum):
    """Every mechanism of every regime (the values of the single ``mechanism`` key)."""

    adequacy = "adequacy"
    scc = "scc"
    bcr = "bcr"
    derogation = "derogation"
    cn_security_assessment = "cn_security_assessment"
    cn_standard_contract = "cn_standard_contract"
    cn_certification = "cn_certification"
    exempt = "exempt"
    none = "none"


class EuTransferMechanism(StrEnum):
    """GDPR Chapter V: an adequacy decision (Art. 45), appropriate safeguards (Art. 46: standard
    contractual clauses, binding corporate rules) or a derogation (Art. 49)."""

    adequacy = "adequacy"
    scc = "scc"
    bcr = "bcr"
    derogation = "derogation"
    none = "none"


class CnTransferMechanism(StrEnum):
    """PIPL Art. 38(1): a CAC security assessment, PI-protection certification or the CAC standard
    contract; or an exemption of the 2024 Provisions on Cross-Border Data Flows."""

    cn_security_assessment = "cn_security_assessment"
    cn_standard_contract = "cn_standard_contract"
    cn_certification = "cn_certification"
    exempt = "exempt"
    none = "none"


#: The regimes whose rules read a transfer mechanism: code -> (the law, its mechanisms).
REGIMES: dict[str, tuple[str, type[StrEnum]]] = {
    "EU": ("GDPR Chapter V, Arts. 44-49", EuTransferMechanism),
    "CN": ("PIPL Art. 38", CnTransferMechanism),
}


def regimes_of(mechanism: str) -> list[str]:
    """The regimes under which ``mechanism`` is a mechanism (``scc`` -> ``[EU]``); none for ``none``."""
    if mechanism == "none":
        return []
    return [code for code, (_, values) in REGIMES.items() if mechanism in values.__members__]


def check_regimes(data: Any) -> Any:
    """Regime codes upper-cased (``eu`` is ``EU``); an unknown regime, or a mechanism put under a
    regime it does not belong to, is refused with the regime it belongs to."""
    if not isinstance(data, dict):
        return data
    out: dict[Any, Any] = {}
    for key, value in data.items():
        code = key.strip().upper() if isinstance(key, str) else key
        if code not in REGIMES:
            known = "; ".join(f"{c} ({law})" for c, (law, _) in REGIMES.items())
            raise ValueError(
                f"no transfer regime {key!r}: the regimes whose rules read a transfer mechanism are "
                f"{known}; other markets (e.g. US-CA) set no transfer mechanism"
            )
        if code in out:
            raise ValueError(f"the regime {code} is given twice (letter case aside)")
        owners = regimes_of(value) if isinstance(value, str) else []
        if owners and code not in owners:
            raise ValueError(
                f"{value!r} is a mechanism under {owners[0]} ({REGIMES[owners[0]][0]}), not under {code}; "
                f"write it as mechanisms.{owners[0]}, and give {code} one of "
                + ", ".join(REGIMES[code][1].__members__)
            )
        out[code] = value
    return out


class TransferMechanisms(BaseModel):
    """The mechanism a transfer relies on under each regime that restricts transfers. A regime not
    given has ``none``: the exporter must show a mechanism (GDPR Arts. 44, 46(1); PIPL Art. 38(1))."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=True)

    EU: EuTransferMechanism = Field(
        EuTransferMechanism.none,
        description="Under the GDPR (Chapter V), for personal data of the EU market: adequacy (Art. 45; "
        "for the US a recipient certified under the framework of the day), scc (Art. 46(2)(c)), bcr "
        "(Arts. 46(2)(b), 47), derogation (Art. 49) or none.",
        examples=["scc"],
    )
    CN: CnTransferMechanism = Field(
        CnTransferMechanism.none,
        description="Under the PIPL (Art. 38(1)), for personal information of the CN market: "
        "cn_security_assessment, cn_certification, cn_standard_contract, exempt (an exemption of the "
        "2024 Provisions on Cross-Border Data Flows) or none.",
        examples=["cn_standard_contract"],
    )

    @model_validator(mode="before")
    @classmethod
    def _regimes(cls, data: Any) -> Any:
        return check_regimes(data)


def upgrade_single_mechanism(data: Any) -> Any:
    """A transfer written with the single ``mechanism`` key, as ``mechanisms``.

    ``mechanism: scc`` becomes ``mechanisms: {EU: scc}`` (the other regimes keep their default,
    ``none``), which evaluates exactly as before. Refused as ambiguous: a value that is a mechanism
    under several regimes, and a regime that ``mechanisms`` gives another mechanism. Both keys may be
    given when they agree; ``mechanism: none`` adds nothing. A value that is no mechanism is left for
    the field's own validation, which names the allowed values."""
    if not isinstance(data, dict) or "mechanism" not in data:
        return data
    old = data["mechanism"]
    if not isinstance(old, str) or old not in TransferMechanism.__members__:
        return data
    out = {k: v for k, v in data.items() if k != "mechanism"}
    regimes = regimes_of(old)
    if not regimes:
        return out
    if len(regimes) > 1:
        raise ValueError(
            f"ambiguous transfer mechanism: {old!r} is a mechanism under {' and '.join(regimes)}; "
            f"state it under mechanisms ({', '.join(f'mechanisms.{r}' for r in regimes)}) instead of mechanism"
        )
    (regime,) = regimes
    given = out.get("mechanisms")
    if given is None:
        out["mechanisms"] = {regime: old}
        return out
    if not isinstance(given, dict):
        return out  # the mechanisms field reports what it expected
    stated = {k.strip().upper() if isinstance(k, str) else k: v for k, v in given.items()}
    if stated.get(regime, old) != old:
        raise ValueError(
            f"ambiguous transfer mechanism: mechanism is {old!r} (a mechanism under {regime}) but "
            f"mechanisms.{regime} is {stated[regime]!r}; remove the single mechanism key and state "
            "each regime's mechanism under mechanisms"
        )
    out["mechanisms"] = {**given, regime: old} if regime not in stated else given
    return out
