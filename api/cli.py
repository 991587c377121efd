"""The ``regulint`` command line: check descriptions, browse rules, lint rulesets, serve the API.

Exit codes: 0 compliant (or nothing at or above ``--fail-on``), 1 violations at or above
``--fail-on``, 2 bad input or usage, 3 the engine could not evaluate (never read as compliant).
An unexpected exception is exit 3 with a one-line message, never 1 (which reads as a finding).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from engine.law.severity import SEVERITIES
from engine.law.severity import SeverityChoice as Severity

app = typer.Typer(
    name="regulint",
    help="Check a described product feature against the privacy and AI-content law of its markets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="Browse the rule catalog.", invoke_without_command=True, no_args_is_help=False)
app.add_typer(rules_app, name="rules")
db_app = typer.Typer(help="The evaluation history database (REGULINT_DATABASE_URL).", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _print_version(value: bool) -> None:
    if value:
        from regulint import __version__

        typer.echo(f"regulint {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Check a described product feature against the privacy and AI-content law of its markets."""


class CheckFormat(StrEnum):
    table = "table"
    json = "json"
    json_lines = "json-lines"
    sarif = "sarif"
    junit = "junit"
    github = "github"


class GroupBy(StrEnum):
    rule = "rule"
    practice = "practice"
    fix = "fix"


class RulesFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


def err(message: str) -> None:
    typer.echo(message, err=True)


def parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"expected a date as YYYY-MM-DD, got {value!r}", param_hint="--as-of"
        ) from None


def _load_ruleset(path: Path | None | list[Path | None]):  # noqa: ANN202 - returns RuleSet
    from engine.core.yamlio import YamlError
    from engine.law.loader import load_rulesets
    from engine.law.parameters import RulesetError

    try:
        return load_rulesets(path)
    except (RulesetError, YamlError) as exc:
        err(f"{exc}")
        raise typer.Exit(2) from None
    except (OSError, UnicodeDecodeError) as exc:
        err(f"{path}: cannot read the rulesets: {exc.__class__.__name__}: {exc}")
        raise typer.Exit(2) from None


# --- check ---------------------------------------------------------------------------------

_worker_state: dict[str, object] = {}


def _init_worker(setup: dict[str, object], parent: int | None = None) -> None:
    """``setup``: ``rulesets`` (roots, or None for the shipped ones), and for SARIF rendered here
    ``suppressions``, ``baseline`` and ``baseline_name``."""
    from engine.evaluate.evaluator import Evaluator, default_evaluator
    from engine.law.loader import load_rulesets

    if parent is not None:  # a --jobs worker: end with the process that started it
        from api.processes import die_with_parent

        die_with_parent(parent)

    rulesets = setup.get("rulesets")
    loaded = _worker_state.get("ruleset")  # the parent's, inherited when the pool forks: no second load
    if loaded is not None:
        _worker_state["evaluator"] = Evaluator(loaded)  # type: ignore[arg-type]
    else:
        _worker_state["evaluator"] = Evaluator(load_rulesets(rulesets)) if rulesets else default_evaluator()  # type: ignore[arg-type]
    _worker_state["setup"] = setup


def _check_one(
    args: tuple[str, str | None, list[str] | None, frozenset[str]],
) -> tuple[str, str | None, dict[str, int] | None, list[str], dict[str, object]]:
    """Evaluate one file in a worker: (source, report JSON (indented, as rendered) when ``want`` has
    ``report``, line of each subject path when it has ``lines``, errors, and ``meta``: ``gravest``
    (index in SEVERITIES, len(SEVERITIES) for none), ``insufficient`` (count), ``seconds``, and with
    ``sarif`` in ``want`` the file's SARIF results (``sarif``, triaged here) and ``gravest_new``.
    Rendering where the file was parsed lets SARIF and the table scale with ``--jobs``."""
    import time

    from engine.evaluate.evaluator import MarketSelectionError
    from engine.facts.inputs import InputError, parse_text, product_from_data
    from engine.report.checked import Checked, line_map, report_paths

    source, as_of, markets, want = args
    evaluator = _worker_state["evaluator"]
    started = time.perf_counter()
    none: dict[str, object] = {"gravest": len(SEVERITIES), "insufficient": 0, "seconds": 0.0}
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return source, None, None, [f"{source}: cannot read: {exc.__class__.__name__}: {exc}"], none
    try:
        product = product_from_data(parse_text(text, source), source)
        report = evaluator.evaluate(product, dt.date.fromisoformat(as_of) if as_of else None, markets)  # type: ignore[attr-defined]
    except InputError as exc:
        return source, None, None, [f"{source}: {issue}" for issue in exc.issues], none
    except MarketSelectionError as exc:
        return source, None, None, [f"{source}: --market: {exc}"], none
    except Exception as exc:  # noqa: BLE001 - the engine failed on this file: exit 3, the others go on
        return (
            source,
            None,
            None,
            [f"{source}: engine error: {exc.__class__.__name__}: {exc}", "__engine__"],
            none,
        )
    gravest = min((SEVERITIES.index(v.severity) for v in report.violations), default=len(SEVERITIES))
    lines = line_map(source, text, report_paths(report)) if want & {"lines", "sarif"} else None
    meta: dict[str, object] = {"gravest": gravest, "insufficient": len(report.insufficient_information)}
    if "sarif" in want:
        from engine.report.findings import triage
        from engine.report.sarif import results_fragment, rule_index, sarif_results

        setup = _worker_state["setup"]
        index = _worker_state.get("rule_index") or rule_index(evaluator.ruleset)  # type: ignore[attr-defined]
        _worker_state["rule_index"] = index
        tri = triage(report, setup.get("suppressions") or (), setup.get("baseline") or frozenset())  # type: ignore[union-attr, arg-type]
        item = Checked(source, report, lines=lines, triage=tri)
        meta["sarif"] = results_fragment(sarif_results(item, index, setup.get("baseline_name")))  # type: ignore[union-attr, arg-type]
        meta["gravest_new"] = min(
            (SEVERITIES.index(t.violation.severity) for t in tri.new), default=len(SEVERITIES)
        )
        meta["counts"] = {k: tri.count(k) for k in ("new", "suppressed", "baselined")}
        meta["expired"] = [
            f"{s.rule} at {s.subject} ({s.origin}) expired on {s.expires}" for s in tri.expired
        ]
    meta["seconds"] = time.perf_counter() - started
    return source, report.model_dump_json(indent=2) if "report" in want else None, lines, [], meta


@app.command()
def check(
    files: Annotated[
        list[str] | None, typer.Argument(help="Product descriptions (JSON or YAML); '-' reads stdin.")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Evaluate the law in force on this date (YYYY-MM-DD); default today."),
    ] = None,
    market: Annotated[
        list[str] | None,
        typer.Option("--market", "-m", help="Only these of the product's markets (repeatable)."),
    ] = None,
    fmt: Annotated[
        CheckFormat | None, typer.Option("--format", "-f", help="Output format (default table).")
    ] = None,
    fail_on: Annotated[
        Severity | None,
        typer.Option("--fail-on", help="Exit 1 when a new violation is at least this severe (default low)."),
    ] = None,
    fail_on_insufficient: Annotated[
        bool | None,
        typer.Option(
            "--fail-on-insufficient/--no-fail-on-insufficient",
            help="Exit 1 when a rule or an instrument's applicability is undecided for want of facts.",
        ),
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, max=256, help="Evaluate files in N processes.")
    ] = 1,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report here instead of stdout.")
    ] = None,
    rulesets: Annotated[
        list[Path] | None,
        typer.Option(
            "--rulesets",
            help="Also evaluate these rulesets (file or directory; repeatable), next to the shipped ones.",
        ),
    ] = None,
    no_default_rulesets: Annotated[
        bool, typer.Option("--no-default-rulesets", help="Evaluate only the --rulesets given.")
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help="Configuration file (default: .regulint.yaml or pyproject.toml found upwards)."
        ),
    ] = None,
    no_config: Annotated[bool, typer.Option("--no-config", help="Ignore any configuration file.")] = False,
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="Findings in this baseline file do not fail the run.")
    ] = None,
    write_baseline: Annotated[
        Path | None,
        typer.Option("--write-baseline", help="Write every finding of this run to a baseline file."),
    ] = None,
    summary: Annotated[
        bool,
        typer.Option(
            "--summary", help="One screen per product instead of the table (on stderr for other formats)."
        ),
    ] = False,
    group_by: Annotated[
        GroupBy | None,
        typer.Option("--group-by", help="Table rows: one per rule (default), practice or fix."),
    ] = None,
    from_fides: Annotated[
        list[Path] | None,
        typer.Option(
            "--from-fides", help="Also check the product a Fides manifest describes (offered in --market)."
        ),
    ] = None,
) -> None:
    """Check product descriptions against every ruleset of their markets."""
    from api.config import ConfigError, find_config, load_config

    try:
        cfg = load_config(None if no_config else (config or find_config()))
    except ConfigError as exc:
        err(str(exc))
        raise typer.Exit(2) from None
    day = parse_date(as_of) or cfg.as_of
    market = market or cfg.markets
    check_markets(market)
    files = list(files or [])
    if from_fides:  # api/cli_fides.py: the imported description joins the files checked
        from api.cli_fides import fides_to_file

        files.append(fides_to_file(from_fides, market))
    if not files:
        raise typer.BadParameter("give a description (FILE) or --from-fides MANIFEST", param_hint="FILE")
    fmt = fmt or CheckFormat(cfg.format or "table")
    threshold = SEVERITIES.index((fail_on.value if fail_on else None) or cfg.fail_on or "low")
    if fail_on_insufficient is None:
        fail_on_insufficient = bool(cfg.fail_on_insufficient)
    group_by_key = (group_by.value if group_by else None) or cfg.group_by or "rule"
    if files.count("-") > 1:
        raise typer.BadParameter("standard input ('-') can be read once", param_hint="FILE")
    _check_output(output)
    _check_limits()
    roots = _ruleset_roots(rulesets or [], cfg, no_default_rulesets)
    ruleset = _load_ruleset(roots)
    try:
        cfg.check_rule_ids(ruleset.rules_by_id)
    except ConfigError as exc:
        err(str(exc))
        raise typer.Exit(2) from None
    accepted = _read_baseline(baseline or (None if write_baseline else cfg.baseline))

    started = dt.datetime.now(dt.UTC)
    sarif_in_workers = fmt is CheckFormat.sarif and not summary and not write_baseline
    needs_reports = not sarif_in_workers and (
        fmt not in (CheckFormat.json, CheckFormat.json_lines)
        or bool(cfg.suppressions or accepted is not None or write_baseline or summary)
    )
    want = frozenset(
        {"sarif"} if sarif_in_workers
        else {"report", "lines"} if fmt in (CheckFormat.github, CheckFormat.table) and not summary
        else {"report"}
    )  # fmt: skip
    tasks = [(f, day.isoformat() if day else None, market, want) for f in files]
    progress = sys.stderr.isatty() and len(files) > 1
    _worker_state["ruleset"] = ruleset
    baseline_path = baseline or (None if write_baseline else cfg.baseline)
    setup: dict[str, object] = {
        "rulesets": [str(r) if r else None for r in roots] if roots != [None] else None,
        "suppressions": cfg.suppressions,
        "baseline": accepted,
        "baseline_name": str(baseline_path) if baseline_path else None,
    }
    if jobs > 1 and len(files) > 1 and "-" not in files:
        with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(setup, os.getpid())) as pool:
            it = pool.map(_check_one, tasks, chunksize=max(1, min(64, len(tasks) // (jobs * 8) or 1)))
            results = list(_with_progress(it, len(tasks)) if progress else it)
    else:
        _init_worker(setup)
        it = map(_check_one, tasks)
        results = list(_with_progress(it, len(tasks)) if progress else it)

    from api.outcome import Outcome, build_outcome

    outcome: Outcome = build_outcome(
        results,
        needs_reports=needs_reports,
        suppressions=cfg.suppressions,
        baseline=accepted,
        report_error=err,
        error_objects=fmt in (CheckFormat.json, CheckFormat.json_lines),
    )
    if write_baseline:
        from engine.report.baseline import baseline_text

        _write_text(write_baseline, baseline_text(c.report for c in outcome.checked))
        err(f"wrote {sum(len(c.report.violations) for c in outcome.checked)} finding(s) to {write_baseline}")
    for note in outcome.expired:
        err(f"expired suppression: {note}; its finding fails again")
    if outcome.checked or outcome.entries or fmt in (CheckFormat.sarif, CheckFormat.junit):
        text_out = _render(
            fmt, outcome, files, ruleset, started, baseline_path, summary, group_by_key, output
        )
        if output:
            _write_text(output, text_out + ("" if text_out.endswith("\n") else "\n"), "--output")
        else:
            typer.echo(text_out.rstrip("\n"))
        if summary and fmt is not CheckFormat.table:
            from engine.report.render import render_summary

            err(render_summary(outcome.checked))
    if outcome.bad_input:
        raise typer.Exit(2)
    if outcome.engine_failed:
        raise typer.Exit(3)
    if write_baseline:
        raise typer.Exit(0)
    failing = outcome.gravest_new <= threshold
    if fail_on_insufficient and outcome.insufficient:
        err(
            f"{outcome.insufficient} undecided for want of facts (--fail-on-insufficient); see insufficient_information"
        )
        failing = True
    raise typer.Exit(1 if failing else 0)


def _check_output(output: Path | None) -> None:
    """Refuse an --output that cannot be written before any work is done."""
    if output is None:
        return
    problem = None
    if output.is_dir():
        problem = "is a directory"
    elif not output.parent.is_dir():
        problem = f"its folder {output.parent} does not exist"
    elif not os.access(output if output.exists() else output.parent, os.W_OK):
        problem = "is not writable"
    if problem:
        err(f"--output {output}: {problem}")
        raise typer.Exit(2)


def _check_limits() -> None:
    from engine.facts.inputs import InputLimits

    try:
        InputLimits.from_env()
    except ValueError as exc:
        err(str(exc))
        raise typer.Exit(2) from None


def _ruleset_roots(given: list[Path], cfg, no_default: bool) -> list[Path | None]:  # noqa: ANN001 - api.config.Config
    """The shipped rulesets (``None``) unless replaced, then every path given on the command line or
    in the configuration."""
    from engine.law.loader import ruleset_files

    paths = [*given, *cfg.rulesets]
    for p in given:
        if not p.exists():
            err(f"{p}: no such file or directory (--rulesets)")
            raise typer.Exit(2)
    for p in paths:
        if not ruleset_files(p):
            err(f"{p}:1: no ruleset (*.yaml, *.yml) found here")
            raise typer.Exit(2)
    if (no_default or cfg.no_default_rulesets) and not paths:
        err("--no-default-rulesets needs at least one --rulesets PATH")
        raise typer.Exit(2)
    return list(paths) if (no_default or cfg.no_default_rulesets) else [None, *paths]


def _read_baseline(path: Path | None) -> frozenset[str] | None:
    if path is None:
        return None
    from engine.report.baseline import BaselineError, read_baseline

    try:
        return read_baseline(path)
    except BaselineError as exc:
        err(str(exc))
        raise typer.Exit(2) from None


def _write_text(path: Path, text: str, option: str = "--write-baseline") -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        err(f"{option} {path}: cannot write: {exc.strerror or exc}")
        raise typer.Exit(2) from None


def _render(fmt, outcome, files, ruleset, started, baseline_path, summary, group_by, output) -> str:  # noqa: ANN001
    from engine.evaluate.evaluator import engine_version
    from engine.report.render import (
        render_github,
        render_json_lines,
        render_junit,
        render_sarif,
        render_summary,
        render_table,
    )

    ended = dt.datetime.now(dt.UTC)
    if fmt is CheckFormat.json:  # what render_json writes, from the reports' JSON as the workers wrote it
        texts = outcome.entries or [c.report.model_dump_json(indent=2) for c in outcome.checked]
        return texts[0] if len(texts) == 1 and len(files) == 1 else "[\n" + ",\n".join(texts) + "\n]"
    if fmt is CheckFormat.json_lines:
        if outcome.entries:
            return "\n".join(json.dumps(json.loads(t), separators=(",", ":")) for t in outcome.entries)
        return render_json_lines(outcome.checked)
    if fmt is CheckFormat.sarif and outcome.fragments is not None:
        from engine.report.sarif import assemble_sarif

        return assemble_sarif(outcome.fragments, ruleset, engine_version(), started=started, ended=ended)
    if fmt is CheckFormat.sarif:
        return render_sarif(
            outcome.checked, ruleset, engine_version(), started=started, ended=ended,
            baseline_name=str(baseline_path) if baseline_path else None,
        )  # fmt: skip
    if fmt is CheckFormat.junit:
        return render_junit(outcome.checked, ruleset, started, (ended - started).total_seconds())
    if fmt is CheckFormat.github:
        return render_github(outcome.checked)
    if summary:
        return render_summary(outcome.checked)
    return render_table(outcome.checked, color=output is None and sys.stdout.isatty(), group_by=group_by)


def check_markets(markets: list[str] | None) -> None:
    from engine.core.jurisdictions import normalise_place

    for m in markets or ():
        try:
            normalise_place(m)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--market") from None


def _with_progress(it, total: int):  # noqa: ANN001, ANN202
    from rich.console import Console
    from rich.progress import Progress

    with Progress(transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("checking", total=total)
        for item in it:
            bar.advance(task)
            yield item


# --- rules ---------------------------------------------------------------------------------


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

    ruleset = _load_ruleset(rulesets)
    if jurisdiction and jurisdiction.upper() not in {i.jurisdiction for i in ruleset.instruments}:
        err(
            f"unknown jurisdiction {jurisdiction!r}; known: {', '.join(sorted({i.jurisdiction for i in ruleset.instruments}))}"
        )
        raise typer.Exit(2)
    if fmt is RulesFormat.markdown:
        typer.echo(catalog_markdown(ruleset, jurisdiction).rstrip("\n"))
        return
    data = rules_data(ruleset, jurisdiction)
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
    ruleset = _load_ruleset((ctx.obj or {}).get("rulesets"))
    rule = ruleset.rules_by_id.get(rule_id)
    if rule is None:
        near = difflib.get_close_matches(rule_id, list(ruleset.rules_by_id), n=1)
        err(f"no rule {rule_id!r}" + (f"; did you mean {near[0]!r}?" if near else ""))
        raise typer.Exit(2)
    data = rule_summary(rule, ruleset.instrument(rule.instrument_id))
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


# --- lint, serve, schema -------------------------------------------------------------------


@app.command()
def lint(
    path: Annotated[
        Path | None, typer.Argument(help="A ruleset file or directory; default the shipped rulesets.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """Validate rulesets, run every rule's examples and report findings (exit 1 on an error)."""
    from engine.analysis.lint import lint as run_lint
    from engine.core.extras import MissingExtra

    if path is not None and not path.exists():
        err(f"{path}: no such file or directory")
        raise typer.Exit(2)
    try:
        findings = run_lint(path)
    except MissingExtra as exc:
        err(str(exc))
        raise typer.Exit(2) from None
    if fmt == "json":
        typer.echo(json.dumps([f.__dict__ for f in findings], indent=2))
    else:
        for f in findings:
            typer.echo(str(f))
        errors = sum(1 for f in findings if f.level == "error")
        typer.echo(f"{errors} error(s), {len(findings) - errors} warning(s)", err=True)
    raise typer.Exit(1 if any(f.level == "error" for f in findings) else 0)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (they share the database).")
    ] = 1,
) -> None:
    """Serve the HTTP API and the dashboard."""
    _require_server_extra()
    from api.service.server import (
        run_server,  # uvicorn.run("api.service.app:create_app", factory=True, …), TCP_NODELAY fixed
    )
    from api.service.settings import Settings, SettingsError

    try:
        settings = Settings.from_env()  # a blank or malformed setting stops here, before any worker starts
    except SettingsError as exc:
        err(f"regulint serve: {exc}")
        raise typer.Exit(2) from None
    typer.echo(f"regulint dashboard: http://{host}:{port}/  (API docs: http://{host}:{port}/docs)", err=True)
    run_server(host, port, workers, timeouts=settings)


def _require_server_extra() -> None:
    """Exit 2 naming the extra to install when the server's dependencies are missing."""
    from engine.core.extras import MissingExtra, require_server

    try:
        require_server()
    except MissingExtra as exc:
        err(str(exc))
        raise typer.Exit(2) from None


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the history schema or upgrade it in place to this version (`serve` does it too)."""
    _require_server_extra()
    from sqlalchemy.exc import SQLAlchemyError

    from api.service.db import Repository, SchemaMismatch
    from api.service.settings import Settings, SettingsError

    try:
        repo = Repository.from_url(Settings.from_env().database_url)
    except (SettingsError, ValueError) as exc:
        err(f"regulint db upgrade: {exc}")
        raise typer.Exit(2) from None
    try:
        before, after = repo.upgrade_schema()
    except SchemaMismatch as exc:
        err(f"regulint db upgrade: {exc}")
        raise typer.Exit(2) from None
    except SQLAlchemyError as exc:
        err(f"regulint db upgrade: the database failed: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
        raise typer.Exit(3) from None
    finally:
        repo.dispose()
    if before == after:
        typer.echo(f"the history is at revision {after} (the newest)")
    else:
        typer.echo(f"the history was upgraded from revision {before or 'none'} to {after}")


@app.command()
def facts() -> None:
    """Print the fact paths rules may test (Markdown; docs/facts.md is this output)."""
    from engine.law.catalog import facts_markdown

    typer.echo(facts_markdown().rstrip("\n"))


@app.command()
def schema(
    name: Annotated[
        str, typer.Argument(help="product (a description; default) or ruleset (a ruleset file).")
    ] = "product",
    rulesets: bool = typer.Option(False, "--rulesets", help="The same as `regulint schema ruleset`."),
) -> None:
    """Print a JSON Schema: of the product description (editors: add "$schema" to your file)."""
    from engine.law.schemas import available_schemas, named_schema

    if rulesets:
        name = "ruleset"

    data = named_schema(name)
    if data is None:
        err(f"no schema {name!r}; known: {', '.join(available_schemas())}")
        raise typer.Exit(2)
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


# commands kept in modules of their own
from api.cli_fides import import_app as _import_app  # noqa: E402
from api.cli_fix import fix as _fix  # noqa: E402

app.command("fix")(_fix)
app.add_typer(_import_app, name="import")


def main() -> None:
    """Entry point of the ``regulint`` script: an unexpected exception is exit 3, not a traceback."""
    try:
        app()
    except Exception as exc:  # noqa: BLE001 - last resort: typer already handled usage errors
        err(f"regulint: internal error: {exc.__class__.__name__}: {exc}")
        sys.exit(3)


if __name__ == "__main__":  # pragma: no cover
    main()
