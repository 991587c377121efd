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
    lines = [line for item in items for line in github_annotations(item)]
    new = sum(len(i.triaged.new) for i in items)
    quiet = sum(len(i.triaged.items) - len(i.triaged.new) for i in items)
    lines.append(github_footer(new, len(items), quiet))
    return "\n".join(lines)


def github_annotations(item: Checked) -> list[str]:
    """One file's annotations: its new findings, then its expired suppressions."""
    lines = []
    tri = item.triaged
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
    return lines


def github_footer(new: int, files: int, quiet: int) -> str:
    """The last line: new violations, files checked, findings left out."""
    return f"regulint: {new} new violation(s) in {files} file(s); {quiet} suppressed or baselined"
