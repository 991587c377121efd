"""``regulint lint``: validate rulesets, run every rule's examples, report what does not hold."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from engine.analysis.diagnostics import Code, Diagnostic
from engine.core.yamlio import YamlError
from engine.evaluate.evaluator import Evaluator
from engine.facts.inputs import InputError, product_from_data
from engine.law.loader import load_rulesets
from engine.law.model import Example, Rule, RuleSet
from engine.law.parameters import RulesetError


def example_date(rule: Rule, ruleset: RuleSet, example: Example) -> dt.date:
    """The day an example is evaluated on: its own ``as_of``, else the first day of the rule's
    latest version (the law as it stands after its last dated change; give ``as_of`` to test an
    earlier version)."""
    if example.as_of is not None:
        return example.as_of
    start = max(rule.effective.from_, ruleset.instrument(rule.instrument_id).in_force)
    versions = [
        d
        for d in rule.boundaries()
        if start <= d and (rule.effective.until is None or d <= rule.effective.until)
    ]
    return max([start, *versions])


def check_examples(ruleset: RuleSet, evaluator: Evaluator) -> list[Diagnostic]:
    """Every violating example violates its rule; every compliant one is in scope and does not.
    A diagnostic points at the example (where it is written)."""
    found: list[Diagnostic] = []
    for rule in ruleset.rules:
        for kind, examples in (("violating", rule.violating), ("compliant", rule.compliant)):
            for n, example in enumerate(examples):
                where = f"rule {rule.id}: {kind} example {n + 1}"
                at = example.span or rule.span
                try:
                    product = product_from_data(example.product, f"{rule.id}/{kind}[{n}]")
                except InputError as exc:
                    issues = "; ".join(str(i) for i in exc.issues[:3])
                    found.append(
                        Diagnostic(at, Code.EXAMPLE_INVALID, f"{where} is not a valid description: {issues}")
                    )
                    continue
                day = example_date(rule, ruleset, example)
                report = evaluator.evaluate(product, day)
                fired = any(v.rule_id == rule.id for v in report.violations)
                unknown = any(i.rule_id == rule.id for i in report.insufficient_information)
                scope_na = any(n.instrument == rule.instrument_id for n in report.not_applicable)
                scope_unknown = any(
                    i.about == "applicability" and i.instrument == rule.instrument_id
                    for i in report.insufficient_information
                )
                if kind == "violating" and not fired:
                    why = (
                        "the instrument does not apply to it"
                        if scope_na
                        else "the instrument's applicability is unknown"
                        if scope_unknown
                        else "the rule is undecided (insufficient information)"
                        if unknown
                        else "the rule does not fire"
                    )
                    message = f"{where} does not violate the rule on {day}: {why}"
                    found.append(Diagnostic(at, Code.EXAMPLE_NOT_VIOLATING, message))
                elif kind == "compliant":
                    if fired:
                        message = f"{where} violates the rule on {day}"
                        found.append(Diagnostic(at, Code.EXAMPLE_VIOLATING, message))
                    elif unknown:
                        message = f"{where} leaves the rule undecided (insufficient information)"
                        found.append(Diagnostic(at, Code.EXAMPLE_UNDECIDED, message))
                    elif scope_na or scope_unknown:
                        message = f"{where} is outside the instrument's scope, so it tests nothing"
                        found.append(Diagnostic(at, Code.EXAMPLE_OUT_OF_SCOPE, message))
    return found


def check_dates(ruleset: RuleSet) -> list[Diagnostic]:
    """Rules that take effect before their instrument is in force."""
    return [
        Diagnostic(
            rule.span,
            Code.DATE_BEFORE_INSTRUMENT,
            f"rule {rule.id} starts {rule.effective.from_}, before {inst.id} is in force "
            f"({inst.in_force}); the later date is used",
        )
        for inst in ruleset.instruments
        for rule in inst.rules
        if rule.effective.from_ < inst.in_force
    ]


def lint(path: str | Path | None = None) -> list[Diagnostic]:
    """Every diagnostic for the rulesets under ``path`` (default: the shipped ones)."""
    try:
        ruleset = load_rulesets(path)
    except (RulesetError, YamlError) as exc:
        return [Diagnostic.of_error(exc)]
    evaluator = Evaluator(ruleset)
    from engine.analysis import static_checks  # imported here: it needs z3 (regulint[lint])

    return check_dates(ruleset) + check_examples(ruleset, evaluator) + static_checks.run(ruleset)
