"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` annotation per new
finding (a rule and its subjects in one file), at the line of its first subject."""

from __future__ import annotations

from collections.abc import Sequence

from engine.law.severity import per_severity
from engine.report.checked import Checked
from engine.report.findings import group

LEVEL = per_severity(("error", "error", "warning", "notice"))


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(items: Sequence[Checked]) -> str:
    """Annotations for new findings; suppressed and baselined ones are left out (counted on the last line)."""
    lines = []
    quiet = 0
    for item in items:
        tri = item.triaged
        quiet += len(tri.items) - len(tri.new)
        for g in group(tri.new, "rule"):
            v = g.first
            where = ", ".join(g.subjects)
            props = f"file={_prop(item.source)},line={item.line(v.subject.path)},title={_prop(f'{v.rule_id} ({v.severity})')}"
            message = f"{v.title} ({v.citation}) at {where}.\nFix: {v.remediation}"
            lines.append(f"::{LEVEL[g.severity]} {props}::{_data(message)}")
        for sup in tri.expired:
            lines.append(
                f"::error file={_prop(item.source)},title={_prop('expired suppression')}::"
                + _data(
                    f"The suppression of {sup.rule} at {sup.subject} ({sup.origin}) expired on {sup.expires}."
                )
            )
    new = sum(len(i.triaged.new) for i in items)
    lines.append(f"regulint: {new} new violation(s) in {len(items)} file(s); {quiet} suppressed or baselined")
    return "\n".join(lines)
