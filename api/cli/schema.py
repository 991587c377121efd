"""``regulint schema`` (the published JSON Schemas) and ``regulint facts`` (the fact paths rules test)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from api.cli.common import err


def facts() -> None:
    """Print the fact paths rules may test (Markdown; docs/facts.md is this output)."""
    from engine.law.catalog import facts_markdown

    typer.echo(facts_markdown().rstrip("\n"))


def schema(
    name: Annotated[
        str, typer.Argument(help="product (a description; default) or ruleset (a ruleset file).")
    ] = "product",
    rulesets: bool = typer.Option(False, "--rulesets", help="The same as `regulint schema ruleset`."),
) -> None:
    """Print a JSON Schema: of the product description (editors: add "$schema" to your file)."""
    from engine.law.schemas import available_schemas, named_schema

    if rulesets:
        name = "ruleset"

    data = named_schema(name)
    if data is None:
        err(f"no schema {name!r}; known: {', '.join(available_schemas())}")
        raise typer.Exit(2)
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
