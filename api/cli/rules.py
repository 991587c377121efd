"""``regulint rules`` (the catalog as a table, JSON or Markdown) and ``regulint rules show ID``."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import err, load_ruleset

rules_app = typer.Typer(help="Browse the rule catalog.", invoke_without_command=True, no_args_is_help=False)


class RulesFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


@rules_app.callback()
def rules(
    ctx: typer.Context,
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", "-J", help="Only this jurisdiction (CN, EU, US-CA).")
    ] = None,
    fmt: Annotated[RulesFormat, typer.Option("--format", "-f")] = RulesFormat.table,
    rulesets: Annotated[
        Path | None, typer.Option("--rulesets", help="Rulesets to list instead of the shipped ones.")
    ] = None,
) -> None:
    """List the rules (table, JSON, or the Markdown catalog)."""
    ctx.obj = {"rulesets": rulesets}
    if ctx.invoked_subcommand is not None:
        return
    from engine.law.catalog import catalog_markdown, rules_data

    ruleset = load_ruleset(rulesets)
    if jurisdiction and jurisdiction.upper() not in {i.jurisdiction for i in ruleset.instruments}:
        err(
            f"unknown jurisdiction {jurisdiction!r}; known: {', '.join(sorted({i.jurisdiction for i in ruleset.instruments}))}"
        )
        raise typer.Exit(2)
    if fmt is RulesFormat.markdown:
        typer.echo(catalog_markdown(ruleset, jurisdiction).rstrip("\n"))
        return
    data = [r.model_dump(mode="json") for r in rules_data(ruleset, jurisdiction)]
    if fmt is RulesFormat.json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for col in ("rule", "citation", "severity", "in force", "penalty"):
        table.add_column(col)
    for r in data:
        dates = f"{r['effective_from']}" + (f" – {r['effective_until']}" if r["effective_until"] else "")
        site = r["source_site"] if r["source_official"] else f"[red]not official: {r['source_site']}[/]"
        table.add_row(
            f"{r['id']}\n[dim]{r['title']}[/]",
            f"{r['citation']}\n[dim]official text: {site}[/]",
            r["severity"],
            dates,
            r["penalty"]["max"],
        )
    Console().print(table)


@rules_app.command("show")
def rules_show(
    ctx: typer.Context,
    rule_id: Annotated[str, typer.Argument(help="A rule id.")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="text (default) or json (the raw record).")
    ] = "text",
) -> None:
    """Show one rule in full: requirement, citation, dates, penalty, condition and examples."""
    import difflib

    from engine.law.catalog import rule_summary
    from engine.law.conditions import describe, to_nnf

    if fmt not in ("text", "json"):
        raise typer.BadParameter(f"expected text or json, got {fmt!r}", param_hint="--format")
    ruleset = load_ruleset((ctx.obj or {}).get("rulesets"))
    rule = ruleset.rules_by_id.get(rule_id)
    if rule is None:
        near = difflib.get_close_matches(rule_id, list(ruleset.rules_by_id), n=1)
        err(f"no rule {rule_id!r}" + (f"; did you mean {near[0]!r}?" if near else ""))
        raise typer.Exit(2)
    data = rule_summary(rule, ruleset.instrument(rule.instrument_id)).model_dump(mode="json")
    data["when"] = describe(to_nnf(rule.when))
    data["examples"] = {
        "violating": [e.product for e in rule.violating],
        "compliant": [e.product for e in rule.compliant],
    }
    if fmt == "json":
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    else:
        typer.echo(_rule_text(data))


def _rule_text(data: dict) -> str:
    """``rules show`` for a reader: labelled paragraphs wrapped to the terminal."""
    import shutil
    import textwrap

    width = min(100, shutil.get_terminal_size((100, 24)).columns)
    p = data["penalty"]
    dates = f"{data['effective_from']}" + (
        f" until {data['effective_until']}" if data["effective_until"] else ""
    )
    fields = [
        ("Instrument", f"{data['instrument_title']} ({data['instrument']}, {data['jurisdiction']})"),
        ("Citation", data["citation"]),
        ("Severity", f"{data['severity']} · applies to each {data['subject']} · in force from {dates}"),
        ("Requirement", data.get("requirement") or ""),
        ("Condition", f"violated when {data['when']}"),
        ("Penalty", f"{p['max']} ({p['citation']}, tier {p['tier']}, counted per {p['counts']})"
         + ("" if p.get("confirmed", True) else " — not confirmed")),
        ("Fix", data["remediation"]),
        ("Source", data["source"]),
        ("Examples", f"{len(data['examples']['violating'])} violating, {len(data['examples']['compliant'])} compliant"
         " (regulint rules show ID --format json)"),
        ("Defined in", f"{data['file']}:{data['line']}"),
    ]  # fmt: skip
    if not data.get("confirmed", True) or data.get("note"):
        fields.insert(
            7,
            (
                "Note",
                ("not confirmed. " if not data.get("confirmed", True) else "") + (data.get("note") or ""),
            ),
        )
    out = [f"{data['id']} — {data['title']}", ""]
    for label, value in fields:
        out += textwrap.wrap(
            value, width, initial_indent=f"{label + ':':<13}", subsequent_indent=" " * 13
        ) or [label + ":"]
    return "\n".join(out)
