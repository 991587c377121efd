"""``regulint check``'s worker side: each file read, evaluated, triaged and rendered in the run's output
format where it was parsed — in ``--jobs`` processes or in this one — and the results streamed back
in input order.

Everything per file happens in the worker, so every format scales with ``--jobs`` and the parent only
joins the parts: line numbers come from the text the worker holds (``engine.report.checked.line_map``),
and no report is serialised for the parent to parse again. The evaluator is built once, in the
parent, before the workers fork (on Linux); elsewhere each worker builds its own.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from api.cli.common import SEVERITIES

NONE = len(SEVERITIES)  # "no violation" as an index in SEVERITIES


@dataclass(frozen=True)
class Setup:
    """What every file of one run is checked and rendered with."""

    format: str  # an output format: json, json-lines, sarif, junit, github, table
    rulesets: list[str | None] | None = None  # roots (None: the shipped ones) for a worker that loads
    as_of: dt.date | None = None  # None: today
    markets: list[str] | None = None
    suppressions: tuple[Any, ...] = ()  # engine.report.findings.Suppression
    baseline: frozenset[str] | None = None  # accepted fingerprints (a baseline was given)
    baseline_name: str | None = None  # its file, as SARIF names it
    summary: bool = False  # --summary: the output for table, a second rendering on stderr otherwise
    write_baseline: bool = False  # collect every finding for --write-baseline
    started: dt.datetime | None = None  # the run's start (JUnit timestamps)
    color: bool = False  # table: ANSI colours
    width: int = 120  # table: characters per line
    group_by: str = "rule"  # table: rows per rule, practice or fix


@dataclass(frozen=True)
class FileResult:
    """A worker's answer for one file: a failure with its messages, or its part of the output and
    the counts the run's exit code and last lines are made of."""

    source: str
    failure: Literal["input", "engine"] | None = None  # input: exit 2; engine: exit 3
    errors: tuple[str, ...] = ()  # one line each, ``source: message``
    output: str | None = None  # this file's part of the output, in the run's format
    summary: str | None = None  # its --summary screen, when that goes to stderr
    gravest_new: int = NONE  # index in SEVERITIES of the gravest new violation
    new: int = 0  # new violations (not suppressed, not in the baseline)
    quiet: int = 0  # suppressed or baselined violations
    violations: int = 0
    insufficient: int = 0  # undecided rules and instruments
    expired: tuple[str, ...] = ()  # expired suppressions that matched a finding, described
    tests: int = 0  # JUnit: test cases in this file's suite
    failures: int = 0  # JUnit: failed test cases
    baseline: tuple[dict[str, str], ...] = ()  # --write-baseline: an entry per violation
    seconds: float = 0.0  # evaluation time


_state: dict[str, Any] = {}  # this process's evaluator and setup (forked workers inherit the parent's)


def run_batch(
    sources: Sequence[str], setup: Setup, ruleset: Any, jobs: int, progress: bool
) -> Iterator[FileResult]:
    """Each file's result, in input order, as soon as it and those before it are done: in ``jobs``
    processes when there is more than one file and none is standard input, else here. ``ruleset``
    is the parent's, compiled here once and inherited by forked workers."""
    from engine.evaluate.evaluator import Evaluator

    evaluator = Evaluator(ruleset)
    evaluator.compiled_at(setup.as_of or dt.date.today())
    _state.update(evaluator=evaluator, setup=setup)
    if jobs > 1 and len(sources) > 1 and "-" not in sources:
        context = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
        chunk = max(1, min(64, len(sources) // (jobs * 8)))
        with ProcessPoolExecutor(
            jobs, mp_context=context, initializer=init_worker, initargs=(setup, os.getpid())
        ) as pool:
            yield from _with_progress(pool.map(check_one, sources, chunksize=chunk), len(sources), progress)
    else:
        yield from _with_progress(map(check_one, sources), len(sources), progress)


def init_worker(setup: Setup, parent: int) -> None:
    """A ``--jobs`` worker: end with the process that started it; build the evaluator unless it was
    inherited (a worker started by spawning rather than forking)."""
    from api.processes import die_with_parent

    die_with_parent(parent)
    if "evaluator" not in _state:
        from engine.evaluate.evaluator import Evaluator, default_evaluator
        from engine.law.loader import load_rulesets

        roots = setup.rulesets
        _state["evaluator"] = Evaluator(load_rulesets(roots)) if roots else default_evaluator()
        _state["setup"] = setup


def check_one(source: str) -> FileResult:
    """Read, evaluate, triage and render one file (in a worker, or here)."""
    from engine.evaluate.scope import MarketSelectionError
    from engine.facts.inputs import InputError, parse_text, product_from_data

    setup: Setup = _state["setup"]
    started = time.perf_counter()
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return FileResult(source, "input", (f"{source}: cannot read: {exc.__class__.__name__}: {exc}",))
    try:
        product = product_from_data(parse_text(text, source), source)
        report = _state["evaluator"].evaluate(product, setup.as_of, setup.markets)
    except InputError as exc:
        return FileResult(source, "input", tuple(f"{source}: {issue}" for issue in exc.issues))
    except MarketSelectionError as exc:
        return FileResult(source, "input", (f"{source}: --market: {exc}",))
    except Exception as exc:  # noqa: BLE001 - the engine failed on this file: exit 3, the others go on
        return FileResult(source, "engine", (f"{source}: engine error: {exc.__class__.__name__}: {exc}",))
    return _rendered(source, text, report, setup, time.perf_counter() - started)


def _rendered(source: str, text: str, report: Any, setup: Setup, seconds: float) -> FileResult:
    """The file's part of the output and its counts."""
    from engine.report.checked import Checked, line_map, report_paths
    from engine.report.findings import triage

    fmt = setup.format
    triaged = bool(setup.suppressions) or setup.baseline is not None
    tri = triage(report, setup.suppressions, setup.baseline or frozenset()) if triaged else None
    lines = line_map(source, text, report_paths(report)) if fmt in ("sarif", "github") else None
    item = Checked(source, report, lines=lines, triage=tri, seconds=seconds)
    new = [t.violation for t in item.triaged.new] if triaged else report.violations
    extra: dict[str, Any] = {}
    if fmt == "json":
        output = report.model_dump_json(indent=2)
    elif fmt == "json-lines":
        from engine.report.render import json_line

        output = json_line(report)
    elif fmt == "sarif":
        from engine.report.sarif import results_fragment, rule_index, sarif_results

        if "rule_index" not in _state:
            _state["rule_index"] = rule_index(_state["evaluator"].ruleset)
        output = results_fragment(sarif_results(item, _state["rule_index"], setup.baseline_name))
    elif fmt == "junit":
        from engine.report.junit import junit_suite

        suite = junit_suite(item, _state["evaluator"].ruleset, setup.started or dt.datetime.now(dt.UTC))
        output, extra = suite.xml, {"tests": suite.tests, "failures": suite.failures}
    elif fmt == "github":
        from engine.report.github import github_annotations

        output = "\n".join(github_annotations(item))
    elif setup.summary:  # the table's place: one screen per file
        from engine.report.summary import summary_section

        output = summary_section(item)
    else:
        from engine.report.table import table_section

        output = table_section(item, setup.color, setup.width, setup.group_by)
    if setup.summary and fmt != "table":
        from engine.report.summary import summary_section

        extra["summary"] = summary_section(item)
    if setup.write_baseline:
        from engine.report.baseline import baseline_findings

        extra["baseline"] = tuple(baseline_findings(report))
    return FileResult(
        source,
        output=output,
        gravest_new=min((SEVERITIES.index(v.severity) for v in new), default=NONE),
        new=len(new),
        quiet=len(report.violations) - len(new),
        violations=len(report.violations),
        insufficient=len(report.insufficient_information),
        expired=tuple(
            f"{s.rule} at {s.subject} ({s.origin}) expired on {s.expires}" for s in item.triaged.expired
        )
        if triaged
        else (),
        seconds=seconds,
        **extra,
    )


def _with_progress(results: Iterable[FileResult], total: int, shown: bool) -> Iterator[FileResult]:
    if not shown:
        yield from results
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("checking", total=total)
        for item in results:
            bar.advance(task)
            yield item
