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

from engine.facts import derive
from engine.facts.derived import DERIVED, Collected, Converted, Derived, item_kind, values_of
from engine.facts.mechanisms import TransferMechanisms
from engine.facts.media import SyntheticMedia
from engine.facts.product import (
    Audience,
    Consent,
    DataPractice,
    DataSubjectRights,
    Governance,
    Money,
    Notice,
    Organization,
    Product,
    Recipient,
    Transfer,
)

SUBJECT_KINDS = ("product", "practice", "transfer", "synthetic_media")

#: Which namespaces the fact of each subject kind carries.
NAMESPACES: dict[str, tuple[str, ...]] = {
    "product": ("product", "synthetic_media"),
    "practice": ("product", "synthetic_media", "practice"),
    "transfer": ("product", "synthetic_media", "practice", "transfer"),
    "synthetic_media": ("product", "synthetic_media"),
}

#: Where the fact paths of each model's fields start (``None``: its fields are no facts).
FACT_PREFIX: dict[type[BaseModel], str | None] = {
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


#: Model fields read only through derived facts that convert them (money amounts).
_CONVERTED_INPUTS = {d.input_fact(d.form.input) for d in DERIVED if isinstance(d.form, Converted)}


def _walk(model: type[BaseModel], skip: set[str]) -> list[FactSpec]:
    prefix = FACT_PREFIX[model]
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
            if path in _CONVERTED_INPUTS:
                continue  # read through the derived facts that convert it
            if FACT_PREFIX.get(inner) != path:  # pragma: no cover - FACT_PREFIX must list the model
                raise TypeError(f"FACT_PREFIX gives {inner.__name__} no prefix {path!r}")
            specs.extend(_walk(inner, set()))
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


def _derived_spec(d: Derived) -> FactSpec:
    values: tuple[Any, ...] | None = (True, False) if d.type == "bool" else None
    if isinstance(d.form, Collected):  # the values of the collected field of the entries' model
        owner = next(m for m, prefix in FACT_PREFIX.items() if prefix == d.namespace)
        entries, _ = _unwrap(owner.model_fields[d.form.entries].annotation)
        (entry,) = typing.get_args(entries)
        field, _ = _unwrap(entry.model_fields[d.form.field].annotation)
        values = tuple(e.value for e in field)
    return FactSpec(d.path, d.type, values, d.may_be_missing, d.description, d.doc_path)


@cache
def fact_specs() -> dict[str, FactSpec]:
    """Every fact path rules may test, by path."""
    specs = _walk(Product, {"data_practices", "synthetic_media", "markets", "schema_version"})
    specs += _walk(SyntheticMedia, set())
    specs += _walk(DataPractice, {"data_categories"})
    specs += _walk(Transfer, {"mechanism"})  # the old single key, read as mechanisms
    by_path = {s.path: s for s in specs}
    for d in DERIVED:
        by_path[d.path] = _derived_spec(d)
    # taxonomy-valued lists: their items are taxonomy keys
    by_path["practice.data_subjects"] = FactSpec(
        "practice.data_subjects", "list", None, False, "Data-subject keys of the practice."
    )
    return by_path


def list_item_kind(path: str) -> str | None:
    """The taxonomy kind whose keys a list fact holds, if any (for lint)."""
    if path == "practice.data_subjects":
        return "data_subject"
    kind = item_kind(path)
    return kind if kind != "place" else None


@dataclass(frozen=True)
class Subject:
    """One fact: a subject instance of a product, with its place in the submitted document.

    Made by :func:`build_subjects`. ``facts`` holds every fact of the subject's kind that can never
    be unknown (``FactSpec.may_be_missing`` false); one built by hand must too: the durable decider
    writes such a boolean only when it is true, so a missing one reads as false there, while the
    reference evaluator reads it as unknown."""

    kind: str
    id: str  # the practice id, "<practice id>/transfers[j]", "synthetic_media" or the product id
    doc_prefix: str  # "", "data_practices[0].", "data_practices[0].transfers[1].", "synthetic_media."
    facts: dict[str, Any]

    def doc_path(self, fact_path: str) -> str:
        """Where ``fact_path`` of this fact comes from in the submitted document."""
        spec = fact_specs().get(fact_path)
        field = spec.doc_path if spec is not None else None
        found = document_path(fact_path, self.doc_prefix.rstrip("."), field)
        return found if found is not None else self.doc_prefix + (field or fact_path.partition(".")[2])


def document_path(fact_path: str, subject_path: str, field: str | None = None) -> str | None:
    """Where a fact comes from in the submitted document, seen from the subject at ``subject_path``
    ("" the product, "data_practices[0]", "data_practices[0].transfers[1]", "synthetic_media");
    ``field`` overrides the fact's own field name. None where that subject has no such place."""
    ns, _, rest = fact_path.partition(".")
    rest = field if field is not None else rest
    if ns == "product":
        return rest
    if ns == "synthetic_media":
        return f"synthetic_media.{rest}"
    practice = subject_path.split(".transfers[")[0]
    if ns == "practice":
        return f"{practice}.{rest}" if practice else None
    if ns == "transfer":
        return f"{subject_path}.{rest}" if ".transfers[" in subject_path else None
    return None


#: The fields of a model type under a prefix that give facts, in field order: (name, fact path,
#: whether a None is unknown, None) for a fact, (name, path, False, model type) for a model of facts.
_Plan = tuple[tuple[str, str, bool, type[BaseModel] | None], ...]
_PLANS: dict[tuple[type[BaseModel], str], _Plan] = {}


def _plan(model: type[BaseModel], prefix: str) -> _Plan:
    found = _PLANS.get((model, prefix))
    if found is None:
        specs = fact_specs()
        out = []
        for name, field in model.model_fields.items():
            path = f"{prefix}.{name}"
            spec = specs.get(path)
            if spec is not None:
                out.append((name, path, spec.may_be_missing, None))
                continue
            inner, _ = _unwrap(field.annotation)
            under = f"{path}."
            if (
                isinstance(inner, type)
                and issubclass(inner, BaseModel)
                and any(p.startswith(under) for p in specs)
            ):
                out.append((name, path, False, inner))
        found = _PLANS[(model, prefix)] = tuple(out)
    return found


def _flatten(model: BaseModel | None, prefix: str, out: dict[str, Any]) -> None:
    """The facts ``model`` states, by path under ``prefix``: read field by field as a dump would
    give them (lists copied, dates as numbers), an unknown None left out."""
    if model is None:
        return
    fields = model.__dict__  # a model's field values (read here without its attribute lookups)
    for name, path, may_be_missing, nested in _plan(type(model), prefix):
        value = fields[name]
        if nested is not None:
            _flatten(value, path, out)
        elif value is None:
            if not may_be_missing:
                out[path] = None
        elif type(value) is list:
            out[path] = list(value)
        else:
            out[path] = date_number(value) if isinstance(value, dt.date) else value


def date_number(day: dt.date) -> int:
    """A date as the number YYYYMMDD, so conditions compare it with ``lt``/``gte``."""
    return day.year * 10000 + day.month * 100 + day.day


def build_subjects(product: Product, as_of: dt.date) -> list[Subject]:
    """The facts of a product, one per subject instance, in document order."""
    # a practice's own facts (stated, descriptive defaults, derived) first: the product's derived
    # facts gather them, and a practice's derived facts gather its transfers'
    transfer_facts = [
        [values_of("transfer", t, as_of, list) for t in practice.transfers]
        for practice in product.data_practices
    ]
    practice_facts: list[dict[str, Any]] = []
    for i, practice in enumerate(product.data_practices):
        own: dict[str, Any] = {}
        _flatten(practice, "practice", own)
        for name, value in derive.practice_facts(product, practice).items():
            own[f"practice.{name}"] = value
        own.update(values_of("practice", practice, as_of, lambda i=i: transfer_facts[i]))
        practice_facts.append(own)
    base: dict[str, Any] = {}
    # the practices and the synthetic_media block are flattened on their own below
    _flatten(product, "product", base)
    base.pop("product.data_practices", None)
    base.update(values_of("product", product, as_of, lambda: practice_facts))
    sm = product.synthetic_media
    _flatten(sm or SyntheticMedia(), "synthetic_media", base)
    for name, value in derive.media_facts(product).items():
        base[f"synthetic_media.{name}"] = value

    subjects = [Subject("product", product.id, "", base)]
    for i, practice in enumerate(product.data_practices):
        pf = dict(base)
        pf.update(practice_facts[i])
        prefix = f"data_practices[{i}]."
        subjects.append(Subject("practice", practice.id, prefix, pf))
        for j, transfer in enumerate(practice.transfers):
            tf = dict(pf)
            _flatten(transfer, "transfer", tf)
            tf.update(transfer_facts[i][j])
            subjects.append(
                Subject("transfer", f"{practice.id}/transfers[{j}]", f"{prefix}transfers[{j}].", tf)
            )
    if sm is not None:
        subjects.append(Subject("synthetic_media", "synthetic_media", "synthetic_media.", base))
    return subjects
