"""Where the shipped rulesets and example descriptions live (package data of ``rulesets`` and ``seeds``)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from engine.core.yamlio import load_with_lines, plain


def rulesets_dir() -> Path:
    """The directory of the shipped rulesets."""
    return Path(str(resources.files("rulesets")))


def seeds_dir() -> Path:
    """The directory of the shipped example descriptions (``seeds/*.json``), installed or in a checkout."""
    return Path(str(resources.files("seeds")))


@cache
def read_yaml_resource(name: str) -> Any:
    """Parse a YAML file of the rulesets package (plain data)."""
    return plain(load_with_lines(rulesets_dir() / name))
