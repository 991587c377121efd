"""Reports are built without re-validation for speed; they must still be valid reports."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from engine.evaluate.evaluator import Evaluator
from engine.facts.inputs import product_from_data
from engine.report.model import Report, report_json, violation_json

SEEDS = sorted((Path(__file__).resolve().parents[3] / "seeds").glob("*.json"))


@pytest.mark.parametrize("path", SEEDS, ids=[p.stem for p in SEEDS])
@pytest.mark.parametrize("day", [dt.date(2025, 6, 1), dt.date(2026, 11, 30), dt.date(2028, 1, 1)])
def test_report_equals_its_validated_copy(path: Path, day: dt.date, durable: Evaluator) -> None:
    report = durable.evaluate(product_from_data(json.loads(path.read_text())), day)
    dumped = report.model_dump(mode="json")
    again = Report.model_validate_json(report.model_dump_json())
    assert again.model_dump(mode="json") == dumped
    assert Report.model_validate(report.model_dump()) == report


@pytest.mark.parametrize("path", SEEDS, ids=[p.stem for p in SEEDS])
def test_report_json_from_cached_violations_is_pydantics_json(path: Path, durable: Evaluator) -> None:
    """The compact JSON written around each violation's cached fragment is byte for byte what
    pydantic writes, for a report seen before (fragments reused) and a subclass with more fields."""
    product = product_from_data(json.loads(path.read_text()))

    class Stamped(Report):
        id: str
        note: str | None = None

    for day in (dt.date(2025, 6, 1), dt.date(2026, 11, 30), dt.date(2026, 11, 30)):
        report = durable.evaluate(product, day)
        assert report_json(report) == report.model_dump_json().encode()
        fields = {name: getattr(report, name) for name in Report.model_fields}
        stamped = Stamped.model_construct(id="x", note='"violations":[]', **fields)
        assert report_json(stamped) == stamped.model_dump_json().encode()
        for v in report.violations:
            assert violation_json(v) is violation_json(v)  # written once per object
