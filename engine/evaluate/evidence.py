"""Evidence: why a rule fired for a subject, and which facts an undecided condition lacks.

A fired rule's evidence is the atoms of its condition (in negation normal form) that hold on
the subject's facts, each as a JSON path into the submitted document with the value expected
and the value found. Imports the law's conditions and the report model only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.facts.registry import Subject
from engine.law import conditions
from engine.report.model import Evidence


def jsonable(value: Any) -> Any:
    """A fact or condition value as the report shows it (tuples as lists, Decimals as floats)."""
    if isinstance(value, tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    return value


class Explained:
    """A condition prepared once for explaining: its NNF, and per atom the op and expected value."""

    __slots__ = ("nnf", "atoms", "facts")

    def __init__(self, cond: conditions.Condition):
        self.nnf = conditions.to_nnf(cond)
        self.atoms = {
            id(a): (
                f"not {a.op}" if a.negated else a.op,
                jsonable(a.value) if a.op not in ("exists", "missing") else None,
            )
            for a in conditions.atoms(self.nnf)
        }
        self.facts = tuple(dict.fromkeys(a.fact for a in conditions.atoms(cond)))


def holding(cond: conditions.Condition, facts: dict[str, Any]) -> list[conditions.Atom] | None:
    """:func:`engine.law.conditions.evidence` on a condition already in negation normal form."""
    if isinstance(cond, conditions.Atom):
        return [cond] if conditions.atom_holds(cond, facts) else None
    if isinstance(cond, conditions.All):
        out: list[conditions.Atom] = []
        for item in cond.items:
            got = holding(item, facts)
            if got is None:
                return None
            out += got
        return out
    found: list[conditions.Atom] = []
    for item in cond.items:  # AnyOf: every branch that holds
        got = holding(item, facts)
        if got is not None:
            found += got
    return found or None


class Explainer:
    """Explains the conditions of one evaluator; each condition is prepared once per process."""

    def __init__(self) -> None:
        self._prepared: dict[int, tuple[conditions.Condition, Explained]] = {}

    def prepared(self, cond: conditions.Condition) -> Explained:
        """The prepared form of ``cond`` (made on first use)."""
        found = self._prepared.get(id(cond))
        if found is None or found[0] is not cond:
            found = self._prepared[id(cond)] = (cond, Explained(cond))
        return found[1]

    def evidence(self, cond: conditions.Condition, subject: Subject) -> list[Evidence]:
        """The atoms of ``cond`` that hold for ``subject``, as paths into the submitted document."""
        plan = self.prepared(cond)
        facts = subject.facts
        out = []
        for atom in holding(plan.nnf, facts) or ():
            op, expected = plan.atoms[id(atom)]
            out.append(Evidence(
                fact=subject.doc_path(atom.fact), rule_fact=atom.fact, op=op,
                expected=expected, actual=jsonable(facts.get(atom.fact)),
            ))  # fmt: skip
        return out

    def missing(self, cond: conditions.Condition, subject: Subject) -> list[str]:
        """The document paths of the facts ``cond`` turns on that ``subject`` does not give."""
        facts = subject.facts
        return sorted({subject.doc_path(f) for f in self.prepared(cond).facts if f not in facts})
