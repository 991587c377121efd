"""``regulint serve`` and ``regulint db upgrade``: the only CLI module that imports the HTTP service
(``api.service``: its server, settings and history database). Both need the ``server`` extra and say so (exit 2) when
it is missing."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import err

db_app = typer.Typer(help="The evaluation history database (REGULINT_DATABASE_URL).", no_args_is_help=True)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (they share the database).")
    ] = 1,
) -> None:
    """Serve the HTTP API and the dashboard."""
    _require_server_extra()
    from api.service.server import (
        run_server,  # uvicorn.run("api.service.server:serving_app", factory=True, …), TCP_NODELAY fixed
    )
    from api.service.settings import Settings, SettingsError

    try:
        settings = Settings.from_env()  # a blank or malformed setting stops here, before any worker starts
    except SettingsError as exc:
        err(f"regulint serve: {exc}")
        raise typer.Exit(2) from None
    typer.echo(f"regulint dashboard: http://{host}:{port}/  (API docs: http://{host}:{port}/docs)", err=True)
    run_server(host, port, workers, timeouts=settings)


def _require_server_extra() -> None:
    """Exit 2 naming the extra to install when the server's dependencies are missing."""
    from engine.core.extras import MissingExtra, require_server

    try:
        require_server()
    except MissingExtra as exc:
        err(str(exc))
        raise typer.Exit(2) from None


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the history schema or upgrade it in place to this version (`serve` does it too)."""
    _require_server_extra()
    from sqlalchemy.exc import SQLAlchemyError

    from api.service.db import Repository
    from api.service.settings import Settings, SettingsError
    from api.service.tables import SchemaMismatch

    try:
        repo = Repository.from_url(Settings.from_env().database_url)
    except (SettingsError, ValueError) as exc:
        err(f"regulint db upgrade: {exc}")
        raise typer.Exit(2) from None
    try:
        before, after = repo.upgrade_schema()
    except SchemaMismatch as exc:
        err(f"regulint db upgrade: {exc}")
        raise typer.Exit(2) from None
    except SQLAlchemyError as exc:
        err(f"regulint db upgrade: the database failed: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
        raise typer.Exit(3) from None
    finally:
        repo.dispose()
    if before == after:
        typer.echo(f"the history is at revision {after} (the newest)")
    else:
        typer.echo(f"the history was upgraded from revision {before or 'none'} to {after}")
