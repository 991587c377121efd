"""The durable_rules wrapper: compiled conditions agree with the reference evaluator, and the
engine's sharp edges (research/durable-rules-bench.md) stay handled."""

from __future__ import annotations

import datetime as dt
import random
import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.decide.durable import MAX_RULES_PER_RULESET, DurableEngine
from engine.decide.protocol import Check
from engine.decide.reference import ReferenceEngine
from engine.evaluate.evaluator import Evaluator
from engine.facts.inputs import product_from_data
from engine.facts.registry import Subject, fact_specs
from engine.law.conditions import All, AnyOf, Atom, Condition, Not
from engine.law.loader import load_rulesets

# A small vocabulary of practice facts of every type, with the values conditions test.
_PATHS = {
    "practice.consent.explicit": [True, False],
    "practice.legal_basis": ["consent", "contract", "none", "legitimate_interests"],
    "practice.retention_days": [None, 1, 30, 365, 366, 10_000],
    "practice.data_categories": ["user", "user.biometric", "user.biometric.voice", "user.contact.email"],
    "product.audience.min_age": [0, 12, 13, 16, 18],  # may be unknown
    "product.organization.annual_revenue_usd": [0.0, 26625000, 26625000.01, 0.00001, 1e9],  # may be unknown
    "product.organization.revenue_share_from_selling_data": [0.0, 0.5, 0.49999, 1.0],  # may be unknown
    "transfer.impact_assessment": [True, False],  # may be unknown
}


def _random_atom(rng: random.Random) -> Atom:
    path = rng.choice(sorted(_PATHS))
    spec = fact_specs()[path]
    values = _PATHS[path]
    if spec.type == "list":
        op = rng.choice(["contains", "contains_any", "contains_none"])
        value = rng.choice(values) if op == "contains" else tuple(rng.sample(values, rng.randint(1, 3)))
        return Atom(path, op, value, negated=op == "contains" and rng.random() < 0.3)
    ops = ["eq", "ne", "in", "not_in"] + (
        ["lt", "lte", "gt", "gte"] if spec.type in ("int", "number") else []
    )
    ops += ["exists", "missing"] if spec.may_be_missing else []
    op = rng.choice(ops)
    plain = [v for v in values if v is not None]
    if op in ("exists", "missing"):
        return Atom(path, op, True)
    if op in ("in", "not_in"):
        return Atom(path, op, tuple(rng.sample(values, rng.randint(1, min(3, len(values))))))
    if op in ("lt", "lte", "gt", "gte"):
        v = rng.choice(plain)
        return Atom(path, op, v, negated=rng.random() < 0.3)
    return Atom(path, op, rng.choice(values))


def _random_condition(rng: random.Random, depth: int = 0) -> Condition:
    roll = rng.random()
    if depth >= 3 or roll < 0.45:
        return _random_atom(rng)
    if roll < 0.6:
        return Not(_random_condition(rng, depth + 1))
    items = tuple(_random_condition(rng, depth + 1) for _ in range(rng.randint(2, 3)))
    return All(items) if roll < 0.8 else AnyOf(items)


_RNG = random.Random(20261130)
_CHECKS = [Check(f"c{n}", "transfer", _random_condition(_RNG)) for n in range(300)]
_DURABLE = DurableEngine(_CHECKS)
_REFERENCE = ReferenceEngine(_CHECKS)


@st.composite
def _facts(draw: st.DrawFn) -> dict:
    out = {}
    for path, values in _PATHS.items():
        spec = fact_specs()[path]
        if spec.type == "list":
            out[path] = draw(st.lists(st.sampled_from(values), unique=True))
        elif spec.may_be_missing and draw(st.booleans()):
            continue  # unknown
        else:
            out[path] = draw(st.sampled_from([v for v in values if v is not None or not spec.may_be_missing]))
    return out


@settings(max_examples=300, deadline=None)
@given(_facts())
def test_compiled_conditions_agree_with_reference(facts: dict) -> None:
    subject = Subject("transfer", "p/transfers[0]", "data_practices[0].transfers[0].", facts)
    got = _DURABLE.decide([subject])[0]
    want = _REFERENCE.decide([subject])[0]
    assert got.true == want.true
    assert got.unknown == want.unknown
    # one fire per check found true or unknown, none for the others (split checks aside)
    calls = _DURABLE.calls([subject])
    assert calls.results == len(want.true) + len(want.unknown)
    assert set(calls.most_fires) == want.true | want.unknown
    assert {k: n for k, n in calls.most_fires.items() if n > 1 and k not in _DURABLE.split_checks} == {}


def test_layout_respects_durable_limits() -> None:
    stats = _DURABLE.stats()
    # chunked, never one huge ruleset (durable_rules hangs past 512 children of one node)
    fewest_chunks = -(-stats["durable_rules"] // MAX_RULES_PER_RULESET)  # ceiling division
    assert fewest_chunks > 1
    assert stats["rulesets"] >= fewest_chunks
    assert stats["max_properties"] <= 250  # durable_rules allows 252 properties per fact


def test_random_conditions_compile_to_one_durable_rule_each() -> None:
    # a definite and an unknown rule per check; a few are too large for one durable rule
    assert len(_DURABLE.split_checks) <= len(_CHECKS) // 20
    assert _DURABLE.stats()["durable_rules"] <= 2 * len(_CHECKS) + 4 * len(_DURABLE.split_checks)


def test_a_check_fires_once_whichever_way_it_holds() -> None:
    age, share = "product.audience.min_age", "product.organization.revenue_share_from_selling_data"
    either = AnyOf((Atom(age, "lt", 16), Atom(share, "gt", 0.5), Atom(age, "in", (3, 4))))
    engine = DurableEngine([Check("x", "product", either)])

    def fires(facts: dict) -> tuple[int, set[str], set[str]]:
        subject = Subject("product", "p", "", facts)
        decision = engine.decide([subject])[0]
        return engine.calls([subject]).fires, decision.true, decision.unknown

    assert fires({age: 3, share: 0.9}) == (1, {"x"}, set())  # all three branches hold: one fire
    assert fires({age: 3}) == (1, {"x"}, set())  # true although a fact is unknown: no unknown fire
    assert fires({age: 30}) == (1, set(), {"x"})  # only the unknown share can make it true
    assert fires({age: 30, share: 0.1}) == (0, set(), set())  # false: nothing fires


def test_each_check_fires_once_per_subject_on_the_shipped_rules() -> None:
    """Redundant fires (a rule's alternatives each firing, an unknown rule beside a true one)
    cost a C call each; only checks too large for one durable rule may fire twice."""
    from engine.facts.registry import build_subjects

    day = dt.date(2026, 11, 30)
    ruleset = load_rulesets()
    engine = Evaluator(ruleset).decider_at(day)
    assert isinstance(engine, DurableEngine)
    subjects = []
    for rule in ruleset.rules:
        for example in rule.violating + rule.compliant:
            subjects += build_subjects(product_from_data(example.product), day)
    calls = engine.calls(subjects)
    assert calls.results > len(subjects)  # the examples make many checks true or unknown
    assert {k: n for k, n in calls.most_fires.items() if n > 1 and k not in engine.split_checks} == {}
    assert len(engine.split_checks) <= 8  # of ~175 checks; more means the compiler regressed
    assert calls.starts <= calls.asserts <= engine.stats()["rulesets"] * len(subjects)


def test_the_fact_encoder_writes_what_the_readable_encoding_says() -> None:
    """``_encode_fact`` (fragments precomputed) writes the properties of ``_encode`` (the spec)."""
    import json

    from engine.decide import durable
    from engine.facts.registry import build_subjects

    day = dt.date(2026, 11, 30)
    ruleset = load_rulesets()
    engine = Evaluator(ruleset).decider_at(day)
    assert isinstance(engine, DurableEngine)
    subjects = [Subject("transfer", "t", "", {})]  # facts the chunks test, all missing
    for rule in ruleset.rules[:40]:
        for example in rule.violating + rule.compliant:
            subjects += build_subjects(product_from_data(example.product), day)
    for subject in subjects:
        for chunk in engine._chunks.get(subject.kind, ()):
            written = json.loads(durable._encode_fact(chunk.plan, subject.facts, 7))
            spec = {"k": subject.kind, "sid": "regulint", "id": "7", **engine._encode(chunk, subject.facts)}
            assert written == json.loads(durable.to_json(spec))


def test_nothing_matches_is_not_an_error() -> None:
    engine = DurableEngine([Check("x", "product", Atom("product.governance.dpo_appointed", "eq", True))])
    decision = engine.decide([Subject("product", "p", "", {"product.governance.dpo_appointed": False})])[0]
    assert decision.true == set() and decision.unknown == set()


def test_negative_only_condition_does_not_loop() -> None:
    # a rule testing only absence would match durable's own state fact without the anchor
    engine = DurableEngine([Check("x", "product", Atom("product.audience.min_age", "missing", True))])
    assert engine.decide([Subject("product", "p", "", {})])[0].true == {"x"}
    assert engine.decide([Subject("product", "p", "", {"product.audience.min_age": 3})])[0].true == set()


def test_many_engines_do_not_collide_in_the_registry() -> None:
    checks = [Check("x", "product", Atom("product.governance.dpo_appointed", "eq", True))]
    engines = [DurableEngine(checks) for _ in range(5)]
    subject = Subject("product", "p", "", {"product.governance.dpo_appointed": True})
    assert all(e.decide([subject])[0].true == {"x"} for e in engines)


def test_no_state_leaks_between_evaluations() -> None:
    engine = DurableEngine([Check("x", "practice", Atom("practice.consent.explicit", "eq", False))])
    yes = Subject("practice", "a", "data_practices[0].", {"practice.consent.explicit": False})
    no = Subject("practice", "b", "data_practices[1].", {"practice.consent.explicit": True})
    for _ in range(2000):  # far past durable_rules' 1,024 live sessions
        assert engine.decide([yes])[0].true == {"x"}
        assert engine.decide([no])[0].true == set()


def test_concurrent_callers_get_the_answers_of_serial_calls() -> None:
    ruleset = load_rulesets()
    evaluator = Evaluator(ruleset)
    products = []
    for rule in ruleset.rules[:40]:
        for example in rule.violating + rule.compliant:
            products.append(product_from_data(example.product))
    day = dt.date(2026, 11, 30)
    serial = [evaluator.evaluate(p, day).model_dump_json() for p in products]
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for n in range(worker, len(products), 8):
                results[n] = evaluator.evaluate(products[n], day).model_dump_json()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert [results[n] for n in range(len(products))] == serial


def test_tiny_and_huge_numbers_reach_durable_without_exponents() -> None:
    engine = DurableEngine(
        [Check("x", "product", Atom("product.organization.revenue_share_from_selling_data", "gt", 0.000001))]
    )
    facts = {"product.organization.revenue_share_from_selling_data": 0.00001}
    assert engine.decide([Subject("product", "p", "", facts)])[0].true == {"x"}
