"""Renderers of reports: JSON, JSON lines and the terminal table; SARIF, JUnit, GitHub annotations
and the summary live in their own modules (``engine.report.sarif``, ``engine.report.junit``, ``engine.report.github``,
``engine.report.summary``) and are re-exported here."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from engine.law.penalties import money, money_or_open, penalty_text
from engine.report.checked import Checked, line_map
from engine.report.findings import Group, group
from engine.report.github import render_github
from engine.report.junit import render_junit
from engine.report.sarif import render_sarif
from engine.report.summary import render_summary

SEVERITY_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan"}


def render_json(items: Sequence[Checked], as_list: bool) -> str:
    """One report as an object, several (or ``as_list``) as a list in the order given."""
    if len(items) == 1 and not as_list:
        return items[0].report.model_dump_json(indent=2)
    return "[\n" + ",\n".join(i.report.model_dump_json(indent=2) for i in items) + "\n]"


def render_json_lines(items: Sequence[Checked]) -> str:
    """One report per line (JSON Lines), in the order given: ``jq -c`` and streaming friendly."""
    return "\n".join(i.report.model_dump_json() for i in items)


def _gravest_penalty(violations) -> Any:
    """The penalty of the group's largest maximum; an open-ended one counts as the largest."""
    return max((v.penalty for v in violations), key=lambda p: (p.max is None, p.max or 0))


def _first_sentence(text: str) -> str:
    m = re.match(r"(.+?[.;])\s", text + " ")
    return m.group(1) if m and len(m.group(1)) < len(text) else text


def render_table(
    items: Sequence[Checked], color: bool = True, width: int | None = None, group_by: str = "rule"
) -> str:
    """A readable terminal report: one row per rule (or per subject, or per fix) with the subjects it
    concerns, grouped by jurisdiction, severity coloured; rule ids wrap, never cut. Exposure at the
    foot. The JSON keeps every violation; the table shows each fix's first sentence."""
    from rich.console import Console

    columns = os.environ.get("COLUMNS", "")
    width = width or (int(columns) if columns.isdigit() and int(columns) >= 40 else 120)
    console = Console(record=True, force_terminal=color, no_color=not color, width=width, file=_Null())
    for item in items:
        rep = item.report
        console.rule(style="dim")
        console.print(
            f"[bold]{rep.product_id}[/] ({item.source}) as of {rep.as_of} — markets {', '.join(rep.markets)}"
        )
        tri = item.triaged
        if not rep.violations:
            console.print("[green]No violations.[/]")
        for jurisdiction in sorted({v.jurisdiction for v in rep.violations}):
            rows = [t for t in tri.items if t.violation.jurisdiction == jurisdiction]
            console.print(_group_table(jurisdiction, group(rows, group_by), group_by))
        _print_tail(console, item)
    return console.export_text(styles=color)


def _group_table(jurisdiction: str, groups: list[Group], by: str) -> Any:
    """Two columns: the severity, and per group its rule id(s) with citation and penalty, the finding
    and where, and the fix's first sentence. Words wrap; an id longer than the line folds, never cut."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title=jurisdiction, title_justify="left", box=box.SIMPLE_HEAD, expand=True, pad_edge=False)
    table.add_column("severity", no_wrap=True)
    table.add_column("rule · citation · max penalty / finding — where / fix", overflow="fold", ratio=1)
    for g in groups:
        v = g.first
        sev = Text(g.severity, style=SEVERITY_STYLE[g.severity])
        penalty = penalty_text(_gravest_penalty(t.violation for t in g.items))
        status = _status_note(g.statuses)
        if by == "practice":
            lines = [f"[bold]{g.key}[/]{status} · up to {penalty}"]
            lines += [
                f"{t.violation.rule_id} [dim]({t.violation.severity}, {t.violation.citation})[/]"
                for t in g.items
            ]
        elif by == "fix":
            lines = [
                f"[bold]{', '.join(g.rule_ids)}[/] · up to {penalty}",
                f"{v.remediation}{status} — at {', '.join(g.subjects)}",
            ]
        else:
            lines = [
                f"[bold]{v.rule_id}[/] · [dim]{v.citation}[/] · up to {penalty}",
                f"[dim]official text: {v.source_site}[/]"
                if v.source_official
                else f"[red]not official: {v.source_site}[/]",
                f"{v.title}{status} — at {', '.join(g.subjects)}",
                f"[dim]fix:[/] {_first_sentence(v.remediation)}",
            ]
        table.add_row(sev, "\n".join(lines))
    return table


def _status_note(statuses: dict[str, int]) -> str:
    quiet = {k: n for k, n in statuses.items() if k != "new"}
    return (" [dim](" + ", ".join(f"{n} {k}" for k, n in quiet.items()) + ")[/]") if quiet else ""


def _print_tail(console: Any, item: Checked) -> None:
    rep = item.report
    if rep.upcoming:
        console.print("[bold]Upcoming obligations[/] (not yet in force on the as-of date):")
        seen: dict[tuple[Any, str], list[str]] = {}
        for u in rep.upcoming:
            seen.setdefault((u.effective_from, u.rule_id), []).append(u.subject.id)
        for (day, rule_id), subjects in seen.items():
            console.print(f"  {day}  {rule_id} at {', '.join(dict.fromkeys(subjects))}")
    if rep.upcoming_penalty_changes:
        console.print("[bold]Upcoming penalty changes[/] (duties in force whose maximum changes):")
        for c in rep.upcoming_penalty_changes:
            console.print(
                f"  {c.effective_from}  {c.rule_id} ({c.tier}): {money_or_open(c.old_max, c.currency)}"
                f" -> {money_or_open(c.new_max, c.currency)} ({c.citation})"
            )
    if rep.insufficient_information:
        console.print("[bold]Insufficient information[/] (give these facts to decide):")
        needs: dict[tuple[str, ...], list[str]] = {}
        for i in rep.insufficient_information:
            what = i.rule_id or (
                f"maximum penalty of {i.instrument}"
                if i.about == "penalty"
                else f"applicability of {i.instrument}"
            )
            needs.setdefault(tuple(i.missing) or (i.reason,), []).append(what)
        for missing, whats in needs.items():
            console.print(f"  {', '.join(dict.fromkeys(whats))}: needs {', '.join(missing)}")
    if rep.not_applicable:
        console.print(
            "[dim]Not applicable: " + "; ".join(f"{n.instrument}" for n in rep.not_applicable) + "[/]"
        )
    s = rep.summary
    counts = ", ".join(f"{n} {k}" for k, n in s.by_severity.items() if n)
    rules = len({v.rule_id for v in rep.violations})
    tri = item.triaged
    quiet = [f"{n} {k}" for k in ("suppressed", "baselined") if (n := tri.count(k))]
    console.print(
        f"[bold]{s.violations} violation(s)[/] of {rules} rule(s)"
        + (f" ({counts})" if counts else "")
        + (f"; {tri.count('new')} new, {', '.join(quiet)}" if quiet else "")
    )
    for e in s.exposure:
        amount = (
            f"up to {money(e.max, e.currency)} (≈ {money(e.usd.max, 'USD')})"
            if e.max is not None and e.usd.max is not None
            else f"at least {money(e.max_at_least or Decimal(0), e.currency)}, open-ended "
            f"(give {', '.join(e.missing) or 'the count'})"
        )
        console.print(
            f"  exposure {e.jurisdiction} {' + '.join(e.instruments or [e.instrument])}: {amount}, {e.aggregation}"
        )
    for sup in tri.expired:
        console.print(
            f"[bold red]expired suppression[/] {sup.rule} at {sup.subject} ({sup.origin}): fails again"
        )


class _Null:
    def write(self, _s: str) -> int:
        return 0

    def flush(self) -> None:
        return None


__all__ = [
    "Checked", "line_map", "render_github", "render_json", "render_json_lines", "render_junit",
    "render_sarif", "render_summary", "render_table",
]  # fmt: skip
