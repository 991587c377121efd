"""Compliance repair: walk a product description towards compliance in one market.

The search behind :func:`engine.testing.strategies.compliant_products`, without hypothesis (it
draws from a :class:`random.Random`): :func:`repair` evaluates a description, takes a random
violation (or undecided rule, or instrument out of scope), and changes the document so that one
atom of the rule's evidence stops holding (any move of :func:`engine.fix.edits.falsifying_edits`
but dropping a market), gives a missing fact a value, or copies from a compliant seed what an
instrument's scope reads; a change that makes things worse is undone. :func:`compliant_seed`
reads (or, when rulesets grew, repairs) ``seeds/compliant-<market>.json``;
:func:`crossover` and :func:`vary_neutral` make starts and variations of a seed.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.core.docpath import get_path, set_path
from engine.core.jurisdictions import jurisdictions, market_of
from engine.evaluate.evaluator import default_evaluator
from engine.facts.derived import CHILDREN, AnyHolds, Closure, Converted, Gathered, Places, Present, derived
from engine.facts.product import Product
from engine.fix.edits import apply_edit, falsifying_edits

__all__ = [
    "boundary_dates",
    "compliant_seed",
    "crossover",
    "problems_in",
    "repair",
    "seed_path",
    "vary_neutral",
]


def jurisdiction_of(market: str) -> str:
    """The jurisdiction with rulesets that ``market`` names (``ValueError`` if none)."""
    code = market_of(market.upper())
    if code is None:
        raise ValueError(f"{market!r} is not a market with rulesets ({', '.join(sorted(jurisdictions()))})")
    return code


def problems_in(report: Any, market: str, in_scope: bool = True) -> list[Any]:
    """What keeps ``report`` from being compliant in ``market``: violations, undecided rules and
    (with ``in_scope``) instruments of the market that do not apply."""
    j = jurisdiction_of(market)
    out: list[Any] = [v for v in report.violations if v.jurisdiction == j]
    out += [i for i in report.insufficient_information if i.jurisdiction == j]
    if in_scope:
        out += [n for n in report.not_applicable if n.jurisdiction == j]
    return out


def _falsify(
    doc: dict[str, Any], subject_path: str, fact: str, op: str, expected: Any, rng: random.Random
) -> bool:
    """Change ``doc`` so that the atom ``fact op expected`` stops holding; False if no move.

    Any move of :func:`engine.fix.edits.falsifying_edits` will do here (a random one), except
    dropping a market: the walk looks for products compliant *in* a market."""
    moves = [
        m
        for m in falsifying_edits(doc, subject_path, fact, op, expected)
        if not any(e.kind == "market" for e in m)
    ]
    if not moves:
        return False
    for edit in rng.choice(moves):
        apply_edit(doc, edit)
    return True


def _fill_missing(doc: dict[str, Any], path: str, rng: random.Random) -> bool:
    """Give an unknown fact a value (for an undecided rule)."""
    leaf = path.rsplit(".", 1)[-1]
    guess: dict[str, list[Any]] = {
        "min_age": [13, 16, 18],
        "monthly_active_users": [1000, 100_000, 2_000_000],
        "annual_revenue": [
            {"amount": 5_000_000, "currency": "USD"},
            {"amount": 200_000_000, "currency": "USD"},
        ],
        "impact_assessment": [True],
        "purpose": ["essential.service"],
        "employees": [50, 500],
        "consumers_data_sold_or_shared_per_year": [0],
        "revenue_share_from_selling_data": [0.0],
        "cn_export_individuals_per_year": [0, 1000],
        "cn_export_sensitive_individuals_per_year": [0],
        "unlabeled_export_logs_months": [6, 12],
    }
    values = guess.get(leaf)
    if values is None:
        return False
    set_path(doc, path, copy.deepcopy(rng.choice(values)))
    return True


def _graft_scope(doc: dict[str, Any], seed: dict[str, Any], instrument_id: str, rng: random.Random) -> bool:
    """Copy from ``seed`` what the scope of ``instrument_id`` reads (to bring it into scope).

    A derived fact is grafted through its inputs (engine/facts/derived.py): a product fact
    gathered from practices by one of the seed's practices, a converted amount by its input;
    places (markets, establishments) are what the product is and are left alone."""
    from engine.law.conditions import atoms

    inst = default_evaluator().ruleset.instrument(instrument_id)
    moved = False
    for a in atoms(inst.scope):
        fact = a.fact
        d = derived(fact)
        if d is not None and isinstance(d.form, Places):
            continue
        if fact.startswith("synthetic_media.") or (d is not None and isinstance(d.form, Present)):
            if seed.get("synthetic_media") is None:
                continue
            if doc.get("synthetic_media") is None or d is not None:
                doc["synthetic_media"] = copy.deepcopy(seed["synthetic_media"])
            else:
                leaf = fact.split(".", 1)[1]
                if leaf in seed["synthetic_media"]:
                    doc["synthetic_media"][leaf] = copy.deepcopy(seed["synthetic_media"][leaf])
            moved = True
        elif d is not None and d.namespace == "product" and isinstance(d.form, Gathered | AnyHolds):
            if seed.get("data_practices"):
                extra = copy.deepcopy(rng.choice(seed["data_practices"]))
                ids = {p.get("id") for p in doc.get("data_practices") or []}
                while extra["id"] in ids:
                    extra["id"] += "-x"
                doc.setdefault("data_practices", []).append(extra)
                moved = True
        elif d is not None and isinstance(d.form, Converted):
            amount = _try_get(seed, d.form.input)
            if amount is not None:
                set_path(doc, d.form.input, copy.deepcopy(amount))
                moved = True
        elif d is None and fact.startswith("product."):
            path = fact.split(".", 1)[1]
            try:
                value = get_path(seed, path)
            except (KeyError, IndexError, TypeError):
                continue
            set_path(doc, path, copy.deepcopy(value))
            moved = True
    return moved


def _try_get(doc: Any, path: str) -> Any:
    try:
        return get_path(doc, path)
    except (KeyError, IndexError, TypeError):
        return None


def _is_activity(fact: str) -> bool:
    """A derived fact that lists what the product does: its data, purposes, destinations."""
    d = derived(fact)
    if d is None:
        return False
    return isinstance(d.form, Closure | Gathered) or (isinstance(d.form, Places) and d.namespace in CHILDREN)


def valid(doc: dict[str, Any]) -> Product | None:
    try:
        return Product.model_validate(doc)
    except Exception:  # noqa: BLE001 - any invalid move is undone
        return None


def problems_on(
    evaluator: Any, product: Product, market: str, dates: Sequence[dt.date], in_scope: bool
) -> tuple[int, list[Any]]:
    found: list[Any] = []
    for day in dates:
        found += problems_in(evaluator.evaluate(product, day), market, in_scope)
    return len(found), found


def repair(
    doc: dict[str, Any],
    market: str,
    as_of: dt.date | Sequence[dt.date],
    rng: random.Random | None = None,
    max_steps: int = 120,
    evaluator: Any = None,
    in_scope: bool = True,
    seed: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """Walk ``doc`` towards compliance in ``market`` on ``as_of`` (a day or several days).

    Returns a compliant copy, or ``None`` when ``max_steps`` moves did not get there. Each move
    takes one problem and falsifies one atom of its evidence (or gives a missing fact a value);
    moves that add problems are undone (with a small chance of keeping them, to leave local
    minima). An instrument that does not apply is brought into scope by copying what its scope
    reads from ``seed`` (when given).
    """
    rng = rng or random.Random(0)
    evaluator = evaluator or default_evaluator()
    dates = [as_of] if isinstance(as_of, dt.date) else list(as_of)
    current = copy.deepcopy(doc)
    product = valid(current)
    if product is None:
        return None
    score, found = problems_on(evaluator, product, market, dates, in_scope)
    for _ in range(max_steps):
        if score == 0:
            return current
        fixable = [
            p
            for p in found
            if hasattr(p, "evidence")
            or getattr(p, "missing", None)
            or (seed is not None and hasattr(p, "reason"))
        ]
        if not fixable:
            return None
        problem = rng.choice(fixable)
        trial = copy.deepcopy(current)
        moved = False
        if hasattr(problem, "evidence"):
            atoms = list(problem.evidence)
            rng.shuffle(atoms)
            # prefer switching a safeguard to removing what the product does
            atoms.sort(key=lambda e: _is_activity(e.rule_fact))
            for ev in atoms:
                if _falsify(trial, problem.subject.path, ev.rule_fact, ev.op, ev.expected, rng):
                    moved = True
                    break
        elif getattr(problem, "missing", None):
            for path in problem.missing:
                moved = _fill_missing(trial, path, rng) or moved
        elif seed is not None:
            moved = _graft_scope(trial, seed, problem.instrument, rng)
        if not moved:
            found = [p for p in found if p is not problem]
            if not found:
                return None
            continue
        new_product = valid(trial)
        if new_product is None:
            continue
        new_score, new_found = problems_on(evaluator, new_product, market, dates, in_scope)
        if new_score <= score or rng.random() < 0.05:
            current, score, found = trial, new_score, new_found
    return current if score == 0 else None


def seed_path(market: str) -> Path:
    """``seeds/compliant-<market>.json`` (the shipped seeds: the checkout's in an editable install)."""
    from engine.core.resources import seeds_dir

    return seeds_dir() / f"compliant-{market.lower()}.json"


def boundary_dates(market: str | None = None) -> list[dt.date]:
    """Every day on which a rule of ``market`` (or any) starts, stops or changes (its exceptions,
    dated parameters and tiers), and today."""
    ruleset = default_evaluator().ruleset
    j = jurisdiction_of(market) if market else None
    days = {dt.date.today()}
    for inst in ruleset.instruments:
        if j and inst.jurisdiction != j:
            continue
        days.add(inst.in_force)
        days |= {d for d in inst.boundaries() if d >= inst.in_force}
        for r in inst.rules:
            days.add(max(r.effective.from_, inst.in_force))
            days |= {d for d in r.boundaries() if d >= inst.in_force}
            if r.effective.until:
                days.add(r.effective.until)
                days.add(r.effective.until + dt.timedelta(days=1))
    return sorted(days)


_SEEDS: dict[tuple[str, str], dict[str, Any]] = {}


def compliant_seed(market: str, as_of: dt.date | Sequence[dt.date] | None = None) -> dict[str, Any]:
    """A description compliant in ``market`` on ``as_of`` (default: every boundary day from the
    earliest rule of the market on). Reads ``seeds/compliant-<market>.json``; if that no longer
    complies, repairs it (with a warning); raises ``LookupError`` if no compliant one is found."""
    if as_of is None:
        first = min(boundary_dates(market))
        days = [d for d in boundary_dates(market) if d >= first]
    else:
        days = [as_of] if isinstance(as_of, dt.date) else list(as_of)
    key = (market.upper(), ",".join(map(str, days)))
    if key in _SEEDS:
        return copy.deepcopy(_SEEDS[key])
    path = seed_path(market)
    start = (
        json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"id": "seed", "markets": [market]}
    )
    product = valid(start)
    evaluator = default_evaluator()
    if product is not None and problems_on(evaluator, product, market, days, True)[0] == 0:
        _SEEDS[key] = start
        return copy.deepcopy(start)
    for attempt in range(8):
        got = repair(start, market, days, random.Random(attempt), max_steps=300, evaluator=evaluator)
        if got is not None:
            warnings.warn(
                f"{path.name} is no longer compliant in {market} on every day checked; using a repaired "
                f"copy (refresh the file: python tests/properties/write_seed.py {market})",
                stacklevel=2,
            )
            _SEEDS[key] = got
            return copy.deepcopy(got)
    raise LookupError(f"no description compliant in {market} was found (from {path.name})")


def _read_facts(market: str) -> set[str]:
    """The fact paths some rule or scope of ``market``'s instruments reads."""
    from engine.law.conditions import fact_paths

    ruleset = default_evaluator().ruleset
    j = jurisdiction_of(market)
    read: set[str] = set()
    for inst in ruleset.instruments:
        if inst.jurisdiction != j:
            continue
        read |= fact_paths(inst.scope)
        for r in inst.rules:
            read |= fact_paths(r.when)
    return read


def _leaves(doc: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(doc, dict):
        for k, v in doc.items():
            p = f"{prefix}.{k}" if prefix else k
            if isinstance(v, dict) and v:
                out.update(_leaves(v, p))
            else:
                out[p] = v
    return out


def _fact_of_leaf(leaf: str) -> str:
    if leaf.startswith("synthetic_media."):
        return leaf
    return "product." + leaf


def crossover(seed: dict[str, Any], other: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """``seed`` with about a third of ``other``'s leaves, and half the time its practices."""
    start = copy.deepcopy(seed)
    for leaf, value in _leaves(other).items():
        if rng.random() < 0.3:
            set_path(start, leaf, copy.deepcopy(value))
    if rng.random() < 0.5 and other.get("data_practices"):
        start["data_practices"] = other["data_practices"]
    return start


def vary_neutral(
    seed: dict[str, Any],
    other: dict[str, Any],
    market: str,
    as_of: dt.date,
    rng: random.Random,
    in_scope: bool = True,
) -> dict[str, Any]:
    """``seed`` varied by up to 12 leaves of ``other`` that no rule of ``market`` reads; each
    variation is evaluated and kept only if the product still complies (a derived fact may read
    a leaf)."""
    evaluator = default_evaluator()
    read = _read_facts(market)
    out = copy.deepcopy(seed)
    leaves = [
        (leaf, value)
        for leaf, value in _leaves(other).items()
        if "[" not in leaf and leaf not in ("markets", "id", "data_practices", "synthetic_media")
    ]
    rng.shuffle(leaves)
    for leaf, value in leaves[:12]:
        fact = _fact_of_leaf(leaf)
        if any(fact == r or r.startswith(fact + ".") or fact.startswith(r + ".") for r in read):
            continue
        trial = copy.deepcopy(out)
        set_path(trial, leaf, copy.deepcopy(value))
        product = valid(trial)
        if product is not None and problems_on(evaluator, product, market, [as_of], in_scope)[0] == 0:
            out = trial
    return out
