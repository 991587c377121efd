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
  2. :func:`engine.testing.repair.repair` walks it towards compliance: it evaluates the product, takes a random
     violation (or undecided rule), and changes the document so that one atom of the rule's
     evidence stops holding (a safeguard is switched on, a listed category removed, a missing
     fact given); a change that makes things worse is undone;
  3. if the walk does not reach compliance within its budget, the seed itself is used, with
     only compliance-neutral leaves varied (facts no rule of the market's instruments reads).

  Every value the strategy yields has been evaluated and is compliant; the randomness only
  decides *which* compliant product. If the seed no longer complies (rulesets grew), the seed is
  repaired first and a warning says so (regulint's checkout refreshes the seed file with
  ``python tests/properties/write_seed.py MARKET``).

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

The search itself (:mod:`engine.testing.repair`) needs no hypothesis; regulint's own hypothesis
profiles (``ci``, ``thorough``) live with its test suite (``tests/properties/profiles.py``).
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

from pydantic import BaseModel

from engine.core import taxonomy
from engine.core.extras import require
from engine.core.jurisdictions import jurisdictions, member_of, other_places
from engine.facts.derived import DERIVED, Converted
from engine.facts.media import SyntheticMedia
from engine.facts.product import (
    Audience,
    DataCategoryKey,
    DataPractice,
    DataSubjectKey,
    DataUseKey,
    Governance,
    Organization,
    PlaceCode,
    Product,
    Recipient,
    Transfer,
)
from engine.facts.registry import FACT_PREFIX, list_item_kind
from engine.fix.edits import rule_numbers
from engine.testing.repair import compliant_seed, crossover, jurisdiction_of, repair, vary_neutral

st = require("hypothesis.strategies", "strategies", "engine.testing.strategies (hypothesis strategies)")

__all__ = ["products", "product_models", "compliant_products"]

_OTHER_SAMPLE = ("US", "GB", "JP", "IN", "BR", "CH", "SG", "HK", "KR", "AU", "CA", "US-NY", "US-TX")


# --------------------------------------------------------------------------------------------
# what the shipped rules look at (hints that make generated products reach the thresholds)


@cache
def _rule_hints() -> tuple[dict[str, tuple[float, ...]], tuple[str, ...], tuple[str, ...]]:
    """Numeric constants per fact path, and the taxonomy keys the rules name (with children)."""
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
    prefix = FACT_PREFIX.get(model)
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
    for d in DERIVED:  # amounts near the thresholds rules set on a converted figure, in its currency
        hints = numbers.get(d.path, ()) if isinstance(d.form, Converted) else ()
        if hints:
            parts.insert(
                0,
                st.fixed_dictionaries(
                    {"amount": _near(hints, True, 0, 10**15), "currency": st.just(d.form.currency)}
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


@st.composite
def _compliant(
    draw: st.DrawFn, market: str, as_of: dt.date, others: bool, in_scope: bool, max_steps: int
) -> dict[str, Any]:
    seed = compliant_seed(market, as_of)
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    mode = draw(st.sampled_from(["seed", "cross", "random"]))
    markets = list(seed["markets"])
    if others:
        markets += [m for m in draw(st.lists(_places(), max_size=2, unique=True)) if m not in markets]
    with_media = True if seed.get("synthetic_media") else None
    if mode == "seed":
        start = copy.deepcopy(seed)
    else:
        other = draw(products(markets=markets, synthetic_media=with_media))
        start = other if mode == "random" else crossover(seed, other, rng)
    start["markets"] = markets
    got = repair(start, market, as_of, rng, max_steps, None, in_scope, seed)
    if got is not None:
        return got
    # fallback: the seed, varied only where no rule of the market looks
    base = copy.deepcopy(seed)
    base["markets"] = markets
    other = draw(products(markets=markets, synthetic_media=with_media))
    return vary_neutral(base, other, market, as_of, rng, in_scope)


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
    jurisdiction_of(market)
    return _compliant(market.upper(), day, other_markets, in_scope, max_steps)
