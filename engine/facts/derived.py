"""Derived facts: the facts a description implies field by field, each declared once.

A derived fact is not a field of the submitted document: it is computed from fields (its
*inputs*) by one of a few *forms*. Each fact below names its form and inputs, and three
interpreters read these declarations:

- the fact builder (:func:`engine.facts.registry.build_subjects`) computes the values
  (:func:`values_of` here);
- the static checks (:mod:`engine.analysis.z3_domain`) encode what the form makes true of every
  description (a member state's market is listed with it, a taxonomy key with its ancestors, what
  a practice has its product has, ...);
- the edit walk (:mod:`engine.fix.edits`) inverts the form: which change of the document makes
  an item leave the fact (or join it).

Inputs are fields of the subject's own object, written relative to it (``organization.
annual_revenue`` of the product, ``to`` of a transfer); the fact path of an input is its
namespace plus the field (``product.organization.establishments``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.core import taxonomy
from engine.core.fx import fx_rates
from engine.core.jurisdictions import markets_of

#: The list of child objects each namespace's object holds, and its parent namespace.
CHILDREN: dict[str, tuple[str, str]] = {
    "practice": ("product", "data_practices"),
    "transfer": ("practice", "transfers"),
}


# --------------------------------------------------------------------------------------------
# the forms


@dataclass(frozen=True)
class Places:
    """The places at ``inputs`` (lists or single codes), with each member state's market folded
    in, sorted (``DE`` gives ``DE`` and ``EU``); ``offered``: where a product is offered, so a
    country also gives the markets within it (``US`` gives ``US-CA``)."""

    inputs: tuple[str, ...]
    offered: bool = False


@dataclass(frozen=True)
class Closure:
    """The taxonomy keys at ``input`` (a list, or with ``single`` one key) with every ancestor."""

    input: str
    kind: str  # the taxonomy kind: data_category | data_use
    single: bool = False


@dataclass(frozen=True)
class Gathered:
    """Every item of the child fact ``fact`` over the subject's children, sorted (what a
    practice has, its product has)."""

    fact: str


@dataclass(frozen=True)
class Collected:
    """The distinct values of ``field`` over the entries of the list ``entries``, sorted. A new
    entry is ``new_entry`` with the item where it has ``...``."""

    entries: str
    field: str
    new_entry: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Counted:
    """How many entries of the list ``entries`` lack ``unless`` (false or absent)."""

    entries: str
    unless: str


@dataclass(frozen=True)
class AnyHolds:
    """Some child (a practice of the product) has one of the yes/no ``facts`` true, stated or
    derived (:mod:`engine.facts.derive`); false when every one is false, unknown otherwise."""

    facts: tuple[str, ...]


@dataclass(frozen=True)
class Present:
    """The description has the block ``input``."""

    input: str


@dataclass(frozen=True)
class Converted:
    """The amount at ``input`` (money) in ``currency`` at the fx.yaml rate of the as-of day,
    to the cent; unknown when the amount is."""

    input: str
    currency: str


Form = Places | Closure | Gathered | Collected | Counted | AnyHolds | Present | Converted


@dataclass(frozen=True)
class Derived:
    """One derived fact: its path, what it means in words, and its form."""

    path: str
    form: Form
    description: str

    @property
    def namespace(self) -> str:
        return self.path.split(".", 1)[0]

    @property
    def type(self) -> str:
        """The fact type (bool | int | number | list)."""
        if isinstance(self.form, AnyHolds | Present):
            return "bool"
        if isinstance(self.form, Counted):
            return "int"
        if isinstance(self.form, Converted):
            return "number"
        return "list"

    @property
    def may_be_missing(self) -> bool:
        return isinstance(self.form, Converted | AnyHolds)

    @property
    def inputs(self) -> tuple[str, ...]:
        """The fields (relative to the subject's object) the fact is computed from."""
        form = self.form
        if isinstance(form, Places):
            return form.inputs
        if isinstance(form, Closure | Present | Converted):
            return (form.input,)
        if isinstance(form, Collected | Counted):
            return (form.entries,)
        child = form.fact if isinstance(form, Gathered) else form.facts[0]
        return (CHILDREN[child.split(".", 1)[0]][1],)

    @property
    def doc_path(self) -> str:
        """Where the fact comes from in the submitted document (relative to the subject's object)."""
        return self.inputs[0]

    def input_fact(self, field: str) -> str:
        """The fact path of an input field (``to`` of a transfer: ``transfer.to``)."""
        return f"{self.namespace}.{field}"


_REVENUE = "organization.annual_revenue"

#: Every derived fact, in the order the fact builder adds them to a subject's facts.
DERIVED: tuple[Derived, ...] = (
    Derived("product.markets", Places(("markets",), offered=True),
            "Markets offered, with member states folded into their market (DE adds EU) and a country "
            "giving the markets within it (US adds US-CA)."),
    Derived("product.organization.establishment_markets",
            Places(("organization.establishments", "organization.headquarters")),
            "Headquarters and establishments, with member states folded in."),
    Derived("product.organization.annual_revenue_usd", Converted(_REVENUE, "USD"),
            "Annual revenue in USD at the fx.yaml rate of the as-of date."),
    Derived("product.organization.annual_revenue_eur", Converted(_REVENUE, "EUR"), "Annual revenue in EUR."),
    Derived("product.organization.annual_revenue_cny", Converted(_REVENUE, "CNY"), "Annual revenue in CNY."),
    Derived("product.data_categories", Gathered("practice.data_categories"),
            "Every data category of every practice, with ancestors."),
    Derived("product.purposes", Gathered("practice.purposes"), "Every purpose of every practice, with ancestors."),
    Derived("product.transfer_destinations", Gathered("practice.transfer_destinations"),
            "Every transfer destination of every practice, with member states folded in."),
    Derived("product.sells_or_shares", AnyHolds(("practice.sold", "practice.shared_for_cross_context_ads")),
            "Some practice sells PI or shares it for cross-context behavioural ads; unknown while a practice "
            "may and none does."),
    Derived("product.has_synthetic_media", Present("synthetic_media"),
            "The description has a synthetic_media block that generates or distributes content."),
    Derived("practice.data_categories", Closure("data_categories", "data_category"),
            "The practice's data categories with every ancestor key."),
    Derived("practice.purposes", Closure("purpose", "data_use", single=True),
            "The practice's purpose with every ancestor key."),
    Derived("practice.recipient_roles",
            Collected("recipients", "role", new_entry=(("name", "r"), ("role", ...), ("contract", True))),
            "Roles of the practice's recipients."),
    Derived("practice.recipients_without_contract", Counted("recipients", "contract"),
            "Recipients that have no data-processing / service-provider contract."),
    Derived("practice.transfer_destinations", Gathered("transfer.to_markets"),
            "Destinations of the practice's transfers, with member states folded in."),
    Derived("transfer.to_markets", Places(("to",)),
            "The destination with the market it folds into (DE gives DE and EU)."),
)  # fmt: skip

#: The derived facts by path.
DERIVED_BY_PATH: dict[str, Derived] = {d.path: d for d in DERIVED}


#: The derived facts of each namespace, in declaration order.
_OF_NAMESPACE: dict[str, tuple[Derived, ...]] = {
    ns: tuple(d for d in DERIVED if d.namespace == ns) for ns in dict.fromkeys(d.namespace for d in DERIVED)
}


def derived(path: str) -> Derived | None:
    """The declaration of a derived fact (``None`` for a fact the document states)."""
    return DERIVED_BY_PATH.get(path)


def item_kind(path: str) -> str | None:
    """The kind of item a derived list fact holds: a taxonomy kind, ``place``, or ``None``."""
    d = DERIVED_BY_PATH.get(path)
    if d is None:
        return None
    if isinstance(d.form, Places):
        return "place"
    if isinstance(d.form, Closure):
        return d.form.kind
    if isinstance(d.form, Gathered):
        return item_kind(d.form.fact)
    return None


def offered_places(path: str) -> bool:
    """Whether a derived place fact lists where a product is offered (a country gives its parts)."""
    d = DERIVED_BY_PATH.get(path)
    return d is not None and isinstance(d.form, Places) and d.form.offered


def closure_of(path: str) -> Closure | None:
    """The taxonomy closure a derived list fact carries (through gathering), if any."""
    d = DERIVED_BY_PATH.get(path)
    if d is not None and isinstance(d.form, Gathered):
        return closure_of(d.form.fact)
    return d.form if d is not None and isinstance(d.form, Closure) else None


def gathered_into(path: str) -> list[str]:
    """The derived facts that gather ``path``'s items, nearest first (``transfer.to_markets``:
    the practice's, then the product's transfer destinations)."""
    out: list[str] = []
    for d in DERIVED:
        if isinstance(d.form, Gathered) and d.form.fact == path:
            out += [d.path, *gathered_into(d.path)]
    return out


# --------------------------------------------------------------------------------------------
# the forward interpretation: values from a product's objects


def _field(obj: Any, path: str) -> Any:
    for name in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


def _money(amount: Any, as_of: dt.date, currency: str) -> float:
    converted = fx_rates().convert(amount.amount, amount.currency, currency, as_of)
    # Facts compare numbers as binary floats, exactly as durable_rules does; penalties read
    # the Decimal amount from the product itself.
    return float(converted.quantize(Decimal("0.01")))


def values_of(
    namespace: str, obj: Any, as_of: dt.date, children: Callable[[], list[Mapping[str, Any]]]
) -> dict[str, Any]:
    """The derived facts of ``namespace`` for its object ``obj`` (a model), in declaration order.

    ``children`` gives the facts of the object's children (the practices of a product, the
    transfers of a practice); an unknown fact (revenue not given) is left out."""
    out: dict[str, Any] = {}
    for d in _OF_NAMESPACE.get(namespace, ()):
        form = d.form
        if isinstance(form, Places):
            codes: list[str] = []
            for name in form.inputs:
                value = _field(obj, name)
                codes += list(value) if isinstance(value, list | tuple) else [] if value is None else [value]
            out[d.path] = markets_of(codes, offered=form.offered)
        elif isinstance(form, Closure):
            value = _field(obj, form.input)
            keys = ([value] if value else []) if form.single else list(value)
            out[d.path] = taxonomy.with_ancestors(keys) if keys else []
        elif isinstance(form, Gathered):
            items: set[Any] = set()
            for child in children():
                items.update(child[form.fact])
            out[d.path] = sorted(items)
        elif isinstance(form, Collected):
            out[d.path] = sorted({_field(e, form.field) for e in _field(obj, form.entries)})
        elif isinstance(form, Counted):
            out[d.path] = sum(1 for e in _field(obj, form.entries) if not _field(e, form.unless))
        elif isinstance(form, AnyHolds):  # three-valued: true, false, or unknown (left out)
            values = [child.get(f) for child in children() for f in form.facts]
            if any(v is True for v in values):
                out[d.path] = True
            elif all(v is False for v in values):
                out[d.path] = False
        elif isinstance(form, Present):
            out[d.path] = _field(obj, form.input) is not None
        else:
            amount = _field(obj, form.input)
            if amount is not None:
                out[d.path] = _money(amount, as_of, form.currency)
    return out


__all__ = [
    "AnyHolds",
    "CHILDREN",
    "Closure",
    "Collected",
    "Converted",
    "Counted",
    "DERIVED",
    "DERIVED_BY_PATH",
    "Derived",
    "Form",
    "Gathered",
    "Places",
    "Present",
    "closure_of",
    "derived",
    "gathered_into",
    "item_kind",
    "offered_places",
    "values_of",
]
