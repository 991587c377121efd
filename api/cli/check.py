"""``regulint check``: product descriptions against every ruleset of their markets.

Exit codes: 0 compliant (or nothing at or above ``--fail-on``), 1 violations at or above
``--fail-on``, 2 bad input or usage, 3 the engine could not evaluate (never read as compliant).
The files are evaluated and rendered by :mod:`api.cli.batch`; :mod:`api.cli.outcome` collects the parts.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from api.cli.batch import Setup, run_batch
from api.cli.common import SEVERITIES, Severity, check_markets, err, load_ruleset, parse_date, write_text
from api.cli.outcome import Outcome, build_outcome
from api.cli.stream import FRAMES, PartWriter


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
    from api.cli.config import ConfigError, find_config, load_config

    try:
        cfg = load_config(None if no_config else (config or find_config()))
    except ConfigError as exc:
        err(str(exc))
        raise typer.Exit(2) from None
    day = parse_date(as_of) or cfg.as_of
    market = market or cfg.markets
    check_markets(market)
    files = list(files or [])
    if from_fides:  # api/cli/fides.py: the imported description joins the files checked
        from api.cli.fides import fides_to_file

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
    ruleset = load_ruleset(roots)
    try:
        cfg.check_rule_ids(ruleset.rules_by_id)
    except ConfigError as exc:
        err(str(exc))
        raise typer.Exit(2) from None
    accepted = _read_baseline(baseline or (None if write_baseline else cfg.baseline))

    from engine.report.table import table_width

    started = dt.datetime.now(dt.UTC)
    baseline_path = baseline or (None if write_baseline else cfg.baseline)
    setup = Setup(
        format=fmt.value,
        rulesets=[str(r) if r else None for r in roots] if roots != [None] else None,
        as_of=day,
        markets=market,
        suppressions=tuple(cfg.suppressions),
        baseline=accepted,
        baseline_name=str(baseline_path) if baseline_path else None,
        summary=summary,
        write_baseline=write_baseline is not None,
        started=started,
        color=output is None and sys.stdout.isatty(),
        width=table_width(),
        group_by=group_by_key,
    )
    progress = sys.stderr.isatty() and len(files) > 1
    streamed = fmt.value in FRAMES and not (summary and fmt is CheckFormat.table)
    writer = PartWriter(fmt.value, len(files), output) if streamed else None
    outcome = build_outcome(
        run_batch(files, setup, ruleset, jobs, progress),
        report_error=err,
        error_objects=fmt.value if fmt in (CheckFormat.json, CheckFormat.json_lines) else None,
        emit=writer.add if writer is not None else None,
    )
    if write_baseline:
        from engine.report.baseline import baseline_json

        write_text(write_baseline, baseline_json(outcome.baseline), "--write-baseline")
        err(f"wrote {outcome.violations} finding(s) to {write_baseline}")
    for note in outcome.expired:
        err(f"expired suppression: {note}; its finding fails again")
    if writer is not None:
        shown = bool(outcome.files or writer.parts)
        footer = None
        if fmt is CheckFormat.github and shown:
            from engine.report.github import github_footer

            footer = github_footer(outcome.new, outcome.files, outcome.quiet)
        writer.close(footer)
    else:
        shown = bool(outcome.files or outcome.outputs or fmt in (CheckFormat.sarif, CheckFormat.junit))
        if shown:
            text_out = _assemble(fmt, outcome, ruleset, started)
            if output:
                write_text(output, text_out + ("" if text_out.endswith("\n") else "\n"), "--output")
            else:
                typer.echo(text_out.rstrip("\n"))
    if shown and summary and fmt is not CheckFormat.table:
        err("\n".join(outcome.summaries).rstrip("\n"))
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


def _ruleset_roots(given: list[Path], cfg, no_default: bool) -> list[Path | None]:  # noqa: ANN001 - api.cli.config.Config
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


def _assemble(fmt: CheckFormat, outcome: Outcome, ruleset, started: dt.datetime) -> str:  # noqa: ANN001 - RuleSet
    """The run's output from the files' parts, for the formats whose whole is more than the parts
    joined (SARIF, JUnit) and for --summary screens; the others are streamed (:mod:`api.cli.stream`)."""
    ended = dt.datetime.now(dt.UTC)
    if fmt is CheckFormat.sarif:
        from engine.evaluate.evaluator import engine_version
        from engine.report.sarif import assemble_sarif

        return assemble_sarif(outcome.outputs, ruleset, engine_version(), started=started, ended=ended)
    if fmt is CheckFormat.junit:
        from engine.report.junit import assemble_junit

        seconds = (ended - started).total_seconds()
        return assemble_junit(outcome.outputs, outcome.tests, outcome.failures, seconds)
    return "\n".join(outcome.outputs).rstrip("\n")  # --summary: one screen per file
