"""What an evaluator keeps across evaluations (the law of each day, penalties by organisation,
evidence as values) never changes a report: a long-lived evaluator answers what a fresh one does."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

from engine.evaluate.evaluator import Evaluator
from engine.evaluate.evidence import Explainer, SubjectEvidence
from engine.evaluate.memo import BoundedMemo
from engine.facts.inputs import product_from_data
from engine.facts.product import Source
from engine.facts.registry import Subject
from engine.law import conditions
from engine.law.model import RuleSet
from engine.report.model import Report, report_json

SEEDS = Path(__file__).resolve().parents[3] / "seeds"


def _variants() -> list[dict]:
    """The faceswap seed with its organisation and audience changed in every way a penalty reads."""
    base = json.loads((SEEDS / "faceswap-zao-style.json").read_text())
    out = [base]
    for revenue in ({"amount": 5_000_000, "currency": "EUR"}, {"amount": 5_000_000, "currency": "USD"}, None):
        doc = copy.deepcopy(base)
        doc["organization"]["annual_revenue"] = revenue
        out.append(doc)
    doc = copy.deepcopy(base)
    doc["organization"]["sme"] = not doc["organization"].get("sme", False)
    out.append(doc)
    doc = copy.deepcopy(base)
    doc.setdefault("audience", {})["users_by_market"] = {"EU": 12, "CN": 7, "US-CA": 3}
    out.append(doc)
    return out


def _json(report: Report) -> str:
    return report.model_dump_json()


def test_a_long_lived_evaluator_answers_as_a_fresh_one(ruleset: RuleSet) -> None:
    shared = Evaluator(ruleset, "reference")
    days = [dt.date(2026, 6, 1), dt.date(2026, 11, 30), dt.date(2027, 9, 1)]
    for day in days:
        for doc in _variants():
            product = product_from_data(doc)
            fresh = Evaluator(ruleset, "reference").evaluate(product, day)
            assert _json(shared.evaluate(product, day)) == _json(fresh)


def test_the_days_kept_are_bounded(ruleset: RuleSet) -> None:
    ev = Evaluator(ruleset, "reference")
    product = product_from_data(json.loads((SEEDS / "kids-game.json").read_text()))
    start = dt.date(2026, 1, 1)
    for n in range(ev.law.DAYS_KEPT + 5):
        ev.evaluate(product, start + dt.timedelta(days=n))
    assert len(ev.law._days) <= ev.law.DAYS_KEPT
    assert _json(ev.evaluate(product, start)) == _json(
        Evaluator(ruleset, "reference").evaluate(product, start)
    )


def _subject(value: object) -> Subject:
    return Subject(kind="product", id="p", doc_prefix="", facts={"product.flag": value})


def test_evidence_tells_equal_looking_values_apart() -> None:
    """True and 1, a string and a one-string list, -0.0 and 0.0, an enum member and its value, are
    different evidence even at the same place."""
    explainer = Explainer()
    cond = conditions.parse({"any": [{"fact": "product.flag", "exists": True}]})
    seen = []
    for value in (True, 1, "x", ["x"], 1.0, -0.0, 0.0, "data_subject", Source.data_subject, None):
        (evidence,) = SubjectEvidence(explainer, _subject(value)).of(cond)
        seen.append(evidence.actual)
        assert evidence.actual == value and type(evidence.actual) is type(value)
        assert repr(evidence.actual) == repr(value)
    assert len(seen) == 10


def test_report_json_is_the_reports_json_once(ruleset: RuleSet) -> None:
    doc = json.loads((SEEDS / "adtech-sdk.json").read_text())
    report = Evaluator(ruleset, "reference").evaluate(product_from_data(doc), dt.date(2026, 11, 30))
    assert report_json(report) == report.model_dump_json().encode()
    assert report_json(report, indent=2) == report.model_dump_json(indent=2).encode()
    assert Report.model_validate_json(report_json(report)).model_dump_json() == report.model_dump_json()


def test_a_bounded_memo_forgets_past_its_limit() -> None:
    memo = BoundedMemo(2)
    memo.update(a=1, b=2)
    assert memo.trim() == {"a": 1, "b": 2}
    memo["c"] = 3
    assert memo.trim() == {}


def _edited(path: list[str | int], value: object) -> dict:
    doc = json.loads((SEEDS / "faceswap-zao-style.json").read_text())
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


def test_products_differing_in_a_fact_a_condition_reads_share_no_violation(ruleset: RuleSet) -> None:
    """Each edit changes a fact the evidence of some violations shows (or a market's consumer count,
    which a penalty reads): a long-lived evaluator must answer each as a fresh one does."""
    edits = [
        (["audience", "min_age"], 12),
        (["audience", "min_age"], 13),
        (["audience", "min_age"], 9),
        (["data_practices", 0, "legal_basis"], "contract"),
        (["data_practices", 1, "notice", "discloses"], ["purposes"]),
        (["data_practices", 0, "transfers", 0, "to"], "JP"),
        (["data_practices", 0, "data_categories"], ["user.biometric.face"]),
        (["audience", "users_by_market"], {"CN": 2600000, "EU": 1100000, "US-CA": 500001}),
    ]
    shared = Evaluator(ruleset, "reference")
    day = dt.date(2026, 11, 30)
    seen = set()
    for path, value in edits:
        product = product_from_data(_edited(path, value))
        report = _json(shared.evaluate(product, day))
        assert report == _json(Evaluator(ruleset, "reference").evaluate(product, day))
        seen.add(report)
    assert len(seen) == len(edits)


def test_an_evidence_key_reads_only_the_facts_of_its_condition() -> None:
    explainer = Explainer()
    plan = explainer.prepared(conditions.parse({"fact": "product.flag", "eq": True}))

    def key(facts: dict) -> object:
        return SubjectEvidence(explainer, Subject("product", "p", "", facts)).key_of(plan)

    assert key({"product.flag": True, "product.other": 1}) == key({"product.flag": True, "product.other": 2})
    assert key({"product.flag": True}) != key({"product.flag": 1})
    assert key({"product.flag": True}) != key({})
    assert key({"product.flag": 1.0}) not in (key({"product.flag": 1}), key({"product.flag": True}))
    assert key({"product.flag": -0.0}) != key({"product.flag": 0.0})  # equal, but shown apart
    assert key({"product.flag": Source.data_subject}) != key({"product.flag": "data_subject"})
    assert key({"product.flag": ["a", 1]}) is None  # worked out each time


def test_verdicts_kept_across_markets_selections_and_missing_facts(ruleset: RuleSet) -> None:
    """Instruments not applying are kept by the product's markets and the selection, undecided rules
    by the facts the subject lacks, exposures by their penalties: none answers another product."""
    docs = []
    for markets in (["CN", "EU", "US-CA"], ["EU"], ["US-CA", "CN"], ["DE"]):
        docs.append(_edited(["markets"], markets))
    for field in ("legal_basis", "necessary_for_purpose", "retention_days"):
        doc = _edited(["markets"], ["CN", "EU", "US-CA"])
        doc["data_practices"][0].pop(field, None)
        docs.append(doc)
    # undecided rules whose condition reads two facts the seed leaves out: give one, then the other
    for field in ("cn_export_individuals_per_year", "cn_export_sensitive_individuals_per_year"):
        docs.append(_edited(["organization", field], 5))
    for field in ("biometric_identification", "systematic_monitoring"):
        docs.append(_edited(["data_practices", 0, field], False))
    shared = Evaluator(ruleset, "reference")
    day = dt.date(2026, 11, 30)
    seen = set()
    for doc in docs:
        product = product_from_data(doc)
        for selection in (None, ["EU"], ["CN", "US"]):
            try:
                fresh = Evaluator(ruleset, "reference").evaluate(product, day, selection)
            except ValueError:
                continue
            report = _json(shared.evaluate(product, day, selection))
            assert report == _json(fresh)
            seen.add(report)
    assert len(seen) > len(docs)
