"""What ``regulint check`` makes of its workers' results: the files' parts of the output in input order,
and the facts its exit code and last lines are decided on. Nothing here parses a report: the workers
rendered and counted everything."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from api.cli.batch import NONE, FileResult


@dataclass
class Outcome:
    outputs: list[str] = field(default_factory=list)  # per file in order (JSON: error objects too)
    summaries: list[str] = field(default_factory=list)  # --summary screens, for stderr
    tests: int = 0  # JUnit test cases, all files
    failures: int = 0  # failed JUnit test cases
    baseline: list[dict[str, str]] = field(default_factory=list)  # --write-baseline entries
    files: int = 0  # files checked
    violations: int = 0
    new: int = 0  # violations neither suppressed nor baselined
    quiet: int = 0  # suppressed or baselined
    bad_input: bool = False
    engine_failed: bool = False
    gravest_new: int = NONE  # index in SEVERITIES of the gravest new violation
    insufficient: int = 0  # undecided rules and instruments
    expired: list[str] = field(default_factory=list)  # expired suppressions that matched a finding


def build_outcome(
    results: Iterable[FileResult],
    *,
    report_error: Callable[[str], None],
    error_objects: str | None = None,
    emit: Callable[[str], None] | None = None,
) -> Outcome:
    """Consumes ``results`` as they come; errors go to ``report_error`` at once. ``error_objects``
    (``json`` or ``json-lines``): a failed file's place in the output holds ``{"file", "error",
    "messages"}``, indented or on one line. ``emit``: each file's part is handed to it as it comes
    (:class:`api.cli.stream.PartWriter`) instead of kept in ``outputs``."""
    out = Outcome()
    keep = emit or out.outputs.append
    for r in results:
        if r.failure is not None:
            out.engine_failed |= r.failure == "engine"
            out.bad_input |= r.failure == "input"
            for e in r.errors:
                report_error(e)
            if error_objects:
                entry = {"file": r.source, "error": r.failure, "messages": list(r.errors)}
                compact = error_objects == "json-lines"
                keep(json.dumps(entry, **({"separators": (",", ":")} if compact else {"indent": 2})))
            continue
        out.files += 1
        if r.output is not None:
            keep(r.output)
        if r.summary is not None:
            out.summaries.append(r.summary)
        out.baseline += r.baseline
        out.tests += r.tests
        out.failures += r.failures
        out.violations += r.violations
        out.new += r.new
        out.quiet += r.quiet
        out.insufficient += r.insufficient
        out.gravest_new = min(out.gravest_new, r.gravest_new)
        out.expired += r.expired
    return out
