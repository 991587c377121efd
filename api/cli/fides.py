"""``regulint import fides`` and ``regulint check --from-fides``: Fides data maps as descriptions.

Registered by :mod:`api.cli.main`. Problems in a manifest are printed as ``file:line: path: message``
(exit 2).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import err

import_app = typer.Typer(help="Import a description from another tool's data map.", no_args_is_help=True)


def load_manifests(paths: list[Path]) -> tuple[list[tuple[str, Any]], dict[str, Any]]:
    """Each manifest parsed (YAML or JSON), and its line-numbered tree for error locations."""
    from engine.core.yamlio import YamlError, load_with_lines, plain
    from engine.facts.inputs import InputError, InputIssue

    out: list[tuple[str, Any]] = []
    roots: dict[str, Any] = {}
    for path in paths:
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(source, [InputIssue("", f"cannot read: {exc.__class__.__name__}", "a readable UTF-8 file", source)]) from None  # fmt: skip
        try:
            root = load_with_lines(source, text)
        except YamlError as exc:
            raise InputError(source, [InputIssue(f"line {exc.line}", exc.message, "valid YAML", "malformed YAML")]) from None  # fmt: skip
        roots[source] = root
        out.append((source, plain(root)))
    return out, roots


def _located(issue: Any, sources: list[str], roots: dict[str, Any]) -> str:
    from engine.core.yamlio import line_of
    from engine.fix.edits import path_parts

    path = issue.path
    source = sources[0] if len(sources) == 1 else None
    for s in sources:
        if path.startswith(f"{s}: "):
            source, path = s, path[len(s) + 2 :]
    if source is None or source not in roots:
        return f"fides: {issue}"
    line = line_of(roots[source], path_parts(path)) if path and not path.startswith("line ") else 1
    return f"{source}:{line}: {path or '(document)'}: {issue.message} (expected {issue.expected}; given {issue.given})"


def fides_description(manifests: list[Path], markets: list[str] | None, product_id: str | None = None) -> Any:
    """Import ``manifests`` (exit 2 with each problem located on bad input)."""
    from engine.facts.inputs import InputError
    from engine.interop.fides import import_fides

    try:
        parsed, roots = load_manifests(manifests)
        return import_fides(parsed, markets or [], product_id)
    except InputError as exc:
        sources = [str(p) for p in manifests]
        for issue in exc.issues:
            err(_located(issue, sources, roots if "roots" in locals() else {}))
        raise typer.Exit(2) from None


def report_import(result: Any) -> None:
    """Warnings and what the description still needs, on standard error."""

    for w in result.warnings:
        err(f"warning: {w}")
    err("The description still needs, for a full evaluation:")
    for n in result.needs:
        err(f"  - {n}")


def fides_to_file(manifests: list[Path], markets: list[str] | None) -> str:
    """For ``check --from-fides``: the imported description in a temporary JSON file."""
    result = fides_description(manifests, markets)
    report_import(result)
    stem = "-".join(p.stem for p in manifests)[:80]
    out = Path(tempfile.mkdtemp(prefix="regulint-fides-")) / f"{stem}.regulint.json"
    out.write_text(json.dumps(result.product, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return str(out)


@import_app.command("fides")
def import_fides_command(
    manifests: Annotated[list[Path], typer.Argument(help="Fides system manifests (YAML or JSON).")],
    market: Annotated[
        list[str] | None,
        typer.Option("--market", "-m", help="Where the product is offered (repeatable; Fides does not say)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the description here instead of stdout.")
    ] = None,
    product_id: Annotated[
        str | None, typer.Option("--id", help="The product id (default: the system's key).")
    ] = None,
) -> None:
    """One product description from the systems of Fides manifests (one practice per declaration)."""
    result = fides_description(manifests, market, product_id)
    text = json.dumps(result.product, indent=2, ensure_ascii=False) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text.rstrip("\n"))
    report_import(result)
