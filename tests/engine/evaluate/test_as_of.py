"""Dates: the law in force on the as-of day, and duties that start later under `upcoming`."""

from __future__ import annotations

import datetime as dt

from engine.evaluate.evaluator import Evaluator
from engine.facts.inputs import product_from_data


def _ids(items) -> set[str]:
    return {i.rule_id for i in items}


def test_synthetic_media_duties_are_upcoming_before_2026_08_02_and_violations_after(
    durable: Evaluator, load_seed
) -> None:
    product = product_from_data(load_seed("faceswap-zao-style.json"))
    before = durable.evaluate(product, dt.date(2026, 7, 1))
    after = durable.evaluate(product, dt.date(2026, 8, 3))

    def art50(ids: set[str]) -> set[str]:
        return {
            i
            for i in ids
            if i.startswith("eu-aia-")
            and durable.ruleset.rules_by_id[i].citation.startswith("AI Act Art. 50")
        }

    def aita(ids: set[str]) -> set[str]:
        return {i for i in ids if i.startswith("us-ca-aita-")}

    assert art50(_ids(before.upcoming)) and aita(_ids(before.upcoming))
    assert not art50(_ids(before.violations)) and not aita(_ids(before.violations))
    assert art50(_ids(before.upcoming)) <= art50(_ids(after.violations)) | art50(_ids(after.upcoming))
    assert art50(_ids(after.violations)) and aita(_ids(after.violations))
    for u in before.upcoming:
        assert u.effective_from > dt.date(2026, 7, 1)
    # a rule is never both a violation and upcoming for the same subject
    for report in (before, after):
        now = {(v.rule_id, v.subject.path) for v in report.violations}
        later = {(u.rule_id, u.subject.path) for u in report.upcoming}
        assert not now & later


def test_nothing_is_in_force_before_the_earliest_rule(durable: Evaluator, load_seed) -> None:
    earliest = min(
        max(r.effective.from_, durable.ruleset.instrument(r.instrument_id).in_force)
        for r in durable.ruleset.rules
    )
    for name in ("faceswap-zao-style.json", "adtech-sdk.json", "companion-chatbot.json"):
        report = durable.evaluate(product_from_data(load_seed(name)), earliest - dt.timedelta(days=1))
        assert report.violations == []
        assert report.summary.exposure == []


def test_expired_versions_do_not_apply_today(durable: Evaluator, load_seed) -> None:
    today = dt.date(2026, 11, 30)
    report = durable.evaluate(product_from_data(load_seed("adtech-sdk.json")), today)
    for v in report.violations:
        rule = durable.ruleset.rules_by_id[v.rule_id]
        assert rule.effective.in_force(today), v.rule_id
