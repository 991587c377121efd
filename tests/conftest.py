"""Shared fixtures: the shipped rulesets, compiled once per test session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from properties.profiles import register_profiles

from engine.evaluate.evaluator import Evaluator
from engine.law.loader import load_rulesets
from engine.law.model import RuleSet

register_profiles()  # hypothesis profiles ci (default) and thorough; see tests/properties

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.json"))


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return load_rulesets()


@pytest.fixture(scope="session")
def durable(ruleset: RuleSet) -> Evaluator:
    return Evaluator(ruleset, "durable")


@pytest.fixture(scope="session")
def reference(ruleset: RuleSet) -> Evaluator:
    return Evaluator(ruleset, "reference")


def seed(name: str) -> dict:
    return json.loads((ROOT / "seeds" / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def load_seed():
    """A seed product description by file name, as a dict."""
    return seed
