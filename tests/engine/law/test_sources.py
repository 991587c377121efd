"""Official sources: the allowlist, and every shipped source on it (lint findings: test_static_checks)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from engine.evaluate.evaluator import Evaluator
from engine.facts.inputs import product_from_data
from engine.law.catalog import catalog_markdown, rule_summary
from engine.law.loader import load_rulesets
from engine.law.model import Rule, RuleSet
from engine.law.sources import OFFICIAL_SITES, describe_source, site_of
from engine.report.model import Report
from engine.report.render import Checked, render_sarif

ROOT = Path(__file__).resolve().parents[3]
GDPR = "https://eur-lex.europa.eu/eli/reg/2016/679/oj"
DSA = "https://eur-lex.europa.eu/eli/reg/2022/2065/oj"


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


# --- the report, SARIF and the catalog say which text is official -------------------------------

BLOG = "https://blog.example.com/dsa-art-35"


@pytest.fixture(scope="module")
def unofficial(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    """The shipped DSA ruleset with its rule's source moved to a blog (what lint rejects)."""
    text = (ROOT / "rulesets" / "eu" / "dsa.yaml").read_text(encoding="utf-8")
    official = f"source: {DSA}#art_35"
    assert official in text
    path = tmp_path_factory.mktemp("rulesets") / "dsa.yaml"
    path.write_text(text.replace(official, f"source: {BLOG}"), encoding="utf-8")
    return load_rulesets(path)


def _violation_report(ruleset: RuleSet) -> tuple[Rule, Report]:
    rule = ruleset.rules[0]
    example = rule.violating[0]
    report = Evaluator(ruleset, "reference").evaluate(product_from_data(example.product), dt.date(2026, 1, 1))
    return rule, report


def test_violations_carry_the_official_source_and_references(ruleset: RuleSet, durable: Evaluator) -> None:
    seed = json.loads((ROOT / "seeds" / "faceswap-zao-style.json").read_text())
    report = durable.evaluate(product_from_data(seed), dt.date(2026, 11, 30))
    assert report.violations
    for v in report.violations:
        rule = ruleset.rules_by_id[v.rule_id]
        assert (v.source, v.source_site, v.source_official) == (rule.source, site_of(rule.source), True)
        assert [(r.label, r.url) for r in v.references] == [(r.label, r.url) for r in rule.references]
    assert any(v.references for v in report.violations)


def test_a_source_off_the_official_sites_reads_as_not_official(unofficial: RuleSet) -> None:
    rule, report = _violation_report(unofficial)
    (v,) = [v for v in report.violations if v.rule_id == rule.id]
    assert (v.source, v.source_site, v.source_official) == (BLOG, "blog.example.com", False)
    assert [r.url for r in v.references] == ["https://dsa-info.eu/index.php/art-35"]

    sarif = json.loads(render_sarif([Checked("p.json", report)], unofficial, "test"))
    (driver_rule,) = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert driver_rule["helpUri"] == BLOG
    assert driver_rule["properties"]["source_official"] is False
    assert driver_rule["properties"]["source_site"] == "blog.example.com"

    catalog = catalog_markdown(unofficial)
    assert f"*not official:* [blog.example.com]({BLOG})" in catalog
    assert f"[eur-lex.europa.eu]({DSA})" in catalog  # the instrument's own source is still official


def test_sarif_links_the_official_text_and_lists_commentary_apart(
    ruleset: RuleSet, durable: Evaluator
) -> None:
    seed = json.loads((ROOT / "seeds" / "faceswap-zao-style.json").read_text())
    report = durable.evaluate(product_from_data(seed), dt.date(2026, 11, 30))
    sarif = json.loads(render_sarif([Checked("p.json", report)], ruleset, "test"))
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert rules
    for entry in rules:
        rule = ruleset.rules_by_id[entry["id"]]
        assert entry["helpUri"] == rule.source
        props = entry["properties"]
        assert props["source_official"] is True and props["source_site"] == site_of(rule.source)
        assert props["references"] == [{"label": r.label, "url": r.url} for r in rule.references]


def test_the_catalog_shows_official_text_and_commentary(ruleset: RuleSet) -> None:
    catalog = catalog_markdown(ruleset)
    rule = ruleset.rules_by_id["eu-dsa-vlop-deepfake-marking"]
    row = next(line for line in catalog.splitlines() if line.startswith(f"| `{rule.id}`"))
    assert (
        f"| [eur-lex.europa.eu]({DSA}#art_35) | [dsa-info.eu: DSA Art. 35](https://dsa-info.eu/index.php/art-35) |"
        in row
    )
    assert "not official" not in catalog
    data = rule_summary(rule, ruleset.instrument(rule.instrument_id)).model_dump(mode="json")  # CLI and API
    assert (data["source"], data["source_site"], data["source_official"]) == (
        f"{DSA}#art_35",
        "eur-lex.europa.eu",
        True,
    )
    assert data["references"] == [
        {"label": "dsa-info.eu: DSA Art. 35", "url": "https://dsa-info.eu/index.php/art-35"}
    ]
    assert data["penalty"]["source_official"] is True
