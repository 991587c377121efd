"""Facts: the flat, namespaced view of a product that rule conditions test.

A rule's ``subject`` says which kind of fact it is tested on:

- ``product``: one fact for the whole product (namespaces ``product.*`` and ``synthetic_media.*``);
- ``practice``: one fact per entry of ``data_practices`` (adds ``practice.*``);
- ``transfer``: one fact per entry of a practice's ``transfers`` (adds ``transfer.*``);
- ``synthetic_media``: one fact when the description has a ``synthetic_media`` block.

Every path is listed in :func:`fact_specs` (the vocabulary rule authors may use, checked by the
loader). Hierarchical taxonomy keys and member-state market codes are expanded here, so rules
match by plain membership. A path whose value is unknown is *absent* from the fact; a present
``None`` is a real null (``retention_days: null`` means "no limit").
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

from pydantic import BaseModel

from engine.core import taxonomy
from engine.core.fx import fx_rates
from engine.core.jurisdictions import markets_of
from engine.facts import derive
from engine.facts.product import DataPractice, Organization, Product, SyntheticMedia, Transfer

SUBJECT_KINDS = ("product", "practice", "transfer", "synthetic_media")

#: Which namespaces the fact of each subject kind carries.
NAMESPACES: dict[str, tuple[str, ...]] = {
    "product": ("product", "synthetic_media"),
    "practice": ("product", "synthetic_media", "practice"),
    "transfer": ("product", "synthetic_media", "practice", "transfer"),
    "synthetic_media": ("product", "synthetic_media"),
}

#: Optional fields whose ``None`` is a value, not "unknown".
NULL_IS_VALUE = {
    "practice.retention_days",
    "synthetic_media.metadata_standard",
    "synthetic_media.emotion_recognition_context",
    "product.name",
    "product.organization.name",
    "product.organization.headquarters",
}


@dataclass(frozen=True)
class FactSpec:
    """One path rule conditions may test."""

    path: str
    type: str  # bool | int | number | str | list
    values: tuple[Any, ...] | None  # allowed values (enums), or list item values
    may_be_missing: bool
    description: str
    doc_path: str | None = None  # where it comes from in the submitted document, if not the path itself

    @property
    def nullable(self) -> bool:
        """Whether a known value can be null (``retention_days: null`` means "no limit")."""
        return self.path in NULL_IS_VALUE

    @property
    def namespace(self) -> str:
        return self.path.split(".", 1)[0]


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """Strip Optional/Annotated; return (inner type, optional?)."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            annotation = args[0]
        else:
            return annotation, optional


def _walk(model: type[BaseModel], prefix: str, skip: set[str]) -> list[FactSpec]:
    specs: list[FactSpec] = []
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        path = f"{prefix}.{name}"
        inner, optional = _unwrap(field.annotation)
        missing = optional and path not in NULL_IS_VALUE
        desc = field.description or ""
        origin = typing.get_origin(inner)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            if path == "product.organization.annual_revenue":
                continue  # read through the derived annual_revenue_* facts
            specs.extend(_walk(inner, path, set()))
        elif origin is list:
            (item,) = typing.get_args(inner)
            item, _ = _unwrap(item)
            if isinstance(item, type) and issubclass(item, BaseModel):
                continue  # lists of objects: see the derived facts
            values = (
                tuple(e.value for e in item) if isinstance(item, type) and issubclass(item, Enum) else None
            )
            specs.append(FactSpec(path, "list", values, False, desc))
        elif origin is dict:
            continue
        elif inner is bool:
            specs.append(FactSpec(path, "bool", (True, False), missing, desc))
        elif inner is dt.date:  # compared as the number YYYYMMDD (durable_rules has no dates)
            specs.append(FactSpec(path, "int", None, missing, f"{desc} Tested as the number YYYYMMDD."))
        elif inner is int:
            specs.append(FactSpec(path, "int", None, missing, desc))
        elif inner in (float, Decimal):
            specs.append(FactSpec(path, "number", None, missing, desc))
        elif isinstance(inner, type) and issubclass(inner, Enum):
            specs.append(FactSpec(path, "str", tuple(e.value for e in inner), missing, desc))
        elif inner is str:
            specs.append(FactSpec(path, "str", None, missing, desc))
        else:  # pragma: no cover - a new field type must be mapped here
            raise TypeError(f"no fact type for {path}: {inner!r}")
    return specs


_DERIVED: list[FactSpec] = [
    FactSpec(
        "product.markets",
        "list",
        None,
        False,
        "Markets offered, with member states folded into their market (DE adds EU).",
        "markets",
    ),
    FactSpec(
        "product.organization.establishment_markets",
        "list",
        None,
        False,
        "Headquarters and establishments, with member states folded in.",
        "organization.establishments",
    ),
    FactSpec(
        "product.organization.annual_revenue_usd",
        "number",
        None,
        True,
        "Annual revenue in USD at the fx.yaml rate of the as-of date.",
        "organization.annual_revenue",
    ),
    FactSpec(
        "product.organization.annual_revenue_eur",
        "number",
        None,
        True,
        "Annual revenue in EUR.",
        "organization.annual_revenue",
    ),
    FactSpec(
        "product.organization.annual_revenue_cny",
        "number",
        None,
        True,
        "Annual revenue in CNY.",
        "organization.annual_revenue",
    ),
    FactSpec(
        "product.data_categories",
        "list",
        None,
        False,
        "Every data category of every practice, with ancestors.",
        "data_practices",
    ),
    FactSpec(
        "product.purposes",
        "list",
        None,
        False,
        "Every purpose of every practice, with ancestors.",
        "data_practices",
    ),
    FactSpec(
        "product.sells_or_shares",
        "bool",
        (True, False),
        True,
        "Some practice sells PI or shares it for cross-context behavioural ads; unknown while a practice "
        "may and none does.",
        "data_practices",
    ),
    FactSpec(
        "product.transfer_destinations",
        "list",
        None,
        False,
        "Every transfer destination of every practice, with member states folded in.",
        "data_practices",
    ),
    FactSpec(
        "product.has_synthetic_media",
        "bool",
        (True, False),
        False,
        "The description has a synthetic_media block that generates or distributes content.",
        "synthetic_media",
    ),
    FactSpec(
        "practice.data_categories",
        "list",
        None,
        False,
        "The practice's data categories with every ancestor key.",
    ),
    FactSpec(
        "practice.purposes", "list", None, False, "The practice's purpose with every ancestor key.", "purpose"
    ),
    FactSpec(
        "practice.recipient_roles",
        "list",
        ("processor", "service_provider", "contractor", "third_party", "joint_controller"),
        False,
        "Roles of the practice's recipients.",
        "recipients",
    ),
    FactSpec(
        "practice.recipients_without_contract",
        "int",
        None,
        False,
        "Recipients that have no data-processing / service-provider contract.",
        "recipients",
    ),
    FactSpec(
        "practice.transfer_destinations",
        "list",
        None,
        False,
        "Destinations of the practice's transfers, with member states folded in.",
        "transfers",
    ),
    FactSpec(
        "transfer.to_markets",
        "list",
        None,
        False,
        "The destination with the market it folds into (DE gives DE and EU).",
        "to",
    ),
]


@cache
def fact_specs() -> dict[str, FactSpec]:
    """Every fact path rules may test, by path."""
    specs = _walk(Product, "product", {"data_practices", "synthetic_media", "markets", "schema_version"})
    specs += _walk(SyntheticMedia, "synthetic_media", set())
    specs += _walk(DataPractice, "practice", {"data_categories"})
    specs += _walk(Transfer, "transfer", {"mechanism"})  # the old single key, read as mechanisms
    by_path = {s.path: s for s in specs}
    for s in _DERIVED:
        by_path[s.path] = s
    # taxonomy-valued lists: their items are taxonomy keys
    by_path["practice.data_subjects"] = FactSpec(
        "practice.data_subjects", "list", None, False, "Data-subject keys of the practice."
    )
    return by_path


def list_item_kind(path: str) -> str | None:
    """The taxonomy kind whose keys a list fact holds, if any (for lint)."""
    if path.endswith("data_categories"):
        return "data_category"
    if path.endswith("purposes"):
        return "data_use"
    if path == "practice.data_subjects":
        return "data_subject"
    return None


@dataclass(frozen=True)
class Subject:
    """One fact: a subject instance of a product, with its place in the submitted document."""

    kind: str
    id: str  # the practice id, "<practice id>/transfers[j]", "synthetic_media" or the product id
    doc_prefix: str  # "", "data_practices[0].", "data_practices[0].transfers[1].", "synthetic_media."
    facts: dict[str, Any]

    def doc_path(self, fact_path: str) -> str:
        """Where ``fact_path`` of this fact comes from in the submitted document."""
        spec = fact_specs().get(fact_path)
        ns, _, rest = fact_path.partition(".")
        if spec is not None and spec.doc_path is not None:
            rest = spec.doc_path
            if ns == "product":
                return rest
        if ns == "product":
            return rest
        if ns == "synthetic_media":
            return f"synthetic_media.{rest}"
        if ns == "practice":
            return self._practice_prefix() + rest
        return self.doc_prefix + rest  # transfer

    def _practice_prefix(self) -> str:
        if self.kind == "transfer":
            return self.doc_prefix.rsplit("transfers[", 1)[0]
        return self.doc_prefix


def _flatten(
    model: BaseModel | None, prefix: str, out: dict[str, Any], specs: dict[str, FactSpec],
    exclude: set[str] | None = None,
) -> None:  # fmt: skip
    data = {} if model is None else model.model_dump(mode="python", exclude=exclude)

    def walk(obj: dict[str, Any], pre: str) -> None:
        for key, value in obj.items():
            path = f"{pre}.{key}"
            if isinstance(value, dict):
                walk(value, path)
            elif path in specs:
                if value is None and specs[path].may_be_missing:
                    continue
                out[path] = date_number(value) if isinstance(value, dt.date) else value

    walk(data, prefix)


def date_number(day: dt.date) -> int:
    """A date as the number YYYYMMDD, so conditions compare it with ``lt``/``gte``."""
    return day.year * 10000 + day.month * 100 + day.day


def _revenue_facts(org: Organization, as_of: dt.date, out: dict[str, Any]) -> None:
    if org.annual_revenue is None:
        return
    rates = fx_rates()
    for cur in ("USD", "EUR", "CNY"):
        amount = rates.convert(org.annual_revenue.amount, org.annual_revenue.currency, cur, as_of)
        # Facts compare numbers as binary floats, exactly as durable_rules does; penalties read
        # the Decimal amount from the product itself.
        out[f"product.organization.annual_revenue_{cur.lower()}"] = float(amount.quantize(Decimal("0.01")))


def _stated_or(practice: DataPractice, derived: dict[str, Any], name: str) -> bool | None:
    stated = getattr(practice, name)
    return stated if stated is not None else derived.get(name)


def _any_known(values: list[bool | None]) -> bool | None:
    """Three-valued "any": true if one is, false if all are false, otherwise unknown (None)."""
    if any(v is True for v in values):
        return True
    return False if all(v is False for v in values) else None


def build_subjects(product: Product, as_of: dt.date) -> list[Subject]:
    """The facts of a product, one per subject instance, in document order."""
    specs = fact_specs()
    base: dict[str, Any] = {}
    # the practices and the synthetic_media block are flattened on their own below
    _flatten(product, "product", base, specs, {"data_practices", "synthetic_media"})
    base.pop("product.data_practices", None)
    base["product.markets"] = markets_of(product.markets)
    org = product.organization
    places = list(org.establishments) + ([org.headquarters] if org.headquarters else [])
    base["product.organization.establishment_markets"] = markets_of(places)
    _revenue_facts(org, as_of, base)
    cats: set[str] = set()
    purposes: set[str] = set()
    dests: set[str] = set()
    for p in product.data_practices:
        cats.update(taxonomy.with_ancestors(p.data_categories))
        if p.purpose:
            purposes.update(taxonomy.with_ancestors([p.purpose]))
        dests.update(markets_of([t.to for t in p.transfers]))
    base["product.data_categories"] = sorted(cats)
    base["product.purposes"] = sorted(purposes)
    base["product.transfer_destinations"] = sorted(dests)
    derived = [derive.practice_facts(product, p) for p in product.data_practices]
    sells = _any_known(
        [
            _stated_or(p, d, name)
            for p, d in zip(product.data_practices, derived, strict=True)
            for name in ("sold", "shared_for_cross_context_ads")
        ]
    )
    if sells is not None:
        base["product.sells_or_shares"] = sells
    sm = product.synthetic_media
    base["product.has_synthetic_media"] = sm is not None
    _flatten(sm or SyntheticMedia(), "synthetic_media", base, specs)
    for name, value in derive.media_facts(product).items():
        base[f"synthetic_media.{name}"] = value

    subjects = [Subject("product", product.id, "", base)]
    for i, practice in enumerate(product.data_practices):
        pf = dict(base)
        _flatten(practice, "practice", pf, specs)
        for name, value in derived[i].items():
            pf[f"practice.{name}"] = value
        pf["practice.data_categories"] = taxonomy.with_ancestors(practice.data_categories)
        pf["practice.purposes"] = taxonomy.with_ancestors([practice.purpose]) if practice.purpose else []
        pf["practice.recipient_roles"] = sorted({r.role for r in practice.recipients})
        pf["practice.recipients_without_contract"] = sum(1 for r in practice.recipients if not r.contract)
        pf["practice.transfer_destinations"] = markets_of([t.to for t in practice.transfers])
        prefix = f"data_practices[{i}]."
        subjects.append(Subject("practice", practice.id, prefix, pf))
        for j, transfer in enumerate(practice.transfers):
            tf = dict(pf)
            _flatten(transfer, "transfer", tf, specs)
            tf["transfer.to_markets"] = markets_of([transfer.to])
            subjects.append(
                Subject("transfer", f"{practice.id}/transfers[{j}]", f"{prefix}transfers[{j}].", tf)
            )
    if sm is not None:
        subjects.append(Subject("synthetic_media", "synthetic_media", "synthetic_media.", base))
    return subjects
