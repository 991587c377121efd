"""The dashboard for the people who act on it: triage, honest exposure, CSV and print, compare,
the guided builder, questions in place, the portfolio, and axe-core on every view at two widths."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from engine.law.severity import SEVERITY_RANK
from tests.browser.conftest import axe_violations
from tests.browser.test_dashboard import evaluate_seed, seed_data, seed_name

pytestmark = pytest.mark.browser


def in_first_screen(page: Page, selector: str) -> bool:
    return page.locator(selector).first.evaluate(
        "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
    )


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_top_issues_in_the_first_screen_and_critical_filter(
    browser, server, problems, screenshots: Path, viewport
) -> None:
    from tests.browser.conftest import _open_page

    gen = _open_page(browser, server, problems, {"width": viewport[0], "height": viewport[1]})
    page = next(gen)
    name = seed_name()
    expected = server.post("/v1/evaluations", seed_data(name))
    evaluate_seed(page, name)
    top = page.locator(".top-list li:not([hidden])")
    expect(top.first).to_be_visible()
    assert in_first_screen(page, ".top-list li"), "the first top issue is below the first screen"
    assert in_first_screen(page, ".verdicts"), "the verdicts are below the first screen"
    # ranked by severity: every critical before any high; only critical and high
    sevs = page.locator(".top-list li").evaluate_all("els => els.map(e => e.dataset.severity)")
    assert sevs and set(sevs) <= {"critical", "high"}
    assert sevs == sorted(sevs, key=SEVERITY_RANK.__getitem__)
    n_top = len(
        {
            (v["rule_id"], v["jurisdiction"])
            for v in expected["violations"]
            if v["severity"] in ("critical", "high")
        }
    )
    assert len(sevs) == n_top
    page.screenshot(path=str(screenshots / f"evaluate-triage-{viewport[0]}.png"))
    # a top issue links to its card
    top.first.locator("a").click()
    rule = top.first.get_attribute("data-rule")
    expect(page.locator(f'.rule-group[data-rule="{rule}"]').first).to_be_in_viewport()

    # filtering to critical shows exactly the critical findings
    toggle = page.locator(".filters-toggle")
    if not toggle.evaluate("d => d.open"):
        toggle.locator("summary").click()
    page.click('.chip[data-dim="severity"][data-value="critical"]')
    shown = page.locator(".rule-group:not([hidden]) li.violation:not([hidden])")
    critical = [v for v in expected["violations"] if v["severity"] == "critical"]
    expect(shown).to_have_count(len(critical))
    assert sorted(shown.evaluate_all("els => els.map(e => e.dataset.rule)")) == sorted(
        v["rule_id"] for v in critical
    )
    expect(page.locator("#findings-count")).to_contain_text(f"Showing {len(critical)} of")
    # and the text filter narrows within it; clearing restores all
    page.fill("#finding-q", critical[0]["rule_id"])
    expect(shown.first).to_have_attribute("data-rule", critical[0]["rule_id"])
    page.click("#clear-filters")
    expect(page.locator("li.violation:not([hidden])")).to_have_count(expected["summary"]["violations"])
    # sort by exposure: group order follows the biggest amount first
    page.select_option("#finding-sort", "exposure")
    first_group = page.locator(".rule-group").first.get_attribute("data-rule")
    assert first_group, "no group after sorting"
    next(gen, None)


def test_csv_export_matches_the_json_report(page: Page, server) -> None:
    name = seed_name()
    evaluate_seed(page, name)
    eid = page.locator("#report .eval-id").text_content().split("evaluation")[-1].strip()
    report = server.get(f"/v1/evaluations/{eid}")["report"]
    with page.expect_download() as info:
        page.click("#download-csv")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert len(rows) == len(report["violations"])
    rates = {
        i: (float(e["usd"]["max"]) / float(e["max"]) if e["max"] is not None and float(e["max"]) else None)
        for e in report["summary"]["exposure"]
        for i in e.get("instruments") or [e["instrument"]]
    }
    for row, v in zip(rows, report["violations"], strict=True):
        p = v["penalty"]
        assert row["rule_id"] == v["rule_id"]
        assert row["severity"] == v["severity"]
        assert row["jurisdiction"] == v["jurisdiction"]
        assert row["citation"] == v["citation"]
        assert row["official_source"] == v["source"]
        assert row["path"] == v["subject"]["path"]
        assert row["remediation"] == v["remediation"]
        assert row["penalty_currency"] == p["currency"]
        assert float(row["penalty_min"]) == float(p["min"])
        if p.get("max") is not None:
            assert float(row["penalty_max"]) == float(p["max"])
            rate = 1.0 if p["currency"] == "USD" else rates[v["instrument"]]
            if rate is not None:
                assert abs(float(row["penalty_usd_max"]) - float(p["max"]) * rate) < 0.01


def test_print_opens_evidence_keeps_disclaimer(page: Page) -> None:
    evaluate_seed(page, seed_name())
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator("details:not([open])").count() == 0
    page.emulate_media(media="print")
    expect(page.locator("#disclaimer")).to_be_visible()
    expect(page.locator("#evaluate-form")).to_be_hidden()
    assert page.locator("li.violation").first.evaluate("e => getComputedStyle(e).breakInside") == "avoid"
    page.emulate_media(media="screen")
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert page.locator(".rule-group[data-severity=medium][open]").count() == 0


def test_shared_exposure_link_opens_fresh(page: Page, server) -> None:
    stored = server.post("/v1/evaluations", seed_data(seed_name()))
    page.goto(f"/#exposure/{stored['id']}")
    expect(page.locator("#exposure-content")).to_be_visible()
    expect(page.locator("#exposure-empty")).to_be_hidden()
    expect(page.locator("#exposure-content")).to_contain_text(stored["product_id"])


def test_compare_shows_field_diff_and_exposure_change(page: Page, server, screenshots: Path) -> None:
    doc = seed_data(seed_name())
    doc["id"] = "compare-check"
    older = server.post("/v1/evaluations", doc)
    fixed = copy.deepcopy(doc)
    fixed["synthetic_media"]["visible_label"] = True
    newer = server.post("/v1/evaluations", fixed)
    gone = {v["rule_id"] for v in older["violations"]} - {v["rule_id"] for v in newer["violations"]}
    assert gone, "labelling the media fixes nothing?"
    page.goto(f"/#compare/{older['id']}/{newer['id']}")
    result = page.locator("#compare-result")
    row = result.locator('table.field-diff tr[data-path="synthetic_media.visible_label"]')
    expect(row).to_contain_text("false")
    expect(row).to_contain_text("true")
    for rule in gone:
        expect(row).to_contain_text(rule)
    expect(result.locator("table.field-diff tbody tr")).to_have_count(1)
    expect(result.locator("table.exposure-diff tbody tr")).to_have_count(
        len({e["instrument"] for e in older["summary"]["exposure"] + newer["summary"]["exposure"]})
    )
    expect(result.locator("details.diff-unchanged")).not_to_have_attribute("open", "")
    expect(result).not_to_contain_text(older["id"])  # names and dates, not ids
    expect(page.locator("#compare-title")).to_be_focused()
    page.screenshot(path=str(screenshots / "compare.png"), full_page=True)


def test_answering_an_insufficient_information_question_reevaluates(page: Page, server) -> None:
    doc = seed_data(seed_name())
    doc["id"] = "questions-check"
    expected = server.post("/v1/evaluations?store=false", doc)
    assert expected["id"] is None
    entry = next(x for x in expected["insufficient_information"] if x.get("missing"))
    path = entry["missing"][0]
    page.goto("/#evaluate")
    page.fill("#product-json", json.dumps(doc, indent=2))
    page.click("#evaluate-button")
    question = page.locator(f'.questions .question[data-path="{path}"]').first
    expect(question).to_be_visible()
    control = question.locator("input, select").first
    if control.evaluate("e => e.tagName") == "SELECT":
        control.select_option("false")
    else:
        control.fill("0")
    before = server.get("/v1/evaluations?product_id=questions-check")["total"]
    question.locator("xpath=ancestor::form").locator("button[type=submit]").click()
    expect(page.locator("#status-evaluate")).to_contain_text("Evaluated questions-check")
    assert server.get("/v1/evaluations?product_id=questions-check")["total"] == before + 1
    assert json.loads(page.locator("#product-json").input_value())["organization"] is not None
    stored = server.get("/v1/evaluations?product_id=questions-check")["items"][0]
    report = server.get(f"/v1/evaluations/{stored['id']}")
    assert all(path not in (x.get("missing") or []) for x in report["report"]["insufficient_information"])


def test_rule_example_is_not_stored(page: Page, server) -> None:
    rule = server.get("/v1/rules")["items"][0]
    detail = server.get(f"/v1/rules/{rule['id']}")
    ex = detail["examples"]["violating"][0]
    product = ex["product"] if "product" in ex and "markets" not in ex else ex
    before = server.get(f"/v1/evaluations?product_id={product['id']}")["total"]
    page.goto(f"/#rules/{rule['id']}")
    page.locator("details.example-violating summary").first.click()
    page.locator("details.example-violating button").first.click()
    expect(page.locator("#view-evaluate")).to_be_visible()
    page.click("#evaluate-button")
    expect(page.locator("#status-evaluate")).to_contain_text("not stored")
    assert server.get(f"/v1/evaluations?product_id={product['id']}")["total"] == before


def test_stale_marker_and_draft_autosave(page: Page) -> None:
    evaluate_seed(page, seed_name())
    expect(page.locator("#stale-marker")).to_be_hidden()
    page.locator("#product-json").press("End")
    page.locator("#product-json").type(" ")
    expect(page.locator("#stale-marker")).to_be_visible()
    text = page.locator("#product-json").input_value()
    page.goto("/#evaluate")
    page.reload()
    expect(page.locator("#product-json")).to_have_value(text)
    expect(page.locator("#status-evaluate")).to_contain_text("Restored your draft")
    # loading an example over edited work asks first; declining keeps the draft
    page.once("dialog", lambda d: d.dismiss())
    page.select_option("#seed-select", seed_name())
    expect(page.locator("#product-json")).to_have_value(text)


def fill_builder(page: Page, doc: dict, prefix: str = "") -> None:
    """Answer the guided form as a person would, field by field, from a description."""
    for key, value in doc.items():
        path = f"{prefix}.{key}" if prefix else key
        section = page.locator(f'details.builder-section[data-section="{path}"]')
        if not prefix and section.count() and not section.evaluate("d => d.open"):
            section.locator("summary").click()
        if isinstance(value, dict) and page.locator(f'input[type=text][data-path="{path}"]').count():
            page.fill(f'input[data-path="{path}"]', json.dumps(value))
        elif isinstance(value, dict):
            toggle = page.locator(f'input.section-toggle[data-path="{path}"]')
            if toggle.count() and not toggle.is_checked():
                toggle.check()
            fill_builder(page, value, path)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for i, item in enumerate(value):
                page.click(f'button.add-item[data-path="{path}"]')
                fill_builder(page, item, f"{path}[{i}]")
        elif isinstance(value, list):
            picker = page.locator(f'fieldset.picker[data-path="{path}"]')
            taxonomy = page.locator(f'fieldset.taxonomy[data-path="{path}"]')
            if taxonomy.count():
                if not value:
                    taxonomy.locator("input.none-check").check()
                for v in value:  # search for each key, then tick it
                    taxonomy.locator("input[type=search]").fill(v)
                    taxonomy.locator(f'.results input[value="{v}"]').check()
                expect(taxonomy.locator(".chosen li")).to_have_count(len(value))
            elif picker.count():
                if not value:
                    picker.locator("input.none-check").check()
                for v in value:
                    picker.locator(f'input[value="{v}"]').check()
            else:
                page.fill(f'input[data-path="{path}"]', ", ".join(value) if value else "none")
        elif value is None:
            page.check(f'input.null-check[data-path="{path}"]')
        else:
            ctl = page.locator(f'[data-path="{path}"]:not(.null-check):not(.section-toggle)').first
            if ctl.evaluate("e => e.tagName") == "SELECT":
                ctl.select_option("true" if value is True else "false" if value is False else str(value))
            else:
                ctl.fill(str(value))


def test_guided_builder_reproduces_a_seed(page: Page, screenshots: Path) -> None:
    doc = seed_data("faceswap-zao-style")
    page.goto("/#evaluate")
    page.click("#tab-guided")
    expect(page.locator("#builder-form .builder-section").first).to_be_visible()
    fill_builder(page, doc)
    built = json.loads(page.locator("#product-json").input_value())
    assert built == doc
    expect(page.locator("#builder-problems")).to_have_attribute("data-count", "0")
    page.screenshot(path=str(screenshots / "builder.png"))
    # the JSON tab is in step, and an edit there shows in the form
    page.click("#tab-json")
    text = page.locator("#product-json").input_value()
    page.fill("#product-json", text.replace('"faceswap-clips"', '"faceswap-edited"'))
    page.click("#tab-guided")
    expect(page.locator('input[data-path="id"]')).to_have_value("faceswap-edited")


def test_portfolio_lists_latest_per_product(page: Page, server, screenshots: Path) -> None:
    a = seed_data(seed_name())
    a["id"] = "portfolio-a"
    server.post("/v1/evaluations", a)
    latest = server.post("/v1/evaluations", a)
    page.goto("/#portfolio")
    row = page.locator('table.portfolio-table tr[data-product="portfolio-a"]')
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-id", latest["id"])
    for m in latest["markets"]:
        expect(row.locator(f'td[data-market="{m}"] .badge')).to_be_visible()
    page.screenshot(path=str(screenshots / "portfolio.png"), full_page=True)


LOADED = {  # what shows once each view has loaded
    "#evaluate": "#market-options input",
    "#evaluation": "#report li.violation",
    "#exposure": "#exposure-content svg.chart",
    "#history": ".history-table tbody tr",
    "#compare": "#compare-title",
    "#rules": ".rule-item",
    "#rules/detail": "#rule-title",
    "#portfolio": "table.portfolio-table",
    "#guided": "#builder-form .builder-section",
}
VIEWS = [
    "#evaluate",
    "#evaluation",
    "#exposure",
    "#history",
    "#compare",
    "#rules",
    "#rules/detail",
    "#portfolio",
    "#guided",
]


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_axe_reports_no_violation_on_any_view(
    browser, server, problems, axe_source, screenshots, viewport
) -> None:
    from tests.browser.conftest import _open_page

    doc = seed_data(seed_name())
    doc["id"] = "axe-check"
    one = server.post("/v1/evaluations", doc)
    two = server.post("/v1/evaluations", doc)
    rule = server.get("/v1/rules")["items"][0]["id"]
    urls = {
        "#evaluate": "/#evaluate",
        "#evaluation": f"/#evaluation/{one['id']}",
        "#exposure": f"/#exposure/{one['id']}",
        "#history": "/#history",
        "#compare": f"/#compare/{one['id']}/{two['id']}",
        "#rules": "/#rules",
        "#rules/detail": f"/#rules/{rule}",
        "#portfolio": "/#portfolio",
        "#guided": "/#evaluate",
    }
    gen = _open_page(browser, server, problems, {"width": viewport[0], "height": viewport[1]})
    page = next(gen)
    found = {}
    for view in VIEWS:
        page.goto(urls[view])
        if view == "#guided":
            page.click("#tab-guided")
        expect(page.locator(LOADED[view]).first).to_be_visible()
        expect(page.locator("[aria-busy=true]")).to_have_count(0)
        bad = axe_violations(page, axe_source)
        if bad:
            found[view] = bad
        name = view.strip("#").replace("/", "-")
        page.screenshot(path=str(screenshots / f"{name}-{viewport[0]}.png"))
    next(gen, None)
    assert not found, json.dumps(found, indent=1)[:6000]


def test_portfolio_names_a_product_whose_report_does_not_load(page: Page, server, problems) -> None:
    """The portfolio lists what loaded and says, as an error, which products did not."""
    a = seed_data(seed_name())
    a["id"] = "portfolio-broken"
    broken = server.post("/v1/evaluations", a)
    problems.allow("500")  # the browser logs the failed request
    page.route(
        f"**/v1/evaluations/{broken['id']}",
        lambda route: route.fulfill(
            status=500, content_type="application/problem+json", body='{"status": 500}'
        ),
    )
    page.goto("/#portfolio")
    status = page.locator("#status-portfolio")
    expect(status).to_contain_text("1 product could not be loaded: portfolio-broken")
    expect(status).to_have_class(re.compile(r"\berror\b"))
    expect(page.locator('table.portfolio-table tr[data-product="portfolio-broken"]')).to_have_count(0)


def test_portfolio_reevaluation_of_200_products_shows_progress(page: Page, server, screenshots: Path) -> None:
    docs = [
        {
            "id": f"bulk-{i:03d}",
            "markets": ["EU"],
            "data_practices": [
                {"id": "signup", "data_categories": ["user.contact.email"], "purpose": "essential.service"}
            ],
        }
        for i in range(200)
    ]
    for start in range(0, 200, 100):
        server.post("/v1/evaluations/batch", docs[start : start + 100])
    page.goto("/#portfolio")
    expect(page.locator("table.portfolio-table tbody tr").first).to_be_visible()
    page.evaluate(
        """() => { window.__progress = [];
             new MutationObserver(() => { const p = document.getElementById('reevaluation-progress');
               if (p) window.__progress.push([Number(p.value), Number(p.max)]); })
             .observe(document.getElementById('reevaluation'), {subtree: true, attributes: true, childList: true}); }"""
    )
    page.click("#reevaluate-button")
    expect(page.locator("#reevaluation-label")).to_contain_text(
        "against the current rulesets.", timeout=180_000
    )
    seen = page.evaluate("window.__progress")
    total = seen[-1][1]
    assert total >= 200
    assert seen[-1][0] == total
    values = [v for v, _ in seen]
    assert values == sorted(values) and len(set(values)) >= 2, values
    expect(page.locator("#status-portfolio")).to_contain_text(f"{total} products re-evaluated")
    page.screenshot(path=str(screenshots / "portfolio-reevaluated.png"))


def test_upcoming_penalty_changes_and_rule_versions_are_shown(page: Page, server) -> None:
    doc = seed_data(seed_name())
    expected = server.post("/v1/evaluations?store=false&as_of=2025-06-01", doc)
    changes = expected["upcoming_penalty_changes"]
    assert changes, "the seed has no penalty change after 2025-06-01"
    page.goto("/#evaluate")
    page.select_option("#seed-select", seed_name())
    expect(page.locator("#product-json")).to_have_value(re.compile(doc["id"]))
    page.fill("#as-of", "2025-06-01")
    page.click("#evaluate-button")
    items = page.locator(".penalty-changes li.penalty-change")
    expect(items).to_have_count(len(changes))
    first = changes[0]
    expect(items.first).to_contain_text(str(first["effective_from"]))
    expect(items.first).to_contain_text(first["tier"])
    v = expected["violations"][0]
    card = page.locator(f'li.violation[data-rule="{v["rule_id"]}"]').first
    expect(card.locator(".period")).to_contain_text(str(v["period"]["from"]))
