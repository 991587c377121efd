"""Official sources: the allowlist, and every shipped source on it (lint findings: test_static_checks)."""

from __future__ import annotations

import pytest

from engine.ruleset import load_rulesets
from engine.sources import OFFICIAL_SITES, describe_source

GDPR = "https://eur-lex.europa.eu/eli/reg/2016/679/oj"


@pytest.mark.parametrize(
    ("url", "site", "official"),
    [
        (f"{GDPR}#art_28", "eur-lex.europa.eu", True),
        ("https://www.cac.gov.cn/2023-07/13/c_1690898327029107.htm", "cac.gov.cn", True),
        ("http://www.npc.gov.cn/npc/c30834/202106/x.shtml", "npc.gov.cn", True),
        ("https://www.gov.cn/zhengce/content/202310/content_6911288.htm", "gov.cn", True),
        ("https://leginfo.legislature.ca.gov/faces/x.xhtml?lawCode=CIV", "leginfo.legislature.ca.gov", True),
        ("https://cppa.ca.gov:443/regulations/pdf/cppa_regs.pdf#page=3", "cppa.ca.gov", True),
        # case law and guidance interpret a provision; they are references, not its text
        ("https://curia.europa.eu/juris/document/document.jsf?docid=228677", "curia.europa.eu", False),
        ("https://www.edpb.europa.eu/system/files/x.pdf", "edpb.europa.eu", False),
        # another ministry under .gov.cn is not the State Council's site; look-alikes are not EUR-Lex
        ("https://www.moe.gov.cn/x.html", "moe.gov.cn", False),
        ("https://eur-lex.europa.eu.example.com/eli/reg/2016/679/oj", "eur-lex.europa.eu.example.com", False),
        ("https://online.flipbuilder.com/bzaa/page18.html", "online.flipbuilder.com", False),
    ],
)
def test_describe_source(url: str, site: str, official: bool) -> None:
    info = describe_source(url)
    assert (info.site, info.official) == (site, official)
    assert (info.publisher is not None) == official


def test_every_shipped_source_is_official_text() -> None:
    ruleset = load_rulesets()
    sources = [(i.id, i.source) for i in ruleset.instruments]
    sources += [
        (f"{tid}@{day}", tier.at(day).source)
        for tid, tier in ruleset.tiers.items()
        for day in sorted(tier.boundaries())
    ]
    sources += [(r.id, r.source) for r in ruleset.rules]
    assert len(sources) > 150
    outside = [(where, url) for where, url in sources if url is None or not describe_source(url).official]
    assert outside == []
    sites = {describe_source(url).site for _, url in sources if url}
    assert sites <= set(OFFICIAL_SITES)
    # references never repeat the official source they sit beside
    for item in (*ruleset.instruments, *ruleset.rules):
        assert item.source not in {ref.url for ref in item.references}, item.id
