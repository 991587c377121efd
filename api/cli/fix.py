"""``regulint fix``: a verified fix plan for a description (registered by :mod:`api.cli.main`).

Exit codes: 0 the plan clears every targeted finding (or there was none), 1 findings remain
after the plan (each listed with the reason no edit clears it), 2 bad input or usage, 3 the
engine could not evaluate.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import SEVERITIES, check_markets, err, parse_date


class FixFormat(StrEnum):
    text = "text"
    json = "json"
    json_patch = "json-patch"


def read_document(source: str) -> Any:
    """The parsed document of a file (``-``: standard input); :class:`InputError` when unreadable."""
    from engine.facts.inputs import InputError, InputIssue, parse_text

    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(source, [InputIssue("", "no such file", "a readable file", source)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            source, [InputIssue("", f"cannot read: {exc.__class__.__name__}", "a UTF-8 text file", source)]
        ) from None
    return parse_text(text, source)


def render_plan_text(plan: Any) -> str:
    """A fix plan for people: the edits in order, then what no edit clears."""
    d = plan
    markets = ", ".join(d.markets) if d.markets else "all of the product's markets"
    lines = [
        f"Fix plan for {d.product_id} (as of {d.as_of}; {markets}; findings at or above {d.fail_on}"
        + ("; scope changes allowed)" if d.allow_scope_changes else ")"),
    ]
    if d.before == 0:
        lines.append("Nothing to fix: no finding at or above that severity.")
        return "\n".join(lines)
    n = len(d.edits)
    lines.append(
        f"{d.before} finding(s) -> {d.after} after {n} edit(s)"
        + (" (verified: the patched description was evaluated again)" if d.verified else " (NOT verified)")
    )
    if d.minimal and n:
        lines.append("Minimal: dropping any one edit brings a finding back.")
    elif n:
        lines.append("Not shown minimal: the search ran out of its budget first.")
    lines.append("")
    for i, e in enumerate(d.edits, 1):
        lines.append(f"{i:3}. {e.summary()}  [{e.edit.kind}]")
    if d.uncleared:
        lines += ["", "Not cleared by any edit:"]
        for u in d.uncleared:
            f = u.finding
            where = f" at {f.subject}" if f.subject else ""
            lines.append(f"  - {f.rule_id} ({f.jurisdiction}, {f.severity}){where}: {u.reason}")
    lines += [
        "",
        f"{d.evaluations} evaluation(s), {d.elapsed_ms} ms. The same plan as an RFC 6902 JSON Patch: "
        "--format json-patch; the patched description: --apply OUT.",
    ]
    return "\n".join(lines)


def fix(
    file: Annotated[str, typer.Argument(help="A product description (JSON or YAML); '-' reads stdin.")],
    market: Annotated[
        list[str] | None,
        typer.Option(
            "--market", "-m", help="Clear the findings of these of the product's markets (repeatable)."
        ),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The law in force on this date (YYYY-MM-DD); default today.")
    ] = None,
    fail_on: Annotated[
        str,
        typer.Option("--fail-on", help="Clear the findings at least this severe (critical|high|medium|low)."),
    ] = "low",
    allow_scope_changes: Annotated[
        bool,
        typer.Option(
            "--allow-scope-changes",
            help="Also propose dropping a data category, market or feature (never by default).",
        ),
    ] = False,
    apply: Annotated[
        Path | None, typer.Option("--apply", help="Write the patched description (JSON) to this file.")
    ] = None,
    fmt: Annotated[
        FixFormat, typer.Option("--format", "-f", help="text, json or json-patch.")
    ] = FixFormat.text,
    time_budget: Annotated[
        float, typer.Option("--time-budget", min=0.5, max=600, help="Seconds the search may take.")
    ] = 60.0,
) -> None:
    """The smallest set of edits that clears the description's violations, verified."""
    from engine.decide.protocol import EngineError
    from engine.facts.inputs import InputError
    from engine.fix.plan import plan_fixes

    day = parse_date(as_of)
    check_markets(market)
    if fail_on not in SEVERITIES:
        raise typer.BadParameter(
            f"expected one of {', '.join(SEVERITIES)}, got {fail_on!r}", param_hint="--fail-on"
        )
    try:
        doc = read_document(file)
        plan = plan_fixes(
            doc,
            as_of=day,
            markets=market,
            fail_on=fail_on,
            allow_scope_changes=allow_scope_changes,
            time_budget=time_budget,
        )
    except InputError as exc:
        for issue in exc.issues:
            err(f"{file}: {issue}")
        raise typer.Exit(2) from None
    except EngineError as exc:
        err(f"{file}: engine error: {exc}")
        raise typer.Exit(3) from None
    if apply is not None:
        apply.write_text(json.dumps(plan.patched, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if fmt is FixFormat.json:
        typer.echo(json.dumps(plan.to_dict(), indent=2, ensure_ascii=False, default=str))
    elif fmt is FixFormat.json_patch:
        typer.echo(json.dumps(plan.patch, indent=2, ensure_ascii=False))
    else:
        typer.echo(render_plan_text(plan))
    if not plan.verified:
        raise typer.Exit(3)
    raise typer.Exit(1 if plan.after else 0)
