"""Evidence: why a rule fired for a subject, and which facts an undecided condition lacks.

A fired rule's evidence is the atoms of its condition (in negation normal form) that hold on
the subject's facts, each as a JSON path into the submitted document with the value expected
and the value found. Each condition is prepared once per process (:class:`Explainer`); within
one evaluation each atom is tested, and its :class:`Evidence` made, once per subject
(:class:`SubjectEvidence`), however many rules share it.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from enum import Enum
from typing import Any

from engine.evaluate.memo import BoundedMemo
from engine.facts.registry import Subject
from engine.law import conditions
from engine.report.model import Evidence, SubjectRef


def jsonable(value: Any) -> Any:
    """A fact or condition value as the report shows it (tuples as lists, Decimals as floats)."""
    if isinstance(value, tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    return value


class AtomSlot:
    """One distinct NNF atom among an evaluator's conditions, numbered, with what evidence shows of it."""

    __slots__ = ("index", "atom", "op", "expected")

    def __init__(self, index: int, atom: conditions.Atom):
        self.index, self.atom = index, atom
        self.op = f"not {atom.op}" if atom.negated else atom.op
        self.expected = jsonable(atom.value) if atom.op not in ("exists", "missing") else None


#: A prepared NNF: an atom's slot number, or (True: all / False: any, the items).
Node = int | tuple[bool, tuple["Node", ...]]


class Explained:
    """A condition prepared for explaining: its NNF over atom slots, the facts it reads, and — when
    it has no ``any`` — the atoms that hold whenever it does (all of them, in order)."""

    __slots__ = ("tree", "facts", "fixed", "_cond", "_text")

    def __init__(self, tree: Node, facts: tuple[str, ...], cond: conditions.Condition):
        self.tree, self.facts, self._cond = tree, facts, cond
        self.fixed = _every_atom(tree)
        self._text: str | None = None

    @property
    def text(self) -> str:
        """The condition in words (:func:`engine.law.conditions.describe`), made on first use."""
        if self._text is None:
            self._text = conditions.describe(self._cond)
        return self._text


def _every_atom(node: Node) -> tuple[int, ...] | None:
    """The slots of a tree of ``all`` and atoms, in order; None when it has an ``any``."""
    if isinstance(node, int):
        return (node,)
    every, items = node
    if not every:
        return None
    out: tuple[int, ...] = ()
    for item in items:
        got = _every_atom(item)
        if got is None:
            return None
        out += got
    return out


_ABSENT = object()
_ABSENT_KEY = ("absent",)


def _value_key(value: Any) -> tuple[Any, ...] | None:
    """A key telling ``value`` from every other value a fact can take (True from 1, a list from a
    string, an enum member from its value), or None for values not worth keeping (lists of
    anything but strings). A float is keyed by its repr, which tells -0.0 from 0.0 (equal, but
    shown apart)."""
    kind = type(value)
    if kind is bool or kind is str or kind is int or value is None:
        return (kind, value)
    if kind is float:
        return (kind, repr(value))
    if isinstance(value, Enum):  # a member is one object; its class tells it from an equal string
        return (kind, value)
    if kind is list and all(type(v) is str for v in value):
        return (kind, *value)
    return None


class Explainer:
    """The conditions of one evaluator prepared for explaining, each once per process.

    Atoms equal across conditions share one slot, so an evaluation tests each once per subject.
    """

    def __init__(self) -> None:
        self._prepared: dict[int, tuple[conditions.Condition, Explained]] = {}
        self._lock = threading.Lock()  # slots are numbered in order: one preparer at a time
        self._slots: dict[tuple[str, str, str, bool], AtomSlot] = {}
        self.slots: list[AtomSlot] = []
        self._shown = BoundedMemo(8192)  # Evidence by (slot, subject's place, value found)
        #: a condition's evidence by (condition, subject's place, the values of its facts there)
        self.explained = BoundedMemo(8192)

    def prepared(self, cond: conditions.Condition) -> Explained:
        """The prepared form of ``cond`` (made on first use)."""
        found = self._prepared.get(id(cond))
        if found is None or found[0] is not cond:
            facts = tuple(dict.fromkeys(a.fact for a in conditions.atoms(cond)))
            with self._lock:
                tree = self._tree(conditions.to_nnf(cond))
            found = self._prepared[id(cond)] = (cond, Explained(tree, facts, cond))
        return found[1]

    def _tree(self, cond: conditions.Condition) -> Node:
        if isinstance(cond, conditions.Atom):
            return self._slot(cond).index
        assert isinstance(cond, conditions.All | conditions.AnyOf), "an NNF has no Not"
        return (isinstance(cond, conditions.All), tuple(self._tree(c) for c in cond.items))

    def _slot(self, atom: conditions.Atom) -> AtomSlot:
        key = (atom.fact, atom.op, repr(atom.value), atom.negated)  # repr tells 1 from True and 1.0
        found = self._slots.get(key)
        if found is None:
            found = self._slots[key] = AtomSlot(len(self.slots), atom)
            self.slots.append(found)
        return found

    def trim(self) -> None:
        """Keep what is kept across evaluations bounded (once per evaluation)."""
        self._shown.trim()
        self.explained.trim()

    def shown(self, index: int, subject: Subject) -> Evidence:
        """The evidence that atom slot ``index`` holds for ``subject``. Evidence is a value: the same
        atom at the same place with the same value found is one object, kept across evaluations."""
        slot, facts = self.slots[index], subject.facts
        fact = slot.atom.fact
        actual = facts.get(fact)
        key = _value_key(actual)
        if key is not None:
            key = (index, subject.doc_prefix, key)
            found = self._shown.get(key)
        else:
            found = None
        if found is None:
            found = Evidence(
                fact=subject.doc_path(fact),
                rule_fact=fact,
                op=slot.op,
                expected=slot.expected,
                actual=jsonable(actual),
            )
            if key is not None:
                self._shown[key] = found
        return found

    def missing(self, cond: conditions.Condition, subject: Subject) -> list[str]:
        """The document paths of the facts ``cond`` turns on that ``subject`` does not give."""
        facts = subject.facts
        return sorted({subject.doc_path(f) for f in self.prepared(cond).facts if f not in facts})


class SubjectEvidence:
    """The evidence of one subject in one evaluation: each atom tested and shown once, and the
    key of each fact's value made once, however many conditions read it."""

    __slots__ = ("subject", "explainer", "path", "_ref", "_held", "_shown", "_keys")

    def __init__(self, explainer: Explainer, subject: Subject):
        self.explainer, self.subject = explainer, subject
        self.path = subject.doc_prefix.rstrip(".")  # where the subject is in the document
        self._ref: SubjectRef | None = None
        self._held: dict[int, bool] = {}
        self._shown: dict[int, Evidence] = {}
        self._keys: dict[str, tuple[Any, ...] | None] = {}

    @property
    def ref(self) -> SubjectRef:
        """The report's reference to the subject (made on first use)."""
        if self._ref is None:
            subject = self.subject
            self._ref = SubjectRef(kind=subject.kind, id=subject.id, path=self.path)  # type: ignore[arg-type]
        return self._ref

    def key(self, cond: conditions.Condition) -> tuple[Any, ...] | None:
        """What the evidence of ``cond`` for the subject is a function of: the condition, where the
        subject is in the document, and the value (or absence) of each fact the condition reads;
        None when a value cannot be a key (the evidence is then worked out each time)."""
        return self.key_of(self.explainer.prepared(cond))

    def key_of(self, plan: Explained) -> tuple[Any, ...] | None:
        """:meth:`key` of a prepared condition."""
        keys = self._keys
        out: list[Any] = [plan, self.subject.doc_prefix]
        for fact in plan.facts:
            found = keys.get(fact, _ABSENT)
            if found is _ABSENT:
                value = self.subject.facts.get(fact, _ABSENT)
                found = keys[fact] = _ABSENT_KEY if value is _ABSENT else _value_key(value)
            if found is None:
                return None
            out.append(found)
        return tuple(out)

    def of(self, cond: conditions.Condition) -> list[Evidence]:
        """Why ``cond``, decided true for the subject, holds: the atoms that hold, in order, as paths
        into the document (:func:`engine.law.conditions.evidence`: every branch of an ``any`` that
        holds). As the condition holds, so does every item of an ``all`` in it: only the branches
        of an ``any`` are tested."""
        plan = self.explainer.prepared(cond)
        return self.of_plan(plan, self.key_of(plan))

    def of_plan(self, plan: Explained, key: tuple[Any, ...] | None) -> list[Evidence]:
        """:meth:`of` a prepared condition whose :meth:`key_of` is ``key``."""
        if key is not None and (found := self.explainer.explained.get(key)) is not None:
            return list(found)
        held = plan.fixed if plan.fixed is not None else self._held_in(plan.tree)
        out = [self._evidence(i) for i in held]
        if key is not None:
            self.explainer.explained[key] = tuple(out)
        return out

    def _held_in(self, node: Node) -> list[int]:
        """The atoms that hold in ``node``, known to hold."""
        if isinstance(node, int):
            return [node]
        every, items = node
        if every:
            return [i for item in items for i in self._held_in(item)]
        found: list[int] = []
        for item in items:
            got = self._holding(item)
            if got is not None:
                found += got
        return found

    def _holds(self, index: int) -> bool:
        found = self._held.get(index)
        if found is None:
            atom = self.explainer.slots[index].atom
            found = self._held[index] = bool(conditions.atom_holds(atom, self.subject.facts))
        return found

    def _holding(self, node: Node) -> list[int] | None:
        """The atoms that hold in ``node``, or None when it does not hold (or is unknown)."""
        if isinstance(node, int):
            return [node] if self._holds(node) else None
        every, items = node
        found: list[int] = []
        for item in items:
            got = self._holding(item)
            if got is not None:
                found += got
            elif every:
                return None
        return found if every or found else None

    def _evidence(self, index: int) -> Evidence:
        found = self._shown.get(index)
        if found is None:
            found = self._shown[index] = self.explainer.shown(index, self.subject)
        return found
