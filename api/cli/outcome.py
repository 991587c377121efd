"""What ``regulint check`` makes of its workers' results: reports triaged against the suppressions and
the baseline, and the facts its exit code is decided on."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from api.cli.batch import FileResult
from engine.law.severity import SEVERITIES
from engine.report.checked import Checked
from engine.report.findings import Suppression, triage
from engine.report.model import Report


@dataclass
class Outcome:
    checked: list[Checked] = field(default_factory=list)  # parsed reports (every format but plain JSON)
    texts: list[str] = field(default_factory=list)  # the workers' report JSON, when nothing needed parsing
    bad_input: bool = False
    engine_failed: bool = False
    gravest_new: int = len(SEVERITIES)  # index in SEVERITIES of the gravest new violation
    insufficient: int = 0  # undecided rules and instruments
    fragments: list[str] | None = None  # SARIF results rendered by the workers, one JSON list per file
    expired: list[str] = field(default_factory=list)  # expired suppressions that matched a finding
    entries: list[str] = field(
        default_factory=list
    )  # JSON: per file in order, its report or its error object


def build_outcome(
    results: Iterable[FileResult],
    *,
    needs_reports: bool,
    suppressions: Sequence[Suppression] = (),
    baseline: frozenset[str] | None = None,
    report_error: Callable[[str], None],
    today: dt.date | None = None,
    error_objects: bool = False,
) -> Outcome:
    """Errors go to ``report_error`` as they come; a file with errors yields no report."""
    out = Outcome()
    for r in results:
        if r.failure is not None:
            out.engine_failed |= r.failure == "engine"
            out.bad_input |= r.failure == "input"
            for e in r.errors:
                report_error(e)
            if error_objects:  # --format json: one entry per file, in order; an error object for this one
                entry = {"file": r.source, "error": r.failure, "messages": list(r.errors)}
                out.entries.append(json.dumps(entry, indent=2))
            continue
        if r.report_json is not None:
            out.entries.append(r.report_json)
        out.insufficient += r.insufficient
        if r.sarif is not None:  # triaged and rendered in the worker
            out.fragments = out.fragments if out.fragments is not None else []
            out.fragments.append(r.sarif.results)
            out.gravest_new = min(out.gravest_new, r.sarif.gravest_new)
            out.expired += r.sarif.expired
            continue
        if not needs_reports:
            out.texts.append(r.report_json)  # type: ignore[arg-type]
            out.gravest_new = min(out.gravest_new, r.gravest)
            continue
        report = Report.model_validate_json(r.report_json)  # type: ignore[arg-type]
        tri = triage(report, suppressions, baseline or frozenset(), today)
        out.checked.append(Checked(r.source, report, lines=r.lines, triage=tri, seconds=r.seconds))
        out.expired += [f"{s.rule} at {s.subject} ({s.origin}) expired on {s.expires}" for s in tri.expired]
        out.gravest_new = min([out.gravest_new, *(SEVERITIES.index(t.violation.severity) for t in tri.new)])
    return out
