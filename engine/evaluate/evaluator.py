"""The evaluator: rulesets compiled once per epoch, and ``evaluate``, a product to its report.

``evaluate`` is a pure function of (product, rulesets, as_of, markets): the facts are built
in document order, decisions come from the decider of the epoch of ``as_of``, and the report is
assembled from them (:mod:`engine.evaluate.assembly`) with every list sorted.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from functools import cache
from importlib import metadata
from typing import Protocol

from engine.decide.durable import DurableEngine
from engine.decide.protocol import Check, Decision
from engine.evaluate.assembly import assemble
from engine.evaluate.evidence import Explainer
from engine.evaluate.law_of_day import LawOfDay
from engine.evaluate.scope import restrict_markets
from engine.evaluate.verdicts import Case
from engine.facts.product import Product
from engine.facts.registry import Subject, build_subjects
from engine.law.loader import load_rulesets
from engine.law.model import RuleSet
from engine.report.model import EngineInfo, Report, RulesetRef


class Decider(Protocol):
    def decide(self, subjects: list[Subject]) -> list[Decision]: ...


def checks_of(ruleset: RuleSet, day: dt.date | None = None) -> list[Check]:
    """What the engine decides on ``day``: every instrument's scope and every rule not yet expired.

    A rule in force is decided as it stands on ``day`` (dated parameters resolved, exceptions in
    force applied); a rule not yet in force as it will stand when it starts (for ``upcoming``).
    Without ``day``: every rule and scope in its latest version.
    """
    if day is None:
        out = [Check(f"scope:{i.id}", "product", i.scope) for i in ruleset.instruments]
        return out + [Check(r.id, r.subject, r.when) for r in ruleset.rules]
    out = [Check(f"scope:{i.id}", "product", i.scope_at(day)) for i in ruleset.instruments]
    for inst in ruleset.instruments:
        for r in inst.rules:
            if r.effective.until is not None and r.effective.until < day:
                continue  # expired: nothing to report
            starts = max(r.effective.from_, inst.in_force)
            out.append(Check(r.id, r.subject, r.when_at(max(day, starts))))
    return out


@cache
def engine_version() -> str:
    try:
        return metadata.version("regulint")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.1.0"


class Evaluator:
    """Rulesets compiled once; evaluates products (thread-safe: the engine serialises itself)."""

    def __init__(self, ruleset: RuleSet, backend: str = "durable"):
        if backend not in ("durable", "reference"):
            raise ValueError(f"unknown backend {backend!r}")
        self.ruleset = ruleset
        self.backend = backend
        self._lock = threading.Lock()
        self._by_epoch: dict[dt.date, Compiled] = {}
        self._by_checks: dict[tuple[Check, ...], Compiled] = {}
        self.explainer = Explainer()
        self.law = LawOfDay(ruleset)
        self._info = EngineInfo(
            version=engine_version(),
            backend="durable_rules" if backend == "durable" else backend,
            rulesets=[RulesetRef(id=i.id, digest=i.digest) for i in ruleset.instruments],
        )

    def compiled_at(self, day: dt.date) -> Compiled:
        """The checks of ``day``'s epoch, compiled on first use; epochs with equal checks share one."""
        epoch = self.ruleset.epoch_of(day)
        with self._lock:
            found = self._by_epoch.get(epoch)
            if found is None:
                checks = tuple(checks_of(self.ruleset, epoch))
                found = self._by_checks.get(checks)
                if found is None:
                    found = self._by_checks[checks] = Compiled(self._decider(list(checks)), checks)
                self._by_epoch[epoch] = found
            return found

    def _decider(self, checks: list[Check]) -> Decider:
        if self.backend == "durable":
            return DurableEngine(checks)
        from engine.decide.reference import ReferenceEngine

        return ReferenceEngine(checks)

    def decider_at(self, day: dt.date) -> Decider:
        return self.compiled_at(day).decider

    @property
    def decider(self) -> Decider:
        """The decider of the latest epoch (the law as it stands after its last dated change)."""
        epochs = self.ruleset.epochs_cached()
        return self.decider_at(epochs[-1] if epochs else dt.date.today())

    def evaluate(
        self, product: Product, as_of: dt.date | None = None, markets: list[str] | None = None
    ) -> Report:
        """Evaluate one product on ``as_of`` (default today), optionally only in ``markets``."""
        return assemble(self.case(product, as_of, markets), self._info)

    def case(self, product: Product, as_of: dt.date | None = None, markets: list[str] | None = None) -> Case:
        """What the report on ``product`` is assembled from: its facts on ``as_of`` and their decisions
        (:func:`engine.evaluate.assembly.assemble` makes the report)."""
        as_of = as_of or dt.date.today()
        product, selected = restrict_markets(product, markets)
        subjects = build_subjects(product, as_of)
        compiled = self.compiled_at(as_of)
        decisions = compiled.decider.decide(subjects)
        return Case(
            self.ruleset, compiled.conditions, self.explainer, self.law, product, as_of, selected, subjects,
            decisions,
        )  # fmt: skip


class Compiled:
    """One epoch's checks and their decider; ``conditions`` maps a check key to its condition."""

    __slots__ = ("decider", "conditions")

    def __init__(self, decider: Decider, checks: tuple[Check, ...]):
        self.decider = decider
        self.conditions = {c.key: c.condition for c in checks}


_default: dict[tuple[int, str], Evaluator] = {}
_default_lock = threading.Lock()


def default_evaluator(backend: str = "durable") -> Evaluator:
    """The shipped rulesets, compiled once per process (a forked child builds its own)."""
    key = (os.getpid(), backend)
    with _default_lock:
        if key not in _default:
            _default[key] = Evaluator(load_rulesets(), backend)
        return _default[key]


def evaluate(product: Product, as_of: dt.date | None = None, markets: list[str] | None = None) -> Report:
    """Evaluate ``product`` against the shipped rulesets through durable_rules."""
    return default_evaluator().evaluate(product, as_of, markets)
