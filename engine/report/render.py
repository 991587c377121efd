"""Renderers of reports: JSON and JSON lines; the terminal table, SARIF, JUnit, GitHub annotations
and the summary live in their own modules (``engine.report.table``, ``engine.report.sarif``,
``engine.report.junit``, ``engine.report.github``, ``engine.report.summary``) and are re-exported here."""

from __future__ import annotations

import json
from collections.abc import Sequence

from engine.report.checked import Checked, line_map
from engine.report.github import render_github
from engine.report.junit import render_junit
from engine.report.model import Report
from engine.report.sarif import render_sarif
from engine.report.summary import render_summary
from engine.report.table import render_table


def render_json(items: Sequence[Checked], as_list: bool) -> str:
    """One report as an object, several (or ``as_list``) as a list in the order given."""
    if len(items) == 1 and not as_list:
        return items[0].report.model_dump_json(indent=2)
    return "[\n" + ",\n".join(i.report.model_dump_json(indent=2) for i in items) + "\n]"


def render_json_lines(items: Sequence[Checked]) -> str:
    """One report per line (JSON Lines), in the order given: ``jq -c`` and streaming friendly."""
    return "\n".join(json_line(i.report) for i in items)


def json_line(report: Report) -> str:
    """A report as one line of JSON as ``json.dumps`` writes it (non-ASCII escaped, floats as Python
    spells them): what ``check --format json-lines`` has always printed."""
    return json.dumps(json.loads(report.model_dump_json()), separators=(",", ":"))


__all__ = [
    "Checked", "json_line", "line_map", "render_github", "render_json", "render_json_lines", "render_junit",
    "render_sarif", "render_summary", "render_table",
]  # fmt: skip
