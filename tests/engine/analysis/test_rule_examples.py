"""Every rule's examples behave, through durable_rules and through the reference evaluator."""

from __future__ import annotations

import pytest

from engine.analysis.lint import example_date
from engine.evaluate.evaluator import Evaluator
from engine.facts.inputs import product_from_data
from engine.law.loader import load_rulesets

_RULESET = load_rulesets()
_CASES = [
    pytest.param(rule.id, kind, n, id=f"{rule.id}-{kind}-{n}")
    for rule in _RULESET.rules
    for kind, examples in (("violating", rule.violating), ("compliant", rule.compliant))
    for n in range(len(examples))
]


def _verdict(evaluator: Evaluator, rule_id: str, kind: str, n: int) -> tuple[bool, bool, bool]:
    rule = evaluator.ruleset.rules_by_id[rule_id]
    example = (rule.violating if kind == "violating" else rule.compliant)[n]
    report = evaluator.evaluate(
        product_from_data(example.product), example_date(rule, evaluator.ruleset, example)
    )
    fired = any(v.rule_id == rule_id for v in report.violations)
    undecided = any(i.rule_id == rule_id for i in report.insufficient_information)
    in_scope = not any(x.instrument == rule.instrument_id for x in report.not_applicable)
    return fired, undecided, in_scope


@pytest.mark.parametrize(("rule_id", "kind", "n"), _CASES)
@pytest.mark.parametrize("backend", ["durable", "reference"])
def test_example_behaves(rule_id: str, kind: str, n: int, backend: str, durable, reference) -> None:
    evaluator = durable if backend == "durable" else reference
    fired, undecided, in_scope = _verdict(evaluator, rule_id, kind, n)
    if kind == "violating":
        assert fired, f"{rule_id}: violating example {n} does not fire ({backend})"
    else:
        assert in_scope, f"{rule_id}: compliant example {n} is outside the instrument's scope"
        assert not fired, f"{rule_id}: compliant example {n} fires ({backend})"
        assert not undecided, f"{rule_id}: compliant example {n} leaves the rule undecided ({backend})"


def test_every_rule_has_both_kinds_of_example() -> None:
    assert _RULESET.rules, "no rules shipped"
    for rule in _RULESET.rules:
        assert rule.violating and rule.compliant, rule.id
        assert rule.citation and rule.source.startswith("http") and rule.remediation, rule.id
