"""Dates: the law in force on the as-of day, and duties that start later under ``upcoming``."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st
from profiles import budget
from prophelpers import days, durable, earliest_day, model

from engine.testing.strategies import products


@budget(120)
@given(doc=products(), back=st.integers(1, 3000))
def test_nothing_is_in_force_before_the_earliest_effective_date(doc, back) -> None:
    """Before the earliest ``effective.from`` (or instrument ``in_force``) there is no
    violation, no exposure and nothing undecided — only, possibly, upcoming duties."""
    day = earliest_day() - dt.timedelta(days=back)
    report = durable().evaluate(model(doc), day)
    assert report.violations == []
    assert report.summary.exposure == []
    assert report.insufficient_information == []
    assert all(u.effective_from > day for u in report.upcoming)


@budget(150)
@given(doc=products(), day=days())
def test_a_rule_is_never_both_violated_and_upcoming(doc, day) -> None:
    report = durable().evaluate(model(doc), day)
    ruleset = durable().ruleset
    now = {v.rule_id for v in report.violations}
    later = {u.rule_id for u in report.upcoming}
    assert not now & later
    for v in report.violations:
        rule = ruleset.rules_by_id[v.rule_id]
        assert rule.effective.in_force(day) and day >= ruleset.instrument(rule.instrument_id).in_force
    for i in report.insufficient_information:
        if i.rule_id:
            rule = ruleset.rules_by_id[i.rule_id]
            assert rule.effective.in_force(day) and day >= ruleset.instrument(rule.instrument_id).in_force
        else:  # an instrument whose applicability is unknown: only once it is in force
            inst = ruleset.instrument(i.instrument)
            assert day >= inst.in_force
            for rid in i.would_violate:
                assert ruleset.rules_by_id[rid].effective.in_force(day)
    for u in report.upcoming:
        assert u.effective_from > day


@budget(100)
@given(doc=products(), day=days())
def test_an_upcoming_duty_is_a_violation_on_the_day_it_starts(doc, day) -> None:
    """``upcoming`` is a promise: evaluated on its ``effective_from``, the same rule is violated
    by the same subject."""
    product = model(doc)
    report = durable().evaluate(product, day)
    for start in sorted({u.effective_from for u in report.upcoming})[:3]:
        then = durable().evaluate(product, start)
        fired = {(v.rule_id, v.subject.path) for v in then.violations}
        # a duty with a grace for processing already running asks when this one began
        asked = {
            (i.rule_id, i.subject.path)
            for i in then.insufficient_information
            if i.subject is not None and any(m.endswith(".started_on") for m in i.missing)
        }
        for u in report.upcoming:
            if u.effective_from == start:
                assert (u.rule_id, u.subject.path) in fired | asked
