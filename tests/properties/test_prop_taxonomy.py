"""Taxonomy: a rule on a parent key fires for every child key.

For every rule that requires a taxonomy key K (``contains``/``contains_any`` in a positive
position of its condition), take its violating examples, and replace a key of the example that
is K or under K by any other key under K: the rule still fires on the same subject. Children
that the rule itself singles out (in a negative position, ``contains_none``, or as a narrower
positive key) are left out — the rule then lawfully treats that child differently.
"""

from __future__ import annotations

import copy
from functools import cache

from hypothesis import assume, given, note
from hypothesis import strategies as st
from profiles import budget
from prophelpers import durable, model

from engine.analysis.lint import example_date
from engine.core import taxonomy
from engine.facts.registry import list_item_kind
from engine.law.conditions import All, AnyOf, Atom, to_nnf


def _polar_atoms(cond, out):
    if isinstance(cond, Atom):
        out.append(cond)
    elif isinstance(cond, All | AnyOf):
        for c in cond.items:
            _polar_atoms(c, out)
    return out


@cache
def _cases() -> tuple[tuple[str, str, str, tuple[str, ...]], ...]:
    """(rule id, field kind, parent key, negative keys) for every positive taxonomy requirement."""
    out = []
    for rule in durable().ruleset.rules:
        atoms = _polar_atoms(to_nnf(rule.when), [])
        negative: set[str] = set()
        for a in atoms:
            kind = list_item_kind(a.fact)
            if kind and (a.op == "contains_none" or (a.op == "contains" and a.negated)):
                negative.update(a.value if isinstance(a.value, tuple) else (a.value,))
        positive = [
            (list_item_kind(a.fact), key)
            for a in atoms
            if list_item_kind(a.fact) in ("data_category", "data_use")
            and a.op in ("contains", "contains_any")
            and not a.negated
            for key in (a.value if isinstance(a.value, tuple) else (a.value,))
        ]
        for kind, key in positive:
            # a rule that also names a narrower key under this one treats those children apart
            if not any(k2 == kind and _under(other, key) and other != key for k2, other in positive):
                out.append((rule.id, kind, key, tuple(sorted(negative))))
    return tuple(sorted(set(out)))


def _under(key: str, parent: str) -> bool:
    return key == parent or key.startswith(parent + ".")


@budget(150)
@given(data=st.data())
def test_a_rule_on_a_parent_key_fires_for_every_child_key(data) -> None:
    cases = _cases()
    assume(cases)
    rule_id, kind, parent, negative = data.draw(st.sampled_from(cases), label="case")
    rule = durable().ruleset.rules_by_id[rule_id]
    children = sorted(
        k
        for k in taxonomy.keys(kind)
        if _under(k, parent) and not any(_under(k, n) or _under(n, k) and n != parent for n in negative)
    )
    child = data.draw(st.sampled_from(children), label="child")
    n = data.draw(st.integers(0, len(rule.violating) - 1), label="example")
    example = rule.violating[n]
    doc = copy.deepcopy(example.product)
    replaced = False
    for p in doc.get("data_practices") or []:
        if kind == "data_category":
            cats = p.get("data_categories") or []
            if any(_under(c, parent) for c in cats):
                p["data_categories"] = [child if _under(c, parent) else c for c in cats]
                replaced = True
        elif p.get("purpose") and _under(p["purpose"], parent):
            p["purpose"] = child
            replaced = True
    assume(replaced)
    day = example_date(rule, durable().ruleset, example)
    before = {
        v.subject.path
        for v in durable().evaluate(model(example.product), day).violations
        if v.rule_id == rule_id
    }
    after = {v.subject.path for v in durable().evaluate(model(doc), day).violations if v.rule_id == rule_id}
    note(f"{rule_id}: {parent} -> {child}")
    assert before <= after, f"{rule_id} requires {parent} but does not fire for its child {child}"
