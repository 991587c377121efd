"""The z3 encoding of facts and conditions for the static checks (:mod:`engine.analysis.static_checks`).

Each fact becomes a variable (Bool, Int, Real; a Bool per list item; a "known" flag for facts
that may be unknown; a "null" flag where null is a value) and each atom a formula of the
three-valued "definitely true" semantics the engines implement. The domain is what is true of
every description: enum values, the bounds of the product model's numbers, and what the forms of
the derived facts (:mod:`engine.facts.derived`) make true — taxonomy closure, market folding,
practice facts contained in product facts. Domain constraints are only ever facts true of every
description, so a missing constraint can only hide a finding, never make one up.
"""

from __future__ import annotations

import itertools
import typing
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from engine.core.extras import require
from engine.core.jurisdictions import market_of, member_of, parts_of
from engine.facts.derived import (
    DERIVED,
    DERIVED_BY_PATH,
    AnyHolds,
    Closure,
    Converted,
    Counted,
    Derived,
    Places,
    Present,
    closure_of,
    gathered_into,
    item_kind,
    offered_places,
)
from engine.facts.registry import FACT_PREFIX, NULL_IS_VALUE, fact_specs
from engine.law.conditions import Atom

z3 = require("z3", "lint", "regulint lint's static checks (z3)")


@dataclass
class Node:
    """A condition node in negation normal form, with the line it was written on."""

    kind: str  # all | any | atom
    line: int
    items: list[Node] = field(default_factory=list)
    atom: Atom | None = None


@cache
def _numeric_bounds() -> dict[str, tuple[float | None, float | None]]:
    """Lower and upper bounds of numeric facts, from the product model's field constraints."""
    out: dict[str, tuple[float | None, float | None]] = {}

    def metadata(annotation: Any, extra: list[Any]) -> list[Any]:
        found = list(extra)
        stack = [annotation]
        while stack:
            a = stack.pop()
            if typing.get_origin(a) is typing.Annotated:
                for m in typing.get_args(a)[1:]:
                    found.extend(getattr(m, "metadata", None) or [m])
                stack.append(typing.get_args(a)[0])
            else:
                stack.extend(x for x in typing.get_args(a) if x is not type(None))
        return found

    for model, prefix in FACT_PREFIX.items():
        if prefix is None:
            continue
        for name, f in model.model_fields.items():
            low: float | None = None
            high: float | None = None
            for m in metadata(f.annotation, list(f.metadata)):
                if getattr(m, "ge", None) is not None:
                    low = float(m.ge)
                if getattr(m, "gt", None) is not None:
                    low = float(m.gt) + 1e-9
                if getattr(m, "le", None) is not None:
                    high = float(m.le)
            if low is not None or high is not None:
                out[f"{prefix}.{name}"] = (low, high)
    for d in DERIVED:  # amounts and counts are never negative
        if isinstance(d.form, Converted | Counted):
            out[d.path] = (0.0, None)
    return out


class Encoder:
    """z3 variables and formulas for the facts of one subject kind."""

    def __init__(self, subject: str):
        self.subject = subject
        self.specs = fact_specs()
        self.vars: dict[tuple[str, Any], Any] = {}
        self.codes: dict[Any, int] = {}
        self.domain: list[Any] = []
        self.items: dict[str, set[Any]] = {}
        self._nodes: dict[tuple[str, int], tuple[Node, Any]] = {}

    # variables
    def _var(self, key: tuple[str, Any], make: Any) -> Any:
        if key not in self.vars:
            self.vars[key] = make()
        return self.vars[key]

    def code(self, value: Any) -> int:
        if value not in self.codes:
            self.codes[value] = len(self.codes) + 1
        return self.codes[value]

    def known(self, path: str) -> Any:
        if not self.specs[path].may_be_missing:
            return z3.BoolVal(True)
        return self._var(("known", path), lambda: z3.Bool(f"known:{path}"))

    def null(self, path: str) -> Any:
        return self._var(("null", path), lambda: z3.Bool(f"null:{path}"))

    def value(self, path: str) -> Any:
        spec = self.specs[path]

        def make() -> Any:
            if spec.type == "bool":
                return z3.Bool(f"v:{path}")
            if spec.type == "int":
                v = z3.Int(f"v:{path}")
            elif spec.type == "number":
                v = z3.Real(f"v:{path}")
            else:  # str: coded as an integer; enums are limited to their values
                v = z3.Int(f"v:{path}")
                if spec.values is not None:
                    self.domain.append(z3.Or([v == self.code(x) for x in spec.values]))
                return v
            low, high = _numeric_bounds().get(path, (None, None))
            if low is not None:
                self.domain.append(v >= low)
            if high is not None:
                self.domain.append(v <= high)
            return v

        return self._var(("value", path), make)

    def has(self, path: str, item: Any) -> Any:
        self.items.setdefault(path, set()).add(item)
        return self._var(("has", path, item), lambda: z3.Bool(f"has:{path}:{item}"))

    # formulas
    def _eq(self, path: str, x: Any) -> Any:
        spec = self.specs[path]
        nullable = path_nullable(path)
        if x is None:
            return self.null(path) if nullable else z3.BoolVal(False)
        if spec.type == "bool":
            eq = self.value(path) == z3.BoolVal(bool(x))
        elif spec.type in ("int", "number"):
            eq = self.value(path) == _num(x)
        else:
            eq = self.value(path) == self.code(x)
        return z3.And(z3.Not(self.null(path)), eq) if nullable else eq

    def atom(self, a: Atom) -> Any:
        """The formula that holds exactly when the atom is definitely true."""
        path, op, x = a.fact, a.op, a.value
        if op == "exists":
            return self.known(path)
        if op == "missing":
            return z3.Not(self.known(path))
        if op == "eq":
            body = self._eq(path, x)
        elif op == "ne":
            body = z3.Not(self._eq(path, x))
        elif op == "in":
            body = z3.Or([self._eq(path, v) for v in x])
        elif op == "not_in":
            body = z3.And([z3.Not(self._eq(path, v)) for v in x])
        elif op in ("lt", "lte", "gt", "gte"):
            v = self.value(path)
            cmp = {"lt": v < _num(x), "lte": v <= _num(x), "gt": v > _num(x), "gte": v >= _num(x)}[op]
            is_null = self.null(path) if path_nullable(path) else z3.BoolVal(False)
            body = z3.Or(is_null, z3.Not(cmp)) if a.negated else z3.And(z3.Not(is_null), cmp)
        elif op == "contains":
            body = z3.Not(self.has(path, x)) if a.negated else self.has(path, x)
        elif op == "contains_any":
            body = z3.Or([self.has(path, v) for v in x])
        elif op == "contains_none":
            body = z3.And([z3.Not(self.has(path, v)) for v in x])
        else:  # pragma: no cover - parse() rejects other operators
            raise ValueError(op)
        return z3.And(self.known(path), body)

    def node(self, n: Node) -> Any:
        key = ("node", id(n))
        if key in self._nodes:
            return self._nodes[key][1]
        if n.kind == "atom":
            assert n.atom is not None
            out = self.atom(n.atom)
        else:
            parts = [self.node(c) for c in n.items]
            out = z3.And(parts) if n.kind == "all" else z3.Or(parts)
        self._nodes[key] = (n, out)  # keep n alive so its id is not reused
        return out

    def constraints(self) -> list[Any]:
        """Facts true of every description, over the variables made so far: what the forms of
        the derived facts (:mod:`engine.facts.derived`) make true."""
        out = list(self.domain)
        # taxonomy lists carry every ancestor key; place lists fold a member state into its market
        for path, items in list(self.items.items()):
            closed = closure_of(path) is not None
            places = item_kind(path) == "place"
            for item in list(items):
                if not isinstance(item, str):
                    continue
                if closed:
                    parts = item.split(".")
                    for i in range(1, len(parts)):
                        parent = ".".join(parts[:i])
                        if parent in items:
                            out.append(z3.Implies(self.has(path, item), self.has(path, parent)))
                elif places:
                    m = market_of(item)
                    if m and m != item and m in items:
                        out.append(z3.Implies(self.has(path, item), self.has(path, m)))
                    if offered_places(path):  # a country offered: every market within it too
                        for part in parts_of(item):
                            if part in items:
                                out.append(z3.Implies(self.has(path, item), self.has(path, part)))
        # a single taxonomy key with its ancestors is a chain: two unrelated keys never both
        for d in DERIVED:
            if isinstance(d.form, Closure) and d.form.single:
                keys = sorted(k for k in self.items.get(d.path, ()) if isinstance(k, str))
                for a, b in itertools.combinations(keys, 2):
                    if not (b.startswith(a + ".") or a.startswith(b + ".")):
                        out.append(z3.Not(z3.And(self.has(d.path, a), self.has(d.path, b))))
        # what a practice (transfer) has, its product has
        for small in DERIVED:
            for big in gathered_into(small.path):
                for item in set(self.items.get(small.path, ())) & set(self.items.get(big, ())):
                    out.append(z3.Implies(self.has(small.path, item), self.has(big, item)))
        for form in (Places, AnyHolds, Present):
            out += [c for d in DERIVED if isinstance(d.form, form) for c in self._form_constraints(d)]
        # amounts converted from one input are known together
        for amount in dict.fromkeys(d.form.input for d in DERIVED if isinstance(d.form, Converted)):
            known = [
                ("known", d.path) for d in DERIVED if isinstance(d.form, Converted) and d.form.input == amount
            ]
            present = [self.vars[k] for k in known if k in self.vars]
            for a, b in itertools.pairwise(present):
                out.append(a == b)
        return out

    def _form_constraints(self, d: Derived) -> list[Any]:
        form = d.form
        out: list[Any] = []
        if isinstance(form, Places) and len(form.inputs) == 1:
            # places of one plain fact (a transfer's ``to``): the place and the market it folds into
            source = d.input_fact(form.inputs[0])
            if source not in DERIVED_BY_PATH and (("value", source) in self.vars or d.path in self.items):
                to = self.value(source)
                for item in list(self.items.get(d.path, ())):
                    places = [item] + [m for m, j in member_of().items() if j == item]
                    out.append(self.has(d.path, item) == z3.Or([to == self.code(p) for p in places]))
        elif isinstance(form, AnyHolds) and ("value", d.path) in self.vars:
            for p in form.facts:  # one practice that does it is the product doing it
                if ("value", p) in self.vars:
                    out.append(z3.Implies(self.value(p), self.value(d.path)))
        elif isinstance(form, Present) and self.subject == form.input and ("value", d.path) in self.vars:
            out.append(self.value(d.path))  # the block's own subject exists only with the block
        return out


def _num(x: Any) -> Any:
    if isinstance(x, int) and not isinstance(x, bool):
        return z3.IntVal(x)
    return z3.RealVal(str(Decimal(str(x))))


def path_nullable(path: str) -> bool:
    """Whether null is a value of ``path`` (not "unknown")."""
    return path in NULL_IS_VALUE


__all__ = ["Encoder", "Node", "path_nullable", "z3"]
