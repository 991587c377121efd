"""'What would fix this?' on a report: the verified plan, and the patched description in the editor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_dashboard import evaluate_seed, seed_data

pytestmark = pytest.mark.browser

SEED = "voice-cloning-api"


def test_fix_plan_is_shown_and_its_patched_description_evaluates_clean(
    page: Page, server, screenshots: Path
) -> None:
    evaluate_seed(page, SEED)
    expect(page.locator("#report .verdict").first).to_contain_text("fails")
    page.click("#fix-plan-button")
    summary = page.locator("#fix-plan-summary")
    expect(summary).to_contain_text("verified by evaluating the patched description")
    expect(summary).to_contain_text("→ 0 after")
    edits = page.locator("#fix-plan .fix-edits li")
    assert edits.count() > 0
    expect(edits.first).to_contain_text("— clears ")
    page.screenshot(path=str(screenshots / "fix-plan.png"))
    before = page.locator("#product-json").input_value()
    page.click("#fix-plan-load")
    expect(page.locator("#product-json")).not_to_have_value(before)
    expect(page.locator("#status-evaluate")).to_contain_text("Loaded the patched description")
    patched = json.loads(page.locator("#product-json").input_value())
    assert patched != seed_data(SEED) and patched["id"] == seed_data(SEED)["id"]
    expect(page.locator("#stale-marker")).to_be_visible()
    page.click("#evaluate-button")
    expect(page.locator("#status-evaluate")).to_contain_text("0 violations")
