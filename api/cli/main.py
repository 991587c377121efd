"""The ``regulint`` application: the root command, its ``--version``, and every command registered
from the module that defines it."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from api.cli import check, fides, fix, lint, rules, schema, serve
from api.cli.common import err

app = typer.Typer(
    name="regulint",
    help="Check a described product feature against the privacy and AI-content law of its markets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from regulint import __version__

        typer.echo(f"regulint {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Check a described product feature against the privacy and AI-content law of its markets."""


app.command()(check.check)
app.command()(lint.lint)
app.command()(serve.serve)
app.command()(schema.facts)
app.command()(schema.schema)
app.command()(fix.fix)
app.add_typer(rules.rules_app, name="rules")
app.add_typer(serve.db_app, name="db")
app.add_typer(fides.import_app, name="import")


def main() -> None:
    """Entry point of the ``regulint`` script: an unexpected exception is exit 3, not a traceback."""
    try:
        app()
    except Exception as exc:  # noqa: BLE001 - last resort: typer already handled usage errors
        err(f"regulint: internal error: {exc.__class__.__name__}: {exc}")
        sys.exit(3)
