"""What ``regulint check`` makes of its workers' results: reports triaged against the suppressions and
the baseline, and the facts its exit code is decided on."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

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
    results: Iterable[tuple[str, str | None, dict[str, int] | None, list[str], dict[str, object]]],
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
    for source, report_json, lines, errors, meta in results:
        if errors:
            out.engine_failed |= "__engine__" in errors
            out.bad_input |= "__engine__" not in errors
            shown = [e for e in errors if e != "__engine__"]
            for e in shown:
                report_error(e)
            if error_objects:  # --format json: one entry per file, in order; an error object for this one
                kind = "engine" if "__engine__" in errors else "input"
                out.entries.append(json.dumps({"file": source, "error": kind, "messages": shown}, indent=2))
            continue
        if report_json is not None:
            out.entries.append(report_json)
        out.insufficient += int(meta["insufficient"])  # type: ignore[call-overload]
        if "sarif" in meta:  # triaged and rendered in the worker
            out.fragments = out.fragments if out.fragments is not None else []
            out.fragments.append(meta["sarif"])  # type: ignore[arg-type]
            out.gravest_new = min(out.gravest_new, int(meta["gravest_new"]))  # type: ignore[call-overload]
            out.expired += meta["expired"]  # type: ignore[arg-type]
            continue
        if not needs_reports:
            out.texts.append(report_json)  # type: ignore[arg-type]
            out.gravest_new = min(out.gravest_new, int(meta["gravest"]))  # type: ignore[call-overload]
            continue
        report = Report.model_validate_json(report_json)  # type: ignore[arg-type]
        tri = triage(report, suppressions, baseline or frozenset(), today)
        out.checked.append(Checked(source, report, lines=lines, triage=tri, seconds=float(meta["seconds"])))  # type: ignore[arg-type]
        out.expired += [f"{s.rule} at {s.subject} ({s.origin}) expired on {s.expires}" for s in tri.expired]
        out.gravest_new = min([out.gravest_new, *(SEVERITIES.index(t.violation.severity) for t in tri.new)])
    return out
