"""``regulint lint``: validate rulesets, run every rule's examples, report findings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import err


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
        typer.echo(json.dumps([f.to_json() for f in findings], indent=2))
    else:
        for f in findings:
            typer.echo(str(f))
        errors = sum(1 for f in findings if f.level == "error")
        typer.echo(f"{errors} error(s), {len(findings) - errors} warning(s)", err=True)
    raise typer.Exit(1 if any(f.level == "error" for f in findings) else 0)
