"""The table's plain backend draws what rich draws, character for character: every seed, every
grouping, narrow to wide terminals, and data that rich would read as markup, emoji codes, tabs,
wide and zero-width characters (which the plain backend hands to rich)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from engine.facts.inputs import product_from_data
from engine.report.checked import Checked
from engine.report.findings import triage
from engine.report.table import draw_plain, draw_rich, render_table, section_blocks, table_section

SEEDS = sorted((Path(__file__).resolve().parents[3] / "seeds").glob("*.json"))
AS_OF = dt.date(2026, 6, 1)
WIDTHS = (40, 57, 80, 120, 211)
NASTY = [
    "[bold]styled[/] id",  # markup rich reads, balanced
    "x[link=https://example.com]y",  # an opening tag rich reads
    "closes[/]",  # a closing tag with nothing to close: rich refuses it
    "a :smile: and :thumbs_up:",  # emoji codes rich replaces
    "escaped \\[bold] bracket",
    "tab\there",
    "头像工作室-Kids 🎮 Quest",  # wide characters
    "e\u0301\u200dzero-width",  # combining mark and a joiner
    "long-" + "x" * 230,  # a word longer than any line: folded
    "Ünïcödé Façade — “quoted” ≈ …",  # one-cell non-ASCII
    "ctrl\x1bchar",
]


def _draws(blocks, width):  # noqa: ANN001, ANN202
    """Both backends' text, or the exception each raised."""
    out = []
    for draw in (lambda: draw_rich(blocks, False, width), lambda: draw_plain(blocks, width)):
        try:
            out.append(draw())
        except Exception as exc:  # noqa: BLE001 - the same refusal is the same behaviour
            out.append(type(exc))
    return out


@pytest.fixture(scope="module")
def items(durable) -> list[Checked]:  # noqa: ANN001 - the conftest evaluator
    return [
        Checked(
            f"seeds/{p.name}", durable.evaluate(product_from_data(json.loads(p.read_text()), p.name), AS_OF)
        )
        for p in SEEDS
    ]


@pytest.mark.parametrize("by", ["rule", "practice", "fix"])
def test_the_plain_backend_draws_what_rich_draws(items: list[Checked], by: str) -> None:
    for item in items:
        blocks = list(section_blocks(item, by))
        for width in WIDTHS:
            rich_text, plain_text = _draws(blocks, width)
            assert plain_text == rich_text, f"{item.source} by {by} at width {width}"


@pytest.mark.parametrize("nasty", NASTY)
def test_data_rich_would_interpret_is_drawn_as_rich_draws_it(items: list[Checked], nasty: str) -> None:
    item = max(items, key=lambda i: len(i.report.violations))
    violations = [
        v.model_copy(update={"subject": v.subject.model_copy(update={"id": f"{nasty}-{n}"})})
        for n, v in enumerate(item.report.violations)
    ]
    report = item.report.model_copy(update={"product_id": nasty, "violations": violations})
    odd = Checked(f"dir/{nasty}.json", report, triage=triage(report))
    for by in ("rule", "practice"):
        blocks = list(section_blocks(odd, by))
        for width in (40, 120):
            rich_text, plain_text = _draws(blocks, width)
            assert plain_text == rich_text, f"{nasty!r} by {by} at width {width}"


def test_sections_joined_are_the_table_of_all_files(items: list[Checked]) -> None:
    """What --jobs workers draw per file and the parent joins is the one-process table."""
    whole = render_table(items, color=False, width=100)
    assert whole == "".join(table_section(i, False, 100) for i in items)
    assert whole.count("─" * 100 + "\n") == len(items)  # one rule line heads each file


@pytest.mark.parametrize(
    "nasty",
    ["[bold]styled[/] id", "x[link=https://example.com]y", "closes[/]", "escaped \\[bold] bracket", "end\\"],
)
def test_markup_in_the_data_is_shown_as_written(items: list[Checked], nasty: str) -> None:
    """An id, a path or a jurisdiction that looks like rich markup is text: shown verbatim by both
    backends, never read as a style or refused as an unbalanced tag."""
    item = max(items, key=lambda i: len(i.report.violations))
    violations = [
        v.model_copy(update={"jurisdiction": f"{v.jurisdiction}{nasty}", "rule_id": f"{v.rule_id}{nasty}"})
        for v in item.report.violations
    ]
    report = item.report.model_copy(update={"product_id": nasty, "violations": violations})
    odd = Checked(f"dir/{nasty}.json", report, triage=triage(report))
    for by in ("rule", "practice", "fix"):
        rich_text, plain_text = _draws(list(section_blocks(odd, by)), 211)
        assert isinstance(plain_text, str) and plain_text == rich_text, f"{nasty!r} by {by}"
        assert f"{nasty} (dir/{nasty}.json)" in plain_text
        if by == "rule":
            assert f"{violations[0].rule_id} ·" in plain_text
            assert f"\n{violations[0].jurisdiction} " in plain_text
        if by == "fix":
            assert f"{violations[0].rule_id}, " in plain_text or f"{violations[0].rule_id} ·" in plain_text
