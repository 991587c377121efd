"""Renderers of reports: JSON, a terminal table, SARIF 2.1.0 and JUnit XML."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from engine.penalties import money
from engine.report import Report
from engine.ruleset import RuleSet
from engine.sources import source_fields
from engine.yamlio import YamlError, line_of, load_with_lines

SEVERITY_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan"}
SARIF_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


@dataclass(frozen=True)
class Checked:
    """A report and the file it came from (for locations in SARIF and JUnit)."""

    source: str
    report: Report
    text: str | None = None  # the submitted document, to find line numbers


def render_json(items: Sequence[Checked], as_list: bool) -> str:
    """One report as an object, several (or ``as_list``) as a list in the order given."""
    if len(items) == 1 and not as_list:
        return items[0].report.model_dump_json(indent=2)
    return "[\n" + ",\n".join(i.report.model_dump_json(indent=2) for i in items) + "\n]"


def _maybe(amount, currency: str) -> str:
    return "open-ended" if amount is None else money(amount, currency)


def penalty_text(p) -> str:
    """A violation's maximum for a table cell: the amount, '≥ floor (open)', per unit, or conditional."""
    if p.max is not None:
        text = money(p.max, p.currency) + (" (theoretical ceiling)" if p.theoretical_ceiling else "")
    elif p.per_unit is not None:
        text = f"{money(p.per_unit, p.currency)} per {p.unit}, count unknown"
    else:
        text = f"≥ {money(p.max_at_least or 0, p.currency)} (open-ended)"
    return text + (" if the event occurs" if p.conditional else "")


def render_table(items: Sequence[Checked], color: bool = True, width: int | None = None) -> str:
    """A readable terminal report, grouped by jurisdiction, severity coloured, exposure at the foot."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(record=True, force_terminal=color, no_color=not color, width=width or 120, file=_Null())
    for item in items:
        rep = item.report
        console.rule(
            f"[bold]{rep.product_id}[/] ({item.source}) as of {rep.as_of} — markets {', '.join(rep.markets)}"
        )
        if not rep.violations:
            console.print("[green]No violations.[/]")
        for jurisdiction in sorted({v.jurisdiction for v in rep.violations}):
            table = Table(title=f"{jurisdiction}", title_justify="left", show_lines=False, expand=True)
            table.add_column("severity", no_wrap=True)
            table.add_column("rule / citation", ratio=3)
            table.add_column("where", ratio=2)
            table.add_column("fix", ratio=4)
            table.add_column("max penalty", justify="right", no_wrap=True)
            for v in rep.violations:
                if v.jurisdiction != jurisdiction:
                    continue
                site = v.source_site if v.source_official else f"[red]not official: {v.source_site}[/]"
                table.add_row(
                    Text(v.severity, style=SEVERITY_STYLE[v.severity]),
                    f"{v.title}\n[dim]{v.citation} · {v.rule_id} · official text: {site}[/]",
                    v.subject.path or v.subject.id,
                    v.remediation,
                    penalty_text(v.penalty),
                )
            console.print(table)
        if rep.upcoming:
            console.print("[bold]Upcoming obligations[/] (not yet in force on the as-of date):")
            for u in rep.upcoming:
                console.print(
                    f"  {u.effective_from}  {u.rule_id} ({u.citation}) at {u.subject.path or u.subject.id}"
                )
        if rep.upcoming_penalty_changes:
            console.print("[bold]Upcoming penalty changes[/] (duties in force whose maximum changes):")
            for c in rep.upcoming_penalty_changes:
                console.print(
                    f"  {c.effective_from}  {c.rule_id} ({c.tier}): {_maybe(c.old_max, c.currency)}"
                    f" -> {_maybe(c.new_max, c.currency)} ({c.citation})"
                )
        if rep.insufficient_information:
            console.print("[bold]Insufficient information[/] (give these facts to decide):")
            for i in rep.insufficient_information:
                what = i.rule_id or (
                    f"maximum penalty of {i.instrument}"
                    if i.about == "penalty"
                    else f"applicability of {i.instrument}"
                )
                where = f" at {i.subject.path or i.subject.id}" if i.subject else ""
                console.print(f"  {what}{where}: needs {', '.join(i.missing) or i.reason}")
        if rep.not_applicable:
            console.print(
                "[dim]Not applicable: " + "; ".join(f"{n.instrument}" for n in rep.not_applicable) + "[/]"
            )
        s = rep.summary
        counts = ", ".join(f"{n} {k}" for k, n in s.by_severity.items() if n)
        console.print(f"[bold]{s.violations} violation(s)[/]" + (f" ({counts})" if counts else ""))
        for e in s.exposure:
            amount = (
                f"up to {money(e.max, e.currency)} (≈ {money(e.usd.max, 'USD')})"
                if e.max is not None and e.usd.max is not None
                else f"at least {money(e.max_at_least or 0, e.currency)}, open-ended (give {', '.join(e.missing) or 'the count'})"
            )
            console.print(
                f"  exposure {e.jurisdiction} {' + '.join(e.instruments or [e.instrument])}: {amount} — {e.explanation}"
            )
    return console.export_text(styles=color)


class _Null:
    def write(self, _s: str) -> int:
        return 0

    def flush(self) -> None:
        return None


def _doc_root(item: Checked) -> Any:
    if item.text is None:
        return None
    try:
        return load_with_lines(item.source, item.text)
    except (YamlError, Exception):  # any unparsable text just loses line numbers
        return None


def _loc_parts(path: str) -> list[str | int]:
    import re

    return [
        m.group(1) if m.group(1) else int(m.group(2)) for m in re.finditer(r"([^.\[\]]+)|\[(\d+)\]", path)
    ]


def render_sarif(items: Sequence[Checked], ruleset: RuleSet, version: str) -> str:
    """SARIF 2.1.0: one result per violation, located at the practice in the submitted file."""
    used = sorted({v.rule_id for i in items for v in i.report.violations})
    rules = []
    index: dict[str, int] = {}
    for n, rule_id in enumerate(used):
        rule = ruleset.rules_by_id[rule_id]
        index[rule_id] = n
        rules.append({
            "id": rule.id,
            "name": rule.title,
            "shortDescription": {"text": rule.title},
            "fullDescription": {"text": rule.requirement or rule.title},
            "helpUri": rule.source,  # the official text; commentary is under properties.references
            "help": {"text": rule.remediation, "markdown": f"**{rule.citation}** — {rule.remediation}"},
            "defaultConfiguration": {"level": SARIF_LEVEL[rule.severity]},
            "properties": {"citation": rule.citation, "citations": list(rule.provisions()),
                           "severity": rule.severity, "instrument": rule.instrument_id,
                           "jurisdiction": rule.jurisdiction, "tags": ["compliance", rule.jurisdiction],
                           **{k: v for k, v in source_fields(rule.source, rule.references).items() if k != "source"}},
        })  # fmt: skip
    results = []
    for item in items:
        root = _doc_root(item)
        for v in item.report.violations:
            line = line_of(root, _loc_parts(v.subject.path)) if root is not None and v.subject.path else 1
            results.append({
                "ruleId": v.rule_id,
                "ruleIndex": index[v.rule_id],
                "level": SARIF_LEVEL[v.severity],
                "message": {"text": f"{v.title} ({v.citation}) at {v.subject.path or v.subject.id}. {v.remediation}"},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": item.source}, "region": {"startLine": line}},
                    "logicalLocations": [{"fullyQualifiedName": v.subject.path or v.subject.id, "kind": v.subject.kind}],
                }],
                "partialFingerprints": {"regulint/v1": f"{item.report.product_id}:{v.rule_id}:{v.subject.id}"},
                "properties": {
                    "severity": v.severity, "instrument": v.instrument, "jurisdiction": v.jurisdiction,
                    "citations": v.citations,
                    "penalty": json.loads(v.penalty.model_dump_json()),
                    "evidence": [json.loads(e.model_dump_json()) for e in v.evidence],
                },
            })  # fmt: skip
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "regulint", "version": version, "informationUri": "https://github.com/regulint/regulint",
                                "rules": rules}},
            "results": results,
        }],
    }  # fmt: skip
    return json.dumps(sarif, indent=2, ensure_ascii=False)


def render_junit(items: Sequence[Checked], ruleset: RuleSet) -> str:
    """JUnit XML: a suite per product, a test case per rule evaluated (failure = violation)."""
    suites = ET.Element("testsuites", name="regulint")
    total = failures = skipped = 0
    for item in items:
        rep = item.report
        suite = ET.SubElement(
            suites, "testsuite", name=f"{rep.product_id} ({item.source})", timestamp=str(rep.as_of)
        )
        na = {n.instrument: n.reason for n in rep.not_applicable}
        n_tests = n_fail = n_skip = 0
        for inst in ruleset.instruments:
            for rule in inst.rules:
                n_tests += 1
                case = ET.SubElement(
                    suite, "testcase", name=f"{rule.id}", classname=f"{inst.jurisdiction}.{inst.id}"
                )
                found = [v for v in rep.violations if v.rule_id == rule.id]
                if found:
                    n_fail += 1
                    where = ", ".join(v.subject.path or v.subject.id for v in found)
                    fail = ET.SubElement(
                        case,
                        "failure",
                        message=f"{rule.title} ({rule.citation}) at {where}",
                        type=found[0].severity,
                    )
                    lines = []
                    for v in found:
                        lines.append(f"{v.subject.path or v.subject.id}:")
                        lines += [
                            f"  {e.fact} {e.op} {e.expected!r} (actual {e.actual!r})" for e in v.evidence
                        ]
                    lines.append(f"fix: {rule.remediation}")
                    lines.append(f"penalty: {found[0].penalty.explanation}")
                    fail.text = "\n".join(lines)
                elif inst.id in na:
                    n_skip += 1
                    ET.SubElement(case, "skipped", message=f"not applicable: {na[inst.id]}")
                elif any(
                    i.rule_id == rule.id or (i.rule_id is None and i.instrument == inst.id)
                    for i in rep.insufficient_information
                ):
                    n_skip += 1
                    ET.SubElement(case, "skipped", message="insufficient information")
                elif any(u.rule_id == rule.id for u in rep.upcoming):
                    out = ET.SubElement(case, "system-out")
                    out.text = "would be violated once in force (see upcoming)"
        suite.set("tests", str(n_tests))
        suite.set("failures", str(n_fail))
        suite.set("skipped", str(n_skip))
        suite.set("errors", "0")
        total, failures, skipped = total + n_tests, failures + n_fail, skipped + n_skip
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    suites.set("skipped", str(skipped))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")
