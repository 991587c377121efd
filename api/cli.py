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


SEVERITIES = ["critical", "high", "medium", "low"]


class CheckFormat(StrEnum):
    table = "table"
    json = "json"
    sarif = "sarif"
    junit = "junit"


class RulesFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


class Severity(StrEnum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"expected a date as YYYY-MM-DD, got {value!r}", param_hint="--as-of"
        ) from None


def _load_ruleset(path: Path | None):  # noqa: ANN202 - returns RuleSet
    from engine.ruleset import RulesetError, YamlError, load_rulesets

    try:
        return load_rulesets(path)
    except (RulesetError, YamlError) as exc:
        _err(f"{exc}")
        raise typer.Exit(2) from None
    except (OSError, UnicodeDecodeError) as exc:
        _err(f"{path}: cannot read the rulesets: {exc.__class__.__name__}: {exc}")
        raise typer.Exit(2) from None


# --- check ---------------------------------------------------------------------------------

_worker_state: dict[str, object] = {}


def _init_worker(rulesets: str | None, parent: int | None = None) -> None:
    from engine.evaluate import Evaluator, default_evaluator
    from engine.ruleset import load_rulesets

    if parent is not None:  # a --jobs worker: end with the process that started it
        from api.processes import die_with_parent

        die_with_parent(parent)

    loaded = _worker_state.get("ruleset")  # the parent's, inherited when the pool forks: no second load
    if loaded is not None:
        _worker_state["evaluator"] = Evaluator(loaded)  # type: ignore[arg-type]
    else:
        _worker_state["evaluator"] = Evaluator(load_rulesets(rulesets)) if rulesets else default_evaluator()


def _check_one(
    args: tuple[str, str | None, list[str] | None],
) -> tuple[str, str | None, str | None, list[str], int]:
    """Evaluate one file in a worker: (source, report JSON (indented, as rendered), text, errors,
    index in SEVERITIES of the gravest violation, or len(SEVERITIES) when there is none)."""
    from engine.evaluate import MarketSelectionError
    from engine.inputs import InputError, parse_text, product_from_data

    source, as_of, markets = args
    evaluator = _worker_state["evaluator"]
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return (
            source,
            None,
            None,
            [f"{source}: cannot read: {exc.__class__.__name__}: {exc}"],
            len(SEVERITIES),
        )
    try:
        product = product_from_data(parse_text(text, source), source)
        report = evaluator.evaluate(product, dt.date.fromisoformat(as_of) if as_of else None, markets)  # type: ignore[attr-defined]
    except InputError as exc:
        return source, None, text, [f"{source}: {issue}" for issue in exc.issues], len(SEVERITIES)
    except MarketSelectionError as exc:
        return source, None, text, [f"{source}: --market: {exc}"], len(SEVERITIES)
    except Exception as exc:  # noqa: BLE001 - the engine failed on this file: exit 3, the others go on
        return (
            source,
            None,
            text,
            [f"{source}: engine error: {exc.__class__.__name__}: {exc}", "__engine__"],
            len(SEVERITIES),
        )
    gravest = min((SEVERITIES.index(v.severity) for v in report.violations), default=len(SEVERITIES))
    return source, report.model_dump_json(indent=2), text, [], gravest


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
    fmt: Annotated[CheckFormat, typer.Option("--format", "-f", help="Output format.")] = CheckFormat.table,
    fail_on: Annotated[
        Severity, typer.Option("--fail-on", help="Exit 1 when a violation is at least this severe.")
    ] = Severity.low,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, max=256, help="Evaluate files in N processes.")
    ] = 1,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report here instead of stdout.")
    ] = None,
    rulesets: Annotated[
        Path | None,
        typer.Option(
            "--rulesets", help="Use these rulesets (file or directory) instead of the shipped ones."
        ),
    ] = None,
    from_fides: Annotated[
        list[Path] | None,
        typer.Option(
            "--from-fides", help="Also check the product a Fides manifest describes (offered in --market)."
        ),
    ] = None,
) -> None:
    """Check product descriptions against every ruleset of their markets."""
    from engine.render import Checked, render_junit, render_sarif, render_table
    from engine.report import Report

    day = _parse_date(as_of)
    _check_markets(market)
    files = list(files or [])
    if from_fides:  # api/cli_fides.py: the imported description joins the files checked
        from api.cli_fides import fides_to_file

        files.append(fides_to_file(from_fides, market))
    if not files:
        raise typer.BadParameter("give a description (FILE) or --from-fides MANIFEST", param_hint="FILE")
    if files.count("-") > 1:
        raise typer.BadParameter("standard input ('-') can be read once", param_hint="FILE")
    _check_output(output)
    _check_limits()
    ruleset = _load_ruleset(rulesets)
    tasks = [(f, day.isoformat() if day else None, market) for f in files]
    results: list[tuple[str, str | None, str | None, list[str], int]] = []
    progress = sys.stderr.isatty() and len(files) > 1
    _worker_state["ruleset"] = ruleset
    if jobs > 1 and len(files) > 1 and "-" not in files:
        with ProcessPoolExecutor(
            jobs, initializer=_init_worker, initargs=(str(rulesets) if rulesets else None, os.getpid())
        ) as pool:
            it = pool.map(_check_one, tasks, chunksize=max(1, min(64, len(tasks) // (jobs * 8) or 1)))
            results = list(_with_progress(it, len(tasks)) if progress else it)
    else:
        _init_worker(str(rulesets) if rulesets else None)
        it = map(_check_one, tasks)
        results = list(_with_progress(it, len(tasks)) if progress else it)

    checked: list[Checked] = []
    texts: list[str] = []  # --format json: the workers' text is the output; no parse in this process
    gravest = len(SEVERITIES)
    bad_input = engine_failed = False
    for source, report_json, text, errors, worst in results:
        gravest = min(gravest, worst)
        if errors:
            engine_failed |= "__engine__" in errors
            bad_input |= "__engine__" not in errors
            shown = [e for e in errors if e != "__engine__"]
            for e in shown:
                _err(e)
            if fmt is CheckFormat.json:  # one entry per file, in order: an error object for this one
                kind = "engine" if "__engine__" in errors else "input"
                texts.append(json.dumps({"file": source, "error": kind, "messages": shown}, indent=2))
            continue
        if fmt is CheckFormat.json:
            texts.append(report_json)  # type: ignore[arg-type]
        else:
            checked.append(Checked(source, Report.model_validate_json(report_json), text))  # type: ignore[arg-type]

    from engine.evaluate import engine_version

    if checked or texts or fmt in (CheckFormat.sarif, CheckFormat.junit):
        if fmt is CheckFormat.json:  # what render_json writes, from the reports' JSON as the workers wrote it
            text_out = texts[0] if len(texts) == 1 and len(files) == 1 else "[\n" + ",\n".join(texts) + "\n]"
        elif fmt is CheckFormat.sarif:
            text_out = render_sarif(checked, ruleset, engine_version())
        elif fmt is CheckFormat.junit:
            text_out = render_junit(checked, ruleset)
        else:
            text_out = render_table(checked, color=output is None and sys.stdout.isatty())
        if output:
            try:
                output.write_text(text_out + ("" if text_out.endswith("\n") else "\n"), encoding="utf-8")
            except OSError as exc:
                _err(f"--output {output}: cannot write: {exc.strerror or exc}")
                raise typer.Exit(2) from None
        else:
            typer.echo(text_out.rstrip("\n"))
    if bad_input:
        raise typer.Exit(2)
    if engine_failed:
        raise typer.Exit(3)
    threshold = SEVERITIES.index(fail_on.value)
    failing = gravest <= threshold
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
        _err(f"--output {output}: {problem}")
        raise typer.Exit(2)


def _check_limits() -> None:
    from engine.inputs import InputLimits

    try:
        InputLimits.from_env()
    except ValueError as exc:
        _err(str(exc))
        raise typer.Exit(2) from None


def _check_markets(markets: list[str] | None) -> None:
    from engine.jurisdictions import normalise_place

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
    from engine.catalog import catalog_markdown, rules_data

    ruleset = _load_ruleset(rulesets)
    if jurisdiction and jurisdiction.upper() not in {i.jurisdiction for i in ruleset.instruments}:
        _err(
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
def rules_show(ctx: typer.Context, rule_id: Annotated[str, typer.Argument(help="A rule id.")]) -> None:
    """Show one rule in full: requirement, citation, dates, penalty, condition and examples."""
    import difflib

    from engine.catalog import rule_summary
    from engine.conditions import describe, to_nnf

    ruleset = _load_ruleset((ctx.obj or {}).get("rulesets"))
    rule = ruleset.rules_by_id.get(rule_id)
    if rule is None:
        near = difflib.get_close_matches(rule_id, list(ruleset.rules_by_id), n=1)
        _err(f"no rule {rule_id!r}" + (f"; did you mean {near[0]!r}?" if near else ""))
        raise typer.Exit(2)
    data = rule_summary(rule, ruleset.instrument(rule.instrument_id))
    data["when"] = describe(to_nnf(rule.when))
    data["examples"] = {
        "violating": [e.product for e in rule.violating],
        "compliant": [e.product for e in rule.compliant],
    }
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


# --- lint, serve, schema -------------------------------------------------------------------


@app.command()
def lint(
    path: Annotated[
        Path | None, typer.Argument(help="A ruleset file or directory; default the shipped rulesets.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """Validate rulesets, run every rule's examples and report findings (exit 1 on an error)."""
    from engine.extras import MissingExtra
    from engine.lint import lint as run_lint

    if path is not None and not path.exists():
        _err(f"{path}: no such file or directory")
        raise typer.Exit(2)
    try:
        findings = run_lint(path)
    except MissingExtra as exc:
        _err(str(exc))
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
    from engine.extras import MissingExtra, require_server

    try:
        require_server()
    except MissingExtra as exc:
        _err(str(exc))
        raise typer.Exit(2) from None
    from api.server import run_server  # uvicorn.run("api.app:create_app", factory=True, …), TCP_NODELAY fixed
    from api.settings import Settings, SettingsError

    try:
        settings = Settings.from_env()  # a blank or malformed setting stops here, before any worker starts
    except SettingsError as exc:
        _err(f"regulint serve: {exc}")
        raise typer.Exit(2) from None
    typer.echo(f"regulint dashboard: http://{host}:{port}/  (API docs: http://{host}:{port}/docs)", err=True)
    run_server(host, port, workers, timeouts=settings)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the history schema or upgrade it in place to this version (`serve` does it too)."""
    from engine.extras import MissingExtra, require_server

    try:
        require_server()
    except MissingExtra as exc:
        _err(str(exc))
        raise typer.Exit(2) from None
    from sqlalchemy.exc import SQLAlchemyError

    from api.db import Repository, SchemaMismatch
    from api.settings import Settings, SettingsError

    try:
        repo = Repository.from_url(Settings.from_env().database_url)
    except (SettingsError, ValueError) as exc:
        _err(f"regulint db upgrade: {exc}")
        raise typer.Exit(2) from None
    try:
        before, after = repo.upgrade_schema()
    except SchemaMismatch as exc:
        _err(f"regulint db upgrade: {exc}")
        raise typer.Exit(2) from None
    except SQLAlchemyError as exc:
        _err(
            f"regulint db upgrade: the database failed: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
        )
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
    from engine.catalog import facts_markdown

    typer.echo(facts_markdown().rstrip("\n"))


@app.command()
def schema(
    rulesets: bool = typer.Option(
        False, "--rulesets", help="Print the JSON Schema of ruleset (instrument) files instead, for editors."
    ),
) -> None:
    """Print the JSON Schema of the product description (or, with --rulesets, of ruleset files)."""
    if rulesets:
        from engine.ruleset_schema import ruleset_json_schema

        typer.echo(json.dumps(ruleset_json_schema(), indent=2))
        return
    from engine.product import product_json_schema

    typer.echo(json.dumps(product_json_schema(), indent=2))


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
        _err(f"regulint: internal error: {exc.__class__.__name__}: {exc}")
        sys.exit(3)


if __name__ == "__main__":  # pragma: no cover
    main()
