"""Precision: lawyer-style compliant products come out clean, and near misses are caught.

Each file in tests/precision/ lists realistic products written from the law (not from the
rules), each with the legal reason it complies. A product must come out with exactly the
findings it lists (each with the legal reason the finding is correct) and with no undecided
rule it does not list. Each near-miss probe changes the product so that it crosses one
exception's line; it must add exactly the findings it names, so an exception that is too wide
(nothing found) or a double report of one act (more found) both fail.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.core.docpath import set_path
from engine.evaluate.evaluator import Evaluator
from engine.facts.inputs import product_from_data
from engine.report.model import Report

CORPUS = Path(__file__).parent / "precision"


def _entries() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(CORPUS.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
            out.append((f"{path.stem}:{entry['name']}", entry))
    return out


ENTRIES = _entries()
PROBES = [
    (f"{key}/{i}", entry, probe) for key, entry in ENTRIES for i, probe in enumerate(entry.get("probes", []))
]


def _evaluate(durable: Evaluator, doc: dict[str, Any], as_of: dt.date) -> Report:
    return durable.evaluate(product_from_data(doc, "precision corpus"), as_of)


def _listed(entry: dict[str, Any], key: str) -> set[str]:
    items = entry.get(key) or []
    for item in items:
        assert item.get("reason", "").strip(), f"{key} {item.get('rule')!r} lists no legal reason"
    return {item["rule"] for item in items}


def _undecided(report: Report) -> set[str]:
    return {i.rule_id or f"scope:{i.instrument}" for i in report.insufficient_information}


def test_the_corpus_is_large_enough() -> None:
    markets = {m for _, e in ENTRIES for m in e["product"]["markets"]}
    assert len(ENTRIES) >= 25
    assert {"CN", "EU", "US-CA"} <= markets
    assert all(e.get("why", "").strip() for _, e in ENTRIES), "every product says why it complies"
    assert len(PROBES) >= 12


@pytest.mark.parametrize(("key", "entry"), ENTRIES, ids=[k for k, _ in ENTRIES])
def test_compliant_product_has_only_its_listed_findings(
    key: str, entry: dict[str, Any], durable: Evaluator
) -> None:
    report = _evaluate(durable, entry["product"], entry["as_of"])
    found = {v.rule_id for v in report.violations}
    assert found == _listed(entry, "findings"), f"{key}: unexplained {found - _listed(entry, 'findings')}"
    assert _undecided(report) == _listed(entry, "undecided"), f"{key}: undecided {_undecided(report)}"


@pytest.mark.parametrize(("key", "entry", "probe"), PROBES, ids=[k for k, _, _ in PROBES])
def test_near_miss_adds_exactly_its_findings(
    key: str, entry: dict[str, Any], probe: dict[str, Any], durable: Evaluator
) -> None:
    assert probe.get("reason", "").strip(), f"{key}: a probe says which line it crosses"
    before = {v.rule_id for v in _evaluate(durable, entry["product"], entry["as_of"]).violations}
    doc = copy.deepcopy(entry["product"])
    for path, value in probe["set"].items():
        set_path(doc, path, value)
    after = _evaluate(durable, doc, probe.get("as_of", entry["as_of"]))
    added = {v.rule_id for v in after.violations} - before
    assert added == set(probe["expect"]), f"{key}: {probe['reason']}"
