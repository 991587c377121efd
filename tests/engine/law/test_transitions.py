"""Transitions: a duty with a grace period for processing already running (``effective.existing``)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from engine.evaluate.evaluator import default_evaluator
from engine.facts.inputs import product_from_data

SEED = Path(__file__).resolve().parents[3] / "seeds" / "faceswap-zao-style.json"
RULE = "cn-pipl-xborder-mechanism"  # Standard Contract Measures: transfers under way bound from 2023-12-01


def _report(started_on: str | None, day: dt.date):
    doc = copy.deepcopy(json.loads(SEED.read_text()))
    for practice in doc["data_practices"]:
        practice.pop("started_on", None)
        if started_on:
            practice["started_on"] = started_on
    return default_evaluator().evaluate(product_from_data(doc), day)


def _ids(items) -> set[str]:
    return {i.rule_id for i in items if i.rule_id == RULE}


@pytest.mark.parametrize(
    ("started_on", "upcoming_from"),
    [("2020-01-01", dt.date(2023, 12, 1)), (None, dt.date(2023, 6, 1))],
)
def test_upcoming_names_the_day_the_duty_binds_this_processing(started_on, upcoming_from) -> None:
    report = _report(started_on, dt.date(2023, 5, 1))
    assert {u.effective_from for u in report.upcoming if u.rule_id == RULE} == {upcoming_from}


def test_processing_already_running_is_bound_after_the_grace() -> None:
    assert not _ids(_report("2020-01-01", dt.date(2023, 6, 1)).violations)
    assert _ids(_report("2020-01-01", dt.date(2023, 12, 1)).violations) == {RULE}


def test_an_unknown_start_asks_for_it_during_the_grace() -> None:
    report = _report(None, dt.date(2023, 6, 1))
    assert _ids(report.insufficient_information) == {RULE}
    assert not _ids(report.violations)
