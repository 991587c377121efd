"""Official sources: the sites whose text of a law a rule's ``source`` may link.

A finding is only as trustworthy as the text it links to, so a rule's, penalty tier's and
instrument's ``source`` is the official text of the provision (law-reference §9); commentary,
translations, guidance and case law go under ``references``. ``regulint lint`` rejects a source
outside :data:`OFFICIAL_SITES`; the report, SARIF, the catalog and the dashboard show the source's
site and whether it is official, all through :func:`describe_source`.

Deliberately not official *as a source*, only as a reference:

- ``curia.europa.eu`` (CJEU judgments) and ``edpb.europa.eu`` / ``ec.europa.eu`` /
  ``commission.europa.eu`` (EDPB and WP29 guidelines, Commission pages): they are published by EU
  bodies, but they interpret a provision; they are not its text. A rule encodes a provision of a
  regulation, so its source is that provision on EUR-Lex, and the judgment or guideline that
  shaped the reading is a reference. (A judgment a rule relies on is also on EUR-Lex, so the
  choice loses nothing.)
- Translations of Chinese texts other than the NPC's own English pages: only the Chinese text
  is authentic; a translation is a reference.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

# site (host without "www.") -> who publishes the official text there.
OFFICIAL_SITES: dict[str, str] = {
    "eur-lex.europa.eu": "EUR-Lex (Official Journal of the European Union)",
    "leginfo.legislature.ca.gov": "California Legislative Information",
    "cppa.ca.gov": "California Privacy Protection Agency",
    "oag.ca.gov": "California Attorney General",
    "npc.gov.cn": "National People's Congress of the PRC",
    "en.npc.gov.cn.cdurl.cn": "National People's Congress of the PRC (English)",
    "cac.gov.cn": "Cyberspace Administration of China",
    "gov.cn": "State Council of the PRC",
    "openstd.samr.gov.cn": "State Administration for Market Regulation (national standards)",
}


@dataclass(frozen=True)
class SourceInfo:
    """Where a source URL points and whether that is an official site."""

    site: str
    official: bool
    publisher: str | None


def site_of(url: str) -> str:
    """``https://www.cac.gov.cn:443/x`` -> ``cac.gov.cn`` (host, lower case, no port, no ``www.``)."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def describe_source(url: str) -> SourceInfo:
    """The site of ``url`` and whether it is on the official list (exact host; no subdomains,
    so ``gov.cn`` admits www.gov.cn but not every ministry under .gov.cn)."""
    site = site_of(url)
    return SourceInfo(site=site, official=site in OFFICIAL_SITES, publisher=OFFICIAL_SITES.get(site))


def is_official(url: str) -> bool:
    return describe_source(url).official


class Reference(BaseModel):
    """Secondary material on a provision: commentary, a translation, guidance, a judgment."""

    model_config = ConfigDict(frozen=True)

    label: str
    url: str


def source_fields(url: str | None, references: Iterable[Any] = ()) -> dict[str, Any]:
    """``source``, ``source_site``, ``source_official`` and ``references`` as plain data: what the
    report, the catalog and the API say about where a rule, tier or instrument comes from."""
    info = describe_source(url) if url else SourceInfo(site="", official=False, publisher=None)
    return {
        "source": url,
        "source_site": info.site,
        "source_official": info.official,
        "references": [{"label": r.label, "url": r.url} for r in references],
    }
