"""``regulint check``'s worker side: each file read, evaluated and (for SARIF) rendered where it was
parsed, in ``--jobs`` processes or in this one, the results in input order.

Rendering where the file was parsed lets SARIF and the table scale with ``--jobs``.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from api.cli.common import SEVERITIES

#: What a worker is asked for besides the verdict: ``report`` (the report JSON), ``lines`` (the line of
#: each subject path in the file) or ``sarif`` (the file's SARIF results, triaged in the worker).
Want = frozenset[Literal["report", "lines", "sarif"]]


@dataclass(frozen=True)
class Task:
    """One file to check."""

    source: str  # a path, or "-" for standard input
    as_of: str | None  # ISO date; None: today
    markets: list[str] | None
    want: Want


@dataclass(frozen=True)
class Setup:
    """What every worker needs: the rulesets (roots, or None for the shipped ones) and, for SARIF
    rendered in the workers, the suppressions, the accepted baseline and its file name."""

    rulesets: list[str | None] | None = None
    suppressions: tuple[Any, ...] = ()
    baseline: frozenset[str] | None = None
    baseline_name: str | None = None


@dataclass(frozen=True)
class SarifPart:
    """One file's SARIF results, triaged and rendered in the worker."""

    results: str  # a JSON list fragment (engine.report.sarif.results_fragment)
    gravest_new: int  # index in SEVERITIES of the gravest new violation; len(SEVERITIES) for none
    expired: tuple[str, ...]  # expired suppressions that matched a finding, described


@dataclass(frozen=True)
class FileResult:
    """A worker's answer for one file: a failure with its messages, or the verdict and what was asked."""

    source: str
    failure: Literal["input", "engine"] | None = None  # input: exit 2; engine: exit 3
    errors: tuple[str, ...] = ()  # one line each, ``source: message``
    report_json: str | None = None  # indented, as rendered (``report`` asked)
    lines: dict[str, int] | None = None  # line of each subject path (``lines`` or ``sarif`` asked)
    gravest: int = len(SEVERITIES)  # index in SEVERITIES of the gravest violation; len for none
    insufficient: int = 0  # undecided rules and instruments
    seconds: float = 0.0
    sarif: SarifPart | None = None  # ``sarif`` asked


_state: dict[str, Any] = {}  # this process's evaluator and setup (the pool's workers inherit the parent's)


def init_worker(setup: Setup, parent: int | None = None) -> None:
    """Prepare this process to check files: the evaluator, built from the parent's loaded rulesets
    when the pool forked (no second load) or loaded here."""
    from engine.evaluate.evaluator import Evaluator, default_evaluator
    from engine.law.loader import load_rulesets

    if parent is not None:  # a --jobs worker: end with the process that started it
        from api.processes import die_with_parent

        die_with_parent(parent)
    loaded = _state.get("ruleset")
    if loaded is not None:
        _state["evaluator"] = Evaluator(loaded)
    else:
        _state["evaluator"] = (
            Evaluator(load_rulesets(setup.rulesets)) if setup.rulesets else default_evaluator()
        )
    _state["setup"] = setup


def check_one(task: Task) -> FileResult:
    """Evaluate one file in this process (after :func:`init_worker`)."""
    from engine.evaluate.scope import MarketSelectionError
    from engine.facts.inputs import InputError, parse_text, product_from_data
    from engine.report.checked import Checked, line_map, report_paths

    source = task.source
    evaluator = _state["evaluator"]
    started = time.perf_counter()
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return FileResult(source, "input", (f"{source}: cannot read: {exc.__class__.__name__}: {exc}",))
    try:
        product = product_from_data(parse_text(text, source), source)
        report = evaluator.evaluate(
            product, dt.date.fromisoformat(task.as_of) if task.as_of else None, task.markets
        )
    except InputError as exc:
        return FileResult(source, "input", tuple(f"{source}: {issue}" for issue in exc.issues))
    except MarketSelectionError as exc:
        return FileResult(source, "input", (f"{source}: --market: {exc}",))
    except Exception as exc:  # noqa: BLE001 - the engine failed on this file: exit 3, the others go on
        return FileResult(source, "engine", (f"{source}: engine error: {exc.__class__.__name__}: {exc}",))
    gravest = min((SEVERITIES.index(v.severity) for v in report.violations), default=len(SEVERITIES))
    lines = line_map(source, text, report_paths(report)) if task.want & {"lines", "sarif"} else None
    sarif = None
    if "sarif" in task.want:
        from engine.report.findings import triage
        from engine.report.sarif import results_fragment, rule_index, sarif_results

        setup: Setup = _state["setup"]
        index = _state.get("rule_index") or rule_index(evaluator.ruleset)
        _state["rule_index"] = index
        tri = triage(report, setup.suppressions, setup.baseline or frozenset())
        item = Checked(source, report, lines=lines, triage=tri)
        sarif = SarifPart(
            results=results_fragment(sarif_results(item, index, setup.baseline_name)),
            gravest_new=min(
                (SEVERITIES.index(t.violation.severity) for t in tri.new), default=len(SEVERITIES)
            ),
            expired=tuple(
                f"{s.rule} at {s.subject} ({s.origin}) expired on {s.expires}" for s in tri.expired
            ),
        )
    return FileResult(
        source,
        report_json=report.model_dump_json(indent=2) if "report" in task.want else None,
        lines=lines,
        gravest=gravest,
        insufficient=len(report.insufficient_information),
        seconds=time.perf_counter() - started,
        sarif=sarif,
    )


def run_batch(tasks: list[Task], setup: Setup, ruleset: Any, jobs: int, progress: bool) -> list[FileResult]:
    """Every task's result in input order: in ``jobs`` processes when there is more than one file and
    none is standard input, else here. ``ruleset`` is the parent's, reused by forked workers."""
    _state["ruleset"] = ruleset
    if jobs > 1 and len(tasks) > 1 and all(t.source != "-" for t in tasks):
        with ProcessPoolExecutor(jobs, initializer=init_worker, initargs=(setup, os.getpid())) as pool:
            it = pool.map(check_one, tasks, chunksize=max(1, min(64, len(tasks) // (jobs * 8) or 1)))
            return list(_with_progress(it, len(tasks)) if progress else it)
    init_worker(setup)
    it = map(check_one, tasks)
    return list(_with_progress(it, len(tasks)) if progress else it)


def _with_progress(it: Iterable[FileResult], total: int) -> Iterator[FileResult]:
    from rich.console import Console
    from rich.progress import Progress

    with Progress(transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("checking", total=total)
        for item in it:
            bar.advance(task)
            yield item
