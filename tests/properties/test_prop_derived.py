"""Derived facts: the three readings of engine/facts/derived.py agree with each other.

- The static checks' domain (engine/analysis/z3_domain.py) claims only what is true of every
  description: the facts the fact builder computes for any generated description, taken as a
  z3 model, satisfy every domain constraint (else lint could call a reachable rule dead).
- The edit walk's inversion (engine/fix/edits.py) does what it says: every move it proposes to
  make an item leave a derived list fact does make it leave.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from typing import Any

from hypothesis import given, note
from profiles import budget
from prophelpers import durable
from pydantic import ValidationError

from engine.analysis.z3_domain import Encoder, z3
from engine.facts.derived import DERIVED, Derived, Gathered, derived, item_kind
from engine.facts.product import Product
from engine.facts.registry import NAMESPACES, build_subjects, fact_specs
from engine.fix.edits import apply_edits, falsifying_edits
from engine.law.conditions import atoms
from engine.testing.strategies import products

DAY = dt.date(2026, 6, 1)


@cache
def _encoder(kind: str) -> tuple[Any, list[Any]]:
    """An encoder for ``kind`` over every atom the shipped rules and scopes test, and its domain."""
    enc = Encoder(kind)
    ruleset = durable().ruleset
    for inst in ruleset.instruments:
        conds = [inst.scope] + [r.when for r in inst.rules if r.subject == kind]
        for cond in conds:
            for a in atoms(cond):
                enc.atom(a)
    # every derived fact the subject carries takes part, a list fact with every item the rules
    # name on any list of the same kind of item (so gathering is encoded item by item)
    named: dict[str | None, set[Any]] = {}
    for path, items in list(enc.items.items()):
        named.setdefault(item_kind(path), set()).update(items)
    for d in DERIVED:
        if d.namespace not in NAMESPACES[kind]:
            continue
        if d.type != "list":
            enc.value(d.path)
            continue
        for item in sorted(named.get(item_kind(d.path), ()) if item_kind(d.path) else (), key=str):
            enc.has(d.path, item)
    return enc, enc.constraints()


def _z3_value(spec_type: str, enc: Encoder, value: Any) -> Any:
    if spec_type == "bool":
        return z3.BoolVal(bool(value))
    if spec_type == "int":
        return z3.IntVal(int(value))
    if spec_type == "number":
        return z3.RealVal(str(Decimal(str(value))))
    return z3.IntVal(enc.code(value))


def _facts_as_model(enc: Encoder, facts: dict[str, Any]) -> list[Any]:
    specs = fact_specs()
    out = []
    for key, var in list(enc.vars.items()):
        kind, path = key[0], key[1]
        if kind == "known":
            out.append(var == z3.BoolVal(path in facts))
        elif kind == "null" and path in facts:
            out.append(var == z3.BoolVal(facts[path] is None))
        elif kind == "value" and facts.get(path) is not None:
            out.append(var == _z3_value(specs[path].type, enc, facts[path]))
        elif kind == "has" and path in facts:
            out.append(var == z3.BoolVal(key[2] in (facts[path] or ())))
    return out


@budget(60)
@given(products())
def test_every_description_satisfies_the_static_domain(doc: dict[str, Any]) -> None:
    for subject in build_subjects(Product.model_validate(doc), DAY):
        enc, domain = _encoder(subject.kind)
        solver = z3.Solver()
        solver.add(domain)
        solver.add(_facts_as_model(enc, subject.facts))
        note(f"{subject.kind} {subject.id}")
        assert solver.check() == z3.sat, f"the z3 domain excludes the facts of {subject.kind} {subject.id}"


def _chain(d: Derived) -> list[str]:
    """``d`` and the child facts it gathers, down to the one the document states."""
    out = [d.path]
    while isinstance(d.form, Gathered):
        child = derived(d.form.fact)
        assert child is not None
        out.append(child.path)
        d = child
    return out


@budget(40)
@given(products(transfers=True))
def test_removing_moves_make_the_item_leave_the_fact(doc: dict[str, Any]) -> None:
    """A move for a fact of the subject's own takes the item out of it; a move for a gathered
    fact (the product's purposes) changes one child, so fewer subjects carry the item."""
    product = Product.model_validate(doc)
    subjects = build_subjects(product, DAY)
    for subject in subjects:
        path = subject.doc_prefix.rstrip(".")
        for d in DERIVED:
            items = subject.facts.get(d.path)
            if d.type != "list" or not items:
                continue
            item = items[-1]
            chain = _chain(d)
            before = _carriers(subjects, chain, item)
            for move in falsifying_edits(doc, path, d.path, "contains", item)[:4]:
                try:
                    changed = Product.model_validate(apply_edits(doc, list(move)))
                except ValidationError:
                    continue  # a move that leaves an invalid description is undone by its users
                again = build_subjects(changed, DAY)
                note(f"{d.path} contains {item!r}: {move}")
                if isinstance(d.form, Gathered):
                    assert _carriers(again, chain, item) < before, (d.path, item, move)
                else:
                    same = [s for s in again if s.kind == subject.kind and s.id == subject.id]
                    assert not same or item not in same[0].facts.get(d.path, []), (d.path, item, move)


def _carriers(subjects: list[Any], paths: list[str], item: Any) -> int:
    return sum(item in (s.facts.get(p) or ()) for s in subjects for p in paths)
