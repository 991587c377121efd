"""Hypothesis strategies for regulint product descriptions: write your own property tests.

Two families:

- :func:`products` (dicts, as a user would submit them) and :func:`product_models` (validated
  :class:`engine.facts.product.Product`): *valid* descriptions per the DESIGN.md contract. Every field
  of the model is generated — enums from their closed sets, taxonomy keys from
  :func:`engine.core.taxonomy.keys`, places from ``rulesets/jurisdictions.yaml`` — and every optional
  field is sometimes left out (so its default, or "unknown", applies) and, where ``null`` is
  allowed, sometimes ``null``. Numbers are drawn near the thresholds the shipped rules compare
  them with (so ``employees < 250`` or a revenue threshold is hit from both sides), and taxonomy
  keys lean towards the keys the rules name and their children. The walk follows the pydantic
  model, so a field added to the contract is generated without touching this module.

- :func:`compliant_products` (dicts): descriptions that are *compliant in one market* on a given
  day — no violation and no "insufficient information" among the rules of that market's
  instruments, and (by default) every instrument of the market applies, so the product is
  really under that law. How they are made (a search, not a filter):

  1. a start is drawn: the market's known-compliant seed (``seeds/compliant-<market>.json``),
     the seed crossed over with a random :func:`products` description (each leaf of the
     document taken from either), or a random description;
  2. :func:`repair` walks it towards compliance: it evaluates the product, takes a random
     violation (or undecided rule), and changes the document so that one atom of the rule's
     evidence stops holding (a safeguard is switched on, a listed category removed, a missing
     fact given); a change that makes things worse is undone;
  3. if the walk does not reach compliance within its budget, the seed itself is used, with
     only compliance-neutral leaves varied (facts no rule of the market's instruments reads).

  Every value the strategy yields has been evaluated and is compliant; the randomness only
  decides *which* compliant product. If the seed no longer complies (rulesets grew), the seed is
  repaired first and a warning says so (refresh the seed file with ``python -m engine.testing.strategies
  seed MARKET``).

A property test of your own (say your company's policy: every EU transfer outside the EEA to
a country without adequacy is either safeguarded or reported)::

    import copy
    import datetime as dt
    from hypothesis import given
    from engine.testing.strategies import compliant_products, products
    from engine.evaluate.evaluator import evaluate
    from engine.facts.product import Product

    DAY = dt.date(2026, 9, 1)

    @given(products(markets=["EU"], synthetic_media=False, transfers=True))
    def test_unsafeguarded_transfers_to_india_are_reported(doc):
        for practice in doc["data_practices"]:
            for transfer in practice.get("transfers", []):
                transfer.update(to="IN", mechanisms={"EU": "none"})
        report = evaluate(Product.model_validate(doc), DAY, markets=["EU"])
        assert any(v.subject.kind == "transfer" for v in report.violations)

    @given(compliant_products("EU", as_of=DAY))
    def test_switching_off_encryption_is_never_compliant(doc):
        worse = copy.deepcopy(doc)
        for practice in worse.get("data_practices", []):
            practice["encrypted_at_rest"] = False
        report = evaluate(Product.model_validate(worse), DAY, markets=["EU"])
        personal = [p for p in worse.get("data_practices", []) if any(
            c.startswith("user") for c in p.get("data_categories", []))]
        assert report.violations or not personal  # GDPR Art. 32

Run ``pytest --hypothesis-profile=thorough`` for the long profile of regulint's own suite.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import sys
import types
import typing
import warnings
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from engine.core import taxonomy
from engine.core.extras import require
from engine.core.jurisdictions import jurisdictions, market_of, member_of, other_places
from engine.facts.mechanisms import TransferMechanisms
from engine.facts.product import (
    Audience,
    Consent,
    DataCategoryKey,
    DataPractice,
    DataSubjectKey,
    DataSubjectRights,
    DataUseKey,
    Governance,
    Money,
    Notice,
    Organization,
    PlaceCode,
    Product,
    Recipient,
    SyntheticMedia,
    Transfer,
)
from engine.fix.edits import apply_edit, falsifying_edits, rule_numbers
from engine.fix.edits import get_path as _get
from engine.fix.edits import set_path as _set

st = require("hypothesis.strategies", "strategies", "engine.testing.strategies (hypothesis strategies)")

__all__ = [
    "products",
    "product_models",
    "compliant_products",
    "compliant_seed",
    "repair",
    "problems_in",
    "seed_path",
    "register_profiles",
    "budget",
]

#: Where the fact paths of each model's fields start (``None``: the fields are no facts).
_PREFIX: dict[type[BaseModel], str | None] = {
    Product: "product",
    Organization: "product.organization",
    Audience: "product.audience",
    Governance: "product.governance",
    DataSubjectRights: "product.governance.data_subject_rights",
    DataPractice: "practice",
    Consent: "practice.consent",
    Notice: "practice.notice",
    Transfer: "transfer",
    TransferMechanisms: "transfer.mechanisms",
    SyntheticMedia: "synthetic_media",
    Recipient: None,
    Money: None,
}

_OTHER_SAMPLE = ("US", "GB", "JP", "IN", "BR", "CH", "SG", "HK", "KR", "AU", "CA", "US-NY", "US-TX")


# --------------------------------------------------------------------------------------------
# what the shipped rules look at (hints that make generated products reach the thresholds)


@cache
def _rule_hints() -> tuple[dict[str, tuple[float, ...]], tuple[str, ...], tuple[str, ...]]:
    """Numeric constants per fact path, and the taxonomy keys the rules name (with children)."""
    from engine.facts.registry import list_item_kind
    from engine.law.conditions import atoms

    try:
        from engine.evaluate.evaluator import default_evaluator

        ruleset = default_evaluator().ruleset
        numbers = rule_numbers()
    except Exception:  # noqa: BLE001 - hints are optional; strategies work without them
        return {}, (), ()
    cats: set[str] = set()
    uses: set[str] = set()
    conds = [i.scope for i in ruleset.instruments] + [r.when for r in ruleset.rules]
    for cond in conds:
        for a in atoms(cond):
            kind = list_item_kind(a.fact)
            items = a.value if isinstance(a.value, tuple) else (a.value,)
            if kind == "data_category":
                cats.update(i for i in items if isinstance(i, str))
            elif kind == "data_use":
                uses.update(i for i in items if isinstance(i, str))
    return (
        numbers,
        tuple(sorted(_with_descendants("data_category", cats))),
        tuple(sorted(_with_descendants("data_use", uses))),
    )


def _with_descendants(kind: str, keys: Iterable[str]) -> set[str]:
    keys = set(keys)
    return {k for k in taxonomy.keys(kind) if any(k == p or k.startswith(p + ".") for p in keys)}


def _near(values: Sequence[float], integer: bool, low: float, high: float) -> st.SearchStrategy[Any]:
    """Values at, just below and just above each threshold, within [low, high]."""
    out: set[float] = set()
    for v in values:
        for d in (-1, 0, 1) if integer else (-0.01, 0, 0.01):
            x = v + d
            if integer:
                x = int(round(x))
            if low <= x <= high:
                out.add(x)
    return st.sampled_from(sorted(out)) if out else st.nothing()


# --------------------------------------------------------------------------------------------
# places and taxonomy keys


def _places(markets_only: bool = False) -> st.SearchStrategy[str]:
    markets = sorted(jurisdictions())
    members = sorted(member_of())
    if markets_only:
        return st.one_of(st.sampled_from(markets), st.sampled_from(members[:6]))
    others = sorted(other_places())
    return st.one_of(
        st.sampled_from(markets),
        st.sampled_from(members),
        st.sampled_from(_OTHER_SAMPLE),
        st.sampled_from(others),
    )


def _taxonomy(kind: str, exclude: Callable[[str], bool] | None = None) -> st.SearchStrategy[str]:
    every = sorted(taxonomy.keys(kind))
    _, cats, uses = _rule_hints()
    hinted = {"data_category": cats, "data_use": uses}.get(kind, ())
    if exclude is not None:
        every = [k for k in every if not exclude(k)]
        hinted = tuple(k for k in hinted if not exclude(k))
    parts = [st.sampled_from(every)]
    if hinted:
        parts.insert(0, st.sampled_from(hinted))
    return st.one_of(parts)


def _is_minor_key(key: str) -> bool:
    return key.startswith("user.childrens") or key.endswith(".minor") or key == "child"


# --------------------------------------------------------------------------------------------
# the generic walk over the pydantic model


def _unwrap(annotation: Any) -> tuple[Any, bool, list[Any], Any]:
    """(inner type, optional?, constraint metadata, the Annotated alias met on the way)."""
    optional = False
    meta: list[Any] = []
    alias = None
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            if annotation in (PlaceCode, DataCategoryKey, DataUseKey, DataSubjectKey):
                alias = annotation
            args = typing.get_args(annotation)
            for m in args[1:]:
                meta.extend(getattr(m, "metadata", None) or [m])
            annotation = args[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            annotation = args[0]
        else:
            return annotation, optional, meta, alias


def _bounds(meta: list[Any], default_low: float, default_high: float) -> tuple[float, float]:
    low, high = default_low, default_high
    for m in meta:
        if getattr(m, "ge", None) is not None:
            low = max(low, m.ge)
        if getattr(m, "gt", None) is not None:
            low = max(low, m.gt + (1 if isinstance(m.gt, int) else 1e-9))
        if getattr(m, "le", None) is not None:
            high = min(high, m.le)
        if getattr(m, "lt", None) is not None:
            high = min(high, m.lt - (1 if isinstance(m.lt, int) else 1e-9))
    return low, high


def _pattern(meta: list[Any]) -> str | None:
    for m in meta:
        p = getattr(m, "pattern", None)
        if p:
            return p
    return None


class _Opts:
    def __init__(self, minors: bool | None):
        self.minors = minors


_ALIASES = (PlaceCode, DataCategoryKey, DataUseKey, DataSubjectKey)


def _value_strategy(
    annotation: Any, fact_path: str | None, name: str, opts: _Opts, field_meta: Sequence[Any] = ()
) -> tuple[st.SearchStrategy[Any], bool]:
    """The strategy for one field's value, and whether ``null`` is allowed."""
    inner, optional, meta, alias = _unwrap(annotation)
    meta = list(field_meta) + meta
    for a in _ALIASES:  # pydantic moves a bare Annotated alias's metadata onto the field
        if alias is None and field_meta and list(a.__metadata__) == list(field_meta):
            alias = a
    numbers, _, _ = _rule_hints()
    origin = typing.get_origin(inner)
    if alias is PlaceCode:
        return _places(), optional
    if alias is DataCategoryKey:
        excl = _is_minor_key if opts.minors is False else None
        return _taxonomy("data_category", excl), optional
    if alias is DataUseKey:
        return _taxonomy("data_use"), optional
    if alias is DataSubjectKey:
        excl = _is_minor_key if opts.minors is False else None
        return _taxonomy("data_subject", excl), optional
    if origin is list:
        (item,) = typing.get_args(inner)
        item_strategy, _ = _value_strategy(item, None, name, opts)
        unique = isinstance(_unwrap(item)[0], type) and issubclass(_unwrap(item)[0], Enum)
        return st.lists(item_strategy, max_size=4, unique=unique), optional
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return _model_strategy(inner, opts), optional
    if inner is bool:
        return st.booleans(), optional
    if inner is dt.date:
        return st.dates(dt.date(2015, 1, 1), dt.date(2031, 12, 31)).map(dt.date.isoformat), optional
    if isinstance(inner, type) and issubclass(inner, Enum):
        return st.sampled_from([e.value for e in inner]), optional
    if inner is int:
        low, high = _bounds(meta, -(10**6), 10**13)
        hints = numbers.get(fact_path or "", ())
        return (
            st.one_of(
                _near(hints, True, low, high),
                st.integers(int(low), int(min(high, low + 200))),
                st.integers(int(low), int(high)),
            ),
            optional,
        )
    if inner in (float, Decimal):
        low, high = _bounds(meta, 0, 10**9)
        hints = numbers.get(fact_path or "", ())
        return (
            st.one_of(
                _near(hints, False, low, high),
                st.floats(low, high, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 4)),
            ).filter(lambda x: low <= x <= high),
            optional,
        )
    if inner is str:
        pattern = _pattern(meta)
        if pattern:
            return st.from_regex(pattern, fullmatch=True), optional
        if name == "id":
            return st.from_regex(r"[a-z][a-z0-9-]{0,11}", fullmatch=True), optional
        return st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=16), optional
    raise TypeError(
        f"engine.testing.strategies has no strategy for {fact_path or name}: {inner!r}"
    )  # pragma: no cover


def _model_strategy(
    model: type[BaseModel],
    opts: _Opts,
    overrides: dict[str, st.SearchStrategy[Any] | None] | None = None,
    required: Iterable[str] = (),
) -> st.SearchStrategy[dict[str, Any]]:
    """A dict for ``model``: every field, optional ones sometimes left out.

    ``overrides`` replaces a field's strategy (``None``: leave the field out); ``required``
    names fields that are always given.
    """
    overrides = overrides or {}
    prefix = _PREFIX.get(model)
    must: dict[str, st.SearchStrategy[Any]] = {}
    may: dict[str, st.SearchStrategy[Any]] = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        if name in overrides:
            strat = overrides[name]
            if strat is None:
                continue
        else:
            path = f"{prefix}.{name}" if prefix else None
            strat, nullable = _value_strategy(field.annotation, path, name, opts, field.metadata)
            if nullable:
                strat = st.one_of(st.none(), strat)
        if field.is_required() or name in required:
            must[key] = strat
        else:
            may[key] = strat
    return st.fixed_dictionaries(must, optional=may)


@cache
def _currencies() -> tuple[str, ...]:
    from engine.core.fx import fx_rates

    return tuple(sorted(fx_rates().currencies() | {"EUR"}))


def _money() -> st.SearchStrategy[dict[str, Any]]:
    numbers, _, _ = _rule_hints()
    parts = [
        st.fixed_dictionaries(
            {
                "amount": st.one_of(
                    st.integers(0, 10**6), st.integers(0, 10**12), st.decimals(0, 10**9, places=2).map(float)
                ),
                "currency": st.sampled_from(_currencies()),
            }
        )
    ]
    for cur in ("usd", "eur", "cny"):
        hints = numbers.get(f"product.organization.annual_revenue_{cur}", ())
        if hints:
            parts.insert(
                0,
                st.fixed_dictionaries(
                    {"amount": _near(hints, True, 0, 10**15), "currency": st.just(cur.upper())}
                ),
            )
    return st.one_of(parts)


# --------------------------------------------------------------------------------------------
# products


@cache
def _practice_strategies(
    minors: bool | None, transfers: bool | None
) -> tuple[st.SearchStrategy[dict[str, Any]], st.SearchStrategy[dict[str, Any]]]:
    opts = _Opts(minors)
    # the deprecated single ``mechanism`` is left out: generated transfers state ``mechanisms``
    transfer = _model_strategy(Transfer, opts, {"mechanism": None}, required=("to",))
    recipient = _model_strategy(Recipient, opts)
    overrides: dict[str, st.SearchStrategy[Any] | None] = {
        "recipients": st.lists(recipient, max_size=3),
        "transfers": st.lists(transfer, max_size=3),
    }
    if transfers is False:
        overrides["transfers"] = None
    return _model_strategy(DataPractice, opts, overrides), transfer


@st.composite
def _practices(
    draw: st.DrawFn, minors: bool | None, transfers: bool | None, min_size: int, max_size: int
) -> list[dict[str, Any]]:
    practice, transfer = _practice_strategies(minors, transfers)
    items = draw(st.lists(practice, min_size=min_size, max_size=max_size, unique_by=lambda p: p["id"]))
    if transfers and items and not any(p.get("transfers") for p in items):
        items[0]["transfers"] = draw(st.lists(transfer, min_size=1, max_size=2))
    return items


@cache
def _product_parts(minors: bool | None) -> dict[str, st.SearchStrategy[Any]]:
    opts = _Opts(minors)
    audience_overrides: dict[str, Any] = {
        "users_by_market": st.dictionaries(
            st.one_of(st.sampled_from(sorted(jurisdictions())), _places()), st.integers(0, 10**8), max_size=3
        )
    }
    if minors is True:
        audience_overrides["min_age"] = st.integers(0, 17)
    elif minors is False:
        audience_overrides["min_age"] = st.integers(18, 120)
        audience_overrides["directed_at_children"] = st.just(False)
    media_overrides: dict[str, Any] = {}
    if minors is False:
        media_overrides["accepts_images_of_minors"] = st.just(False)
    return {
        "audience": _model_strategy(
            Audience, opts, audience_overrides, required=("min_age",) if minors is not None else ()
        ),
        "organization": _model_strategy(
            Organization,
            opts,
            {
                "annual_revenue": st.one_of(st.none(), _money()),
                "establishments": st.lists(_places(), max_size=3),
            },
        ),
        "synthetic_media": _model_strategy(SyntheticMedia, opts, media_overrides),
        "governance": _model_strategy(Governance, opts),
        "rest": _model_strategy(
            Product,
            opts,
            {
                k: None
                for k in (
                    "markets",
                    "schema_version",
                    "data_practices",
                    "synthetic_media",
                    "organization",
                    "audience",
                    "governance",
                    "id",
                )
            },
        ),
    }


@st.composite
def _products(
    draw: st.DrawFn,
    markets: Any,
    synthetic_media: bool | None,
    minors: bool | None,
    transfers: bool | None,
    max_practices: int,
) -> dict[str, Any]:
    if markets is None:
        market_list = draw(
            st.lists(st.one_of(_places(markets_only=True), _places()), min_size=1, max_size=4, unique=True)
        )
    elif isinstance(markets, st.SearchStrategy):
        market_list = list(draw(markets))
    else:
        market_list = draw(st.permutations(list(markets)))
    with_media = draw(st.booleans()) if synthetic_media is None else synthetic_media
    low = 0 if with_media else 1
    if transfers:
        low = max(low, 1)
    high = max(low, max_practices)
    practices = draw(_practices(minors, transfers, low, high))
    parts = _product_parts(minors)
    doc: dict[str, Any] = {"id": draw(st.from_regex(r"[a-z][a-z0-9-]{0,11}", fullmatch=True))}
    doc.update(draw(parts["rest"]))
    if draw(st.booleans()):
        doc["schema_version"] = "1"
    doc["markets"] = market_list
    for section in ("organization", "audience", "governance"):
        if draw(st.booleans()) or (section == "audience" and minors is not None):
            doc[section] = draw(parts[section])
    if practices:
        doc["data_practices"] = practices
    if with_media:
        doc["synthetic_media"] = draw(parts["synthetic_media"])
    keys = list(doc)
    order = draw(st.permutations(keys))
    return {k: doc[k] for k in order}


def products(
    markets: Sequence[str] | st.SearchStrategy[Sequence[str]] | None = None,
    synthetic_media: bool | None = None,
    minors: bool | None = None,
    transfers: bool | None = None,
    max_practices: int = 3,
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid product descriptions (JSON-ready dicts).

    - ``markets``: ``None`` draws 1-4 places (markets, member states, places without rulesets);
      a list is used as given (in a random order); a strategy is drawn from.
    - ``synthetic_media``: ``True`` always, ``False`` never, ``None`` either.
    - ``minors``: ``True`` admits under-18s (``audience.min_age`` < 18); ``False`` admits only
      adults and names no children's data; ``None`` either, ``min_age`` sometimes unknown.
    - ``transfers``: ``True`` at least one cross-border transfer, ``False`` none, ``None`` either.
    - ``max_practices``: at most this many ``data_practices`` (at least one when there is no
      ``synthetic_media`` block, as the contract requires).

    Example::

        @given(products(markets=["CN"], transfers=True))
        def test_every_cn_export_is_judged(doc): ...
    """
    return _products(markets, synthetic_media, minors, transfers, max_practices)


def product_models(**kwargs: Any) -> st.SearchStrategy[Product]:
    """Like :func:`products`, validated into :class:`engine.facts.product.Product`."""
    return products(**kwargs).map(Product.model_validate)


# --------------------------------------------------------------------------------------------
# compliance: problems, repair, seeds


def _jurisdiction_of(market: str) -> str:
    code = market_of(market.upper())
    if code is None:
        raise ValueError(f"{market!r} is not a market with rulesets ({', '.join(sorted(jurisdictions()))})")
    return code


def problems_in(report: Any, market: str, in_scope: bool = True) -> list[Any]:
    """What keeps ``report`` from being compliant in ``market``: violations, undecided rules and
    (with ``in_scope``) instruments of the market that do not apply."""
    j = _jurisdiction_of(market)
    out: list[Any] = [v for v in report.violations if v.jurisdiction == j]
    out += [i for i in report.insufficient_information if i.jurisdiction == j]
    if in_scope:
        out += [n for n in report.not_applicable if n.jurisdiction == j]
    return out


def _evaluator() -> Any:
    from engine.evaluate.evaluator import default_evaluator

    return default_evaluator()


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
    _set(doc, path, copy.deepcopy(rng.choice(values)))
    return True


def _graft_scope(doc: dict[str, Any], seed: dict[str, Any], instrument_id: str, rng: random.Random) -> bool:
    """Copy from ``seed`` what the scope of ``instrument_id`` reads (to bring it into scope)."""
    from engine.law.conditions import atoms

    inst = _evaluator().ruleset.instrument(instrument_id)
    moved = False
    for a in atoms(inst.scope):
        fact = a.fact
        if fact in ("product.markets",):
            continue
        if fact.startswith("synthetic_media.") or fact == "product.has_synthetic_media":
            if seed.get("synthetic_media") is None:
                continue
            if doc.get("synthetic_media") is None or fact == "product.has_synthetic_media":
                doc["synthetic_media"] = copy.deepcopy(seed["synthetic_media"])
            else:
                leaf = fact.split(".", 1)[1]
                if leaf in seed["synthetic_media"]:
                    doc["synthetic_media"][leaf] = copy.deepcopy(seed["synthetic_media"][leaf])
            moved = True
        elif fact in (
            "product.data_categories",
            "product.purposes",
            "product.sells_or_shares",
            "product.transfer_destinations",
        ):
            if seed.get("data_practices"):
                extra = copy.deepcopy(rng.choice(seed["data_practices"]))
                ids = {p.get("id") for p in doc.get("data_practices") or []}
                while extra["id"] in ids:
                    extra["id"] += "-x"
                doc.setdefault("data_practices", []).append(extra)
                moved = True
        elif fact.startswith("product.organization.annual_revenue_"):
            rev = (seed.get("organization") or {}).get("annual_revenue")
            if rev is not None:
                doc.setdefault("organization", {})["annual_revenue"] = copy.deepcopy(rev)
                moved = True
        elif fact.startswith("product."):
            path = fact.split(".", 1)[1]
            try:
                value = _get(seed, path)
            except (KeyError, IndexError, TypeError):
                continue
            _set(doc, path, copy.deepcopy(value))
            moved = True
    return moved


def _valid(doc: dict[str, Any]) -> Product | None:
    try:
        return Product.model_validate(doc)
    except Exception:  # noqa: BLE001 - any invalid move is undone
        return None


def _score(
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
    evaluator = evaluator or _evaluator()
    dates = [as_of] if isinstance(as_of, dt.date) else list(as_of)
    current = copy.deepcopy(doc)
    product = _valid(current)
    if product is None:
        return None
    score, found = _score(evaluator, product, market, dates, in_scope)
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
            atoms.sort(
                key=lambda e: e.rule_fact.endswith(
                    ("data_categories", "purposes", "destinations", "to_markets")
                )
            )
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
        new_product = _valid(trial)
        if new_product is None:
            continue
        new_score, new_found = _score(evaluator, new_product, market, dates, in_scope)
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
    from engine.evaluate.evaluator import default_evaluator

    ruleset = default_evaluator().ruleset
    j = _jurisdiction_of(market) if market else None
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
    product = _valid(start)
    evaluator = _evaluator()
    if product is not None and _score(evaluator, product, market, days, True)[0] == 0:
        _SEEDS[key] = start
        return copy.deepcopy(start)
    for attempt in range(8):
        got = repair(start, market, days, random.Random(attempt), max_steps=300, evaluator=evaluator)
        if got is not None:
            warnings.warn(
                f"{path.name} is no longer compliant in {market} on every day checked; using a repaired "
                f"copy (refresh the file: python -m engine.testing.strategies seed {market})",
                stacklevel=2,
            )
            _SEEDS[key] = got
            return copy.deepcopy(got)
    raise LookupError(f"no description compliant in {market} was found (from {path.name})")


def _read_facts(market: str) -> set[str]:
    """The fact paths some rule or scope of ``market``'s instruments reads."""
    from engine.law.conditions import fact_paths

    ruleset = _evaluator().ruleset
    j = _jurisdiction_of(market)
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


@st.composite
def _compliant(
    draw: st.DrawFn, market: str, as_of: dt.date, others: bool, in_scope: bool, max_steps: int
) -> dict[str, Any]:
    seed = compliant_seed(market, as_of)
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    evaluator = _evaluator()
    mode = draw(st.sampled_from(["seed", "cross", "random"]))
    markets = list(seed["markets"])
    if others:
        markets += [m for m in draw(st.lists(_places(), max_size=2, unique=True)) if m not in markets]
    if mode == "seed":
        start = copy.deepcopy(seed)
    else:
        other = draw(products(markets=markets, synthetic_media=True if seed.get("synthetic_media") else None))
        if mode == "random":
            start = other
        else:
            start = copy.deepcopy(seed)
            leaves = _leaves(other)
            for leaf, value in leaves.items():
                if rng.random() < 0.3:
                    _set(start, leaf, copy.deepcopy(value))
            if rng.random() < 0.5 and other.get("data_practices"):
                start["data_practices"] = other["data_practices"]
    start["markets"] = markets
    got = repair(start, market, as_of, rng, max_steps, evaluator, in_scope, seed)
    if got is not None:
        return got
    # fallback: the seed, varied only where no rule of the market looks; each variation is
    # evaluated and kept only if the product still complies (a derived fact may read a leaf)
    read = _read_facts(market)
    out = copy.deepcopy(seed)
    out["markets"] = markets
    other = draw(products(markets=markets, synthetic_media=True if seed.get("synthetic_media") else None))
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
        _set(trial, leaf, copy.deepcopy(value))
        product = _valid(trial)
        if product is not None and _score(evaluator, product, market, [as_of], in_scope)[0] == 0:
            out = trial
    return out


def compliant_products(
    market: str,
    as_of: dt.date | None = None,
    other_markets: bool = False,
    in_scope: bool = True,
    max_steps: int = 60,
) -> st.SearchStrategy[dict[str, Any]]:
    """Descriptions compliant in ``market`` (``CN``, ``EU``, ``US-CA``) on ``as_of`` (default today).

    Compliant means: no violation and no undecided rule of the market's instruments; with
    ``in_scope`` (default) also that every instrument of the market applies. ``other_markets``
    adds up to two more places to ``markets`` (compliance is only claimed for ``market``).
    See the module docstring for how they are found.

    Example::

        @given(compliant_products("EU"))
        def test_a_compliant_product_exposes_nothing(doc):
            report = evaluate(Product.model_validate(doc), markets=["EU"])
            assert report.summary.violations == 0
    """
    day = as_of or dt.date.today()
    _jurisdiction_of(market)
    return _compliant(market.upper(), day, other_markets, in_scope, max_steps)


#: Examples per property in the ``thorough`` profile.
THOROUGH_EXAMPLES = 10_000


def register_profiles() -> str:
    """Register regulint's hypothesis profiles and load the selected one; returns its name.

    - ``ci`` (default): each property runs the examples its ``@budget(n)`` asks for, the same
      ones every run (``budget`` derandomizes, so CI never fails by chance); no deadline
      (evaluations on a busy CI machine vary in time).
    - ``thorough``: at least ``THOROUGH_EXAMPLES`` (10,000) fresh random examples per property.

    Select with ``pytest --hypothesis-profile=thorough`` or ``REGULINT_HYPOTHESIS_PROFILE``.
    """
    import os

    from hypothesis import HealthCheck, settings

    quiet = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
    settings.register_profile(
        "ci", max_examples=50, deadline=None, suppress_health_check=quiet, print_blob=True
    )
    settings.register_profile(
        "thorough",
        max_examples=THOROUGH_EXAMPLES,
        deadline=None,
        suppress_health_check=quiet,
        print_blob=True,
    )
    name = os.environ.get("REGULINT_HYPOTHESIS_PROFILE", "ci")
    settings.load_profile(name)
    return name


def budget(ci_examples: int) -> Any:
    """A ``@settings`` decorator: ``ci_examples`` examples under the ``ci`` profile, at least
    ``THOROUGH_EXAMPLES`` under ``thorough``, or ``REGULINT_HYPOTHESIS_EXAMPLES`` when that is
    set (read when the test module is imported)."""
    import os

    from hypothesis import settings

    if os.environ.get("REGULINT_HYPOTHESIS_EXAMPLES"):  # an explicit count, for exploring
        return settings(max_examples=int(os.environ["REGULINT_HYPOTHESIS_EXAMPLES"]))
    if settings.get_current_profile_name() == "thorough":
        return settings(max_examples=max(THOROUGH_EXAMPLES, ci_examples))
    # under ci the same examples every run: a shared branch must not fail by chance
    return settings(max_examples=ci_examples, derandomize=True)


def _main(argv: list[str]) -> int:
    """``python -m engine.testing.strategies seed MARKET``: rewrite seeds/compliant-<market>.json."""
    if len(argv) != 2 or argv[0] != "seed":
        print("usage: python -m engine.testing.strategies seed MARKET", file=sys.stderr)
        return 2
    market = argv[1].upper()
    warnings.simplefilter("ignore")
    doc = compliant_seed(market)
    seed_path(market).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {seed_path(market)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main(sys.argv[1:]))
