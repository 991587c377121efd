"""What several commands share: messages on standard error, the ``--as-of`` date, ``--market``
checks, the severity vocabulary and loading rulesets with exit 2 on a bad one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from engine.law.severity import SEVERITIES, SeverityChoice

__all__ = ["SEVERITIES", "Severity", "check_markets", "err", "load_ruleset", "parse_date", "write_text"]

#: ``--fail-on``'s choices: the severity vocabulary (engine/law/severity.py imports in milliseconds).
Severity = SeverityChoice


def err(message: str) -> None:
    """One message on standard error."""
    typer.echo(message, err=True)


def parse_date(value: str | None) -> dt.date | None:
    """``--as-of``: a ``YYYY-MM-DD`` date, or None for today."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"expected a date as YYYY-MM-DD, got {value!r}", param_hint="--as-of"
        ) from None


def check_markets(markets: list[str] | None) -> None:
    """A usage error (exit 2) for a ``--market`` that names no known place."""
    from engine.core.jurisdictions import normalise_place

    for m in markets or ():
        try:
            normalise_place(m)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--market") from None


def load_ruleset(path: Path | None | list[Path | None]):  # noqa: ANN201 - returns RuleSet
    """The rulesets at ``path`` (None: the shipped ones); exit 2 naming the problem otherwise."""
    from engine.core.yamlio import YamlError
    from engine.law.loader import load_rulesets
    from engine.law.parameters import RulesetError

    try:
        return load_rulesets(path)
    except (RulesetError, YamlError) as exc:
        err(f"{exc}")
        raise typer.Exit(2) from None
    except (OSError, UnicodeDecodeError) as exc:
        err(f"{path}: cannot read the rulesets: {exc.__class__.__name__}: {exc}")
        raise typer.Exit(2) from None


def write_text(path: Path, text: str, option: str) -> None:
    """Write an output file; exit 2 naming ``option`` when it cannot be written."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        err(f"{option} {path}: cannot write: {exc.strerror or exc}")
        raise typer.Exit(2) from None
