"""Markets and places: the codes of ``rulesets/jurisdictions.yaml``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from engine.core.resources import read_yaml_resource


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    name: str
    currency: str
    members: tuple[str, ...]


_US_STATE = re.compile(r"^US-[A-Z]{2}$")


@cache
def jurisdictions() -> dict[str, Jurisdiction]:
    """The markets that have rulesets, by code."""
    data = read_yaml_resource("jurisdictions.yaml")
    return {
        j["code"]: Jurisdiction(j["code"], j["name"], j["currency"], tuple(j.get("members", [])))
        for j in data["jurisdictions"]
    }


@cache
def member_of() -> dict[str, str]:
    return {m: j.code for j in jurisdictions().values() for m in j.members}


@cache
def other_places() -> frozenset[str]:
    return frozenset(read_yaml_resource("jurisdictions.yaml")["other_places"])


def normalise_place(code: str) -> str:
    """Upper-case and validate a market or place code; raise ValueError for an unknown one."""
    if not isinstance(code, str):
        raise ValueError(f"a place code is a string such as 'EU', 'DE' or 'US-CA', got {code!r}")
    up = code.strip().upper()
    if up in jurisdictions() or up in member_of() or up in other_places() or _US_STATE.match(up):
        return up
    known = ", ".join(sorted(jurisdictions()))
    raise ValueError(
        f"unknown place code {code!r}: expected a market ({known}), an EU member state such as 'DE', "
        "another ISO 3166-1 alpha-2 code, or a US state such as 'US-NY'"
    )


def market_of(code: str) -> str | None:
    """The market whose rulesets govern ``code`` (DE -> EU), or None for a place without rulesets."""
    if code in jurisdictions():
        return code
    return member_of().get(code)


def within(place: str, market: str) -> bool:
    """Whether ``place`` falls under the market or place ``market``: itself, a member state under
    its market (DE under EU), a state under its country (US-CA under US)."""
    return place == market or market_of(place) == market or place.startswith(market + "-")


def markets_of(codes: list[str] | tuple[str, ...], offered: bool = False) -> list[str]:
    """Codes plus the markets they fold into, sorted (["DE"] -> ["DE", "EU"]).

    ``offered``: the codes are where a product is offered, and a product offered in a country is
    offered in every part of it, so a country also brings the markets within it (["US"] ->
    ["US", "US-CA"]). Not so for where a company is established or data goes: an office in the US
    is not an office in California."""
    out = set(codes)
    for c in codes:
        m = market_of(c)
        if m:
            out.add(m)
        if offered:
            out.update(parts_of(c))
    return sorted(out)


def parts_of(code: str) -> list[str]:
    """The markets within ``code`` (US -> [US-CA]), sorted; none for a market or a member state."""
    return sorted(j for j in jurisdictions() if j != code and within(j, code))
