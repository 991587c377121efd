"""The same checks translated to OPA Rego and evaluated by regorus (``opa-eval``): a peer engine.

Each check becomes two Rego partial sets, ``t`` (the condition is definitely true) and ``p``
(it may be true: every atom on an unknown fact counted as true, like durable's "possible"
rules), so the translation is three-valued: unknown = ``p`` minus ``t``. Conditions are put
in negation normal form; an ``any`` becomes several bodies of one function, an ``all`` one
body (children with one body are inlined), an atom on an absent fact is undefined, which
reads as "not definitely true". Facts travel as one JSON input per product, grouped by
subject kind: ``{"practice": [{"practice.consent.explicit": false, ...}, ...], ...}``.

A construct that cannot be translated raises :class:`Untranslatable`; the bench then leaves
that check out of *both* sides of the Rego comparison and reports how many.
"""

from __future__ import annotations

import json
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.decide.protocol import Check, Decision
from engine.facts.registry import Subject, fact_specs
from engine.law.conditions import NUMERIC_OPS, All, AnyOf, Atom, Condition, atoms, to_nnf

PACKAGE = "regulint"


class Untranslatable(ValueError):
    """A condition construct this translator does not express in Rego."""


def _lit(value: Any) -> str:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise Untranslatable(f"non-finite number {value!r}")
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_lit(v) for v in value) + "]"
    if isinstance(value, dict | set):
        raise Untranslatable(f"constant of type {type(value).__name__}")
    text = json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and ("e" in text or "E" in text):
        text = format(Decimal(repr(value)), "f")
    return text


_CMP = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
_NOT_CMP = {"lt": ">=", "lte": ">", "gt": "<=", "gte": "<"}


class _Translator:
    def __init__(self) -> None:
        self.specs = fact_specs()
        self.functions: list[str] = []
        self._n = 0

    def _fresh(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    def atom_bodies(self, a: Atom, possible: bool) -> list[list[str]]:
        """Bodies (lists of expressions over ``f``), any one of which makes the atom hold."""
        f = f"f[{_lit(a.fact)}]"
        op, x = a.op, a.value
        if op == "exists":
            return [[f"has(f, {_lit(a.fact)})"]]
        if op == "missing":
            return [[f"not has(f, {_lit(a.fact)})"]]
        v = self._fresh("v")
        if op == "eq":
            bodies = [[f"{f} == {_lit(x)}"]]
        elif op == "ne":
            bodies = [[f"{f} != {_lit(x)}"]]
        elif op == "in":
            bodies = [[f"{f} in {_lit(list(x))}"]]
        elif op == "not_in":
            bodies = [[f"{v} := {f}", f"not {v} in {_lit(list(x))}"]]
        elif op in NUMERIC_OPS:
            if not isinstance(x, int | float) or isinstance(x, bool):
                raise Untranslatable(f"{op} with a non-number {x!r}")
            if a.negated:  # "not lt 5" holds on a null (null is neither smaller nor larger)
                bodies = [
                    [f"{f} == null"],
                    [f"{v} := {f}", f"is_number({v})", f"{v} {_NOT_CMP[op]} {_lit(x)}"],
                ]
            else:
                bodies = [[f"{v} := {f}", f"is_number({v})", f"{v} {_CMP[op]} {_lit(x)}"]]
        elif op == "contains":
            bodies = [[f"{v} := {f}", f"not {_lit(x)} in {v}"]] if a.negated else [[f"{_lit(x)} in {f}"]]
        elif op == "contains_any":
            bodies = [[f"any_in({f}, {_lit(list(x))})"]]
        elif op == "contains_none":
            bodies = [[f"{v} := {f}", f"not any_in({v}, {_lit(list(x))})"]]
        else:
            raise Untranslatable(f"operator {op}")
        if possible and (a.fact not in self.specs or self.specs[a.fact].may_be_missing):
            bodies.append([f"not has(f, {_lit(a.fact)})"])
        return bodies

    def bodies(self, cond: Condition, possible: bool) -> list[list[str]]:
        if isinstance(cond, Atom):
            return self.atom_bodies(cond, possible)
        if isinstance(cond, AnyOf):
            return [b for c in cond.items for b in self.bodies(c, possible)]
        if isinstance(cond, All):
            body: list[str] = []
            for c in cond.items:
                sub = self.bodies(c, possible)
                if len(sub) == 1:
                    body += sub[0]
                else:
                    body.append(self.function(sub) + "(f)")
            return [body]
        raise Untranslatable(f"{type(cond).__name__} outside negation normal form")

    def function(self, bodies: list[list[str]]) -> str:
        name = self._fresh("c")
        for body in bodies:
            self.functions.append(f"{name}(f) if {{\n\t" + "\n\t".join(body) + "\n}")
        return name


def translate(checks: list[Check]) -> tuple[str, list[Check], dict[str, str], set[str]]:
    """(Rego module, checks translated, {check key: reason} for those not, fact paths read).

    A check none of whose atoms reads a fact that may be unknown gets no ``p`` rule: its
    possible set is its definite set (the durable compiler makes the same cut).
    """
    specs = fact_specs()
    tr = _Translator()
    rules: list[str] = []
    done: list[Check] = []
    skipped: dict[str, str] = {}
    paths: set[str] = set()
    for check in checks:
        nnf = to_nnf(check.condition)
        needs_p = any(
            a.op not in ("exists", "missing") and (a.fact not in specs or specs[a.fact].may_be_missing)
            for a in atoms(nnf)
        )
        try:
            parts = []
            for mode, possible in (("t", False), ("p", True)):
                if possible and not needs_p:
                    continue
                for body in tr.bodies(nnf, possible):
                    parts.append(
                        f"{mode} contains [{_lit(check.kind)}, i, {_lit(check.key)}] if {{\n"
                        f"\tsome i, f in input[{_lit(check.kind)}]\n\t" + "\n\t".join(body) + "\n}"
                    )
        except Untranslatable as exc:
            skipped[check.key] = str(exc)
            continue
        rules += parts
        done.append(check)
        paths |= {a.fact for a in atoms(nnf)}
    module = "\n\n".join(
        [
            f"package {PACKAGE}\n\nimport rego.v1",
            "has(f, k) if {\n\t_ = f[k]\n}",
            "any_in(v, xs) if {\n\tsome x in xs\n\tx in v\n}",
            'default t := set()\n\ndefault p := set()\n\nout := {"t": t, "p": p}',
            *tr.functions,
            *rules,
        ]
    )
    return module + "\n", done, skipped, paths


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot send {type(value).__name__} to Rego")


class RegoEngine:
    """Same interface as :class:`engine.decide.durable.DurableEngine`, deciding through regorus."""

    def __init__(self, checks: list[Check]):
        import opa_eval

        self.module, self.checks, self.skipped, self.paths = translate(checks)
        self._dir = tempfile.TemporaryDirectory(prefix="regulint-rego-")
        path = Path(self._dir.name) / "regulint.rego"
        path.write_text(self.module, encoding="utf-8")
        self._opa = opa_eval.OpaEval(str(path), query=f"data.{PACKAGE}.out")
        self._dumps = json.JSONEncoder(ensure_ascii=False, default=_default, separators=(",", ":")).encode

    def decide(self, subjects: list[Subject]) -> list[Decision]:
        grouped: dict[str, list[dict[str, Any]]] = {}
        where: list[tuple[str, int]] = []
        for s in subjects:
            bucket = grouped.setdefault(s.kind, [])
            where.append((s.kind, len(bucket)))
            facts = s.facts
            bucket.append({p: facts[p] for p in self.paths if p in facts})  # only what the rules read
        result = self._opa.evaluate_parsed(self._dumps(grouped))
        true: dict[tuple[str, int], set[str]] = {}
        possible: dict[tuple[str, int], set[str]] = {}
        for kind, i, key in result["t"]:
            true.setdefault((kind, i), set()).add(key)
        for kind, i, key in result["p"]:
            possible.setdefault((kind, i), set()).add(key)
        out = []
        for w in where:
            t = true.get(w, set())
            out.append(Decision(t, possible.get(w, set()) - t))  # a check without a p rule: p == t
        return out
