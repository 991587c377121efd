"""Dated legal parameters and penalty tiers, each defined once (``rulesets/parameters``, ``rulesets/tiers``).

A legal value that changes over time is a list of dated values, never a copied rule
(OpenFisca's parameters: each value with the date it applies from and its own reference)::

    eu:
      adequacy:
        description: Third countries with an adequacy decision (GDPR Art. 45)
        values:
          - {from: 2018-05-25, value: [AD, AR, CA], reference: https://eur-lex.europa.eu/...}
          - {from: 2019-01-23, value: [AD, AR, CA, JP], reference: https://eur-lex.europa.eu/...}

A value applies from its ``from`` day until the next value's; before the first one the first
applies (nothing can be in force then). Conditions name a parameter with ``{param: eu.adequacy}``.

A penalty tier is one statutory penalty provision, shared by every instrument whose rules
point to it (``penalty: cn-pipl-66-2``). Its ``max``, ``min`` and ``sme_max`` are a formula
(:mod:`engine.law.penalties`) or a list of dated formulas; a dated entry may carry its own
``citation``, ``source``, ``confirmed`` and ``note`` (an amended act renumbers articles).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from engine.core.dated import newest_on
from engine.core.resources import rulesets_dir
from engine.core.spans import Located, LocatedError, Span
from engine.core.yamlio import load_with_lines, plain, span_of
from engine.law.penalties import Formula, parse_formula

_ID = r"^[a-z0-9][a-z0-9-]*[a-z0-9]$"
_URL = r"^https?://\S+$"
_NAME = r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$"


class RulesetError(LocatedError):
    """A ruleset, parameter or tier file that does not validate: ``file:line: message``."""


ParameterError = RulesetError


class StrictModel(BaseModel):
    """A frozen pydantic model that refuses unknown keys (every ruleset structure)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, arbitrary_types_allowed=True, populate_by_name=True
    )


class Reference(StrictModel):
    """Secondary material on a provision: commentary, a translation, guidance, a judgment."""

    label: Annotated[str, Field(min_length=1, max_length=300)]
    url: Annotated[str, Field(pattern=_URL, max_length=2000)]


# The official text goes in ``source`` (see engine.law.sources); everything else here.
References = Annotated[tuple[Reference, ...], Field(max_length=20)]


class DatedValue(StrictModel):
    """One value of a parameter, from a day on, with the text it comes from."""

    from_: dt.date = Field(alias="from")
    value: Any
    reference: str = Field(pattern=_URL, description="The official text this value comes from.")
    citation: str | None = None
    confirmed: bool = True
    note: str | None = None


class ParameterModel(StrictModel):
    description: str
    unit: str | None = None
    values: list[DatedValue] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> ParameterModel:
        days = [v.from_ for v in self.values]
        if days != sorted(set(days)):
            raise ValueError(f"values must be in date order without repeats, got {[str(d) for d in days]}")
        return self


@dataclass(frozen=True)
class Parameter(Located):
    """A legal value over time."""

    name: str
    description: str
    unit: str | None
    values: tuple[DatedValue, ...]
    span: Span  # where the parameter is defined

    def entry_at(self, day: dt.date) -> DatedValue:
        return newest_on(self.values, day, lambda v: v.from_)

    def at(self, day: dt.date) -> Any:
        """The value in force on ``day``."""
        return self.entry_at(day).value

    def boundaries(self) -> set[dt.date]:
        return {v.from_ for v in self.values}


class DatedFormula(StrictModel):
    """A penalty formula from a day on (a tier's ``max``, ``min`` or ``sme_max``)."""

    from_: dt.date = Field(alias="from")
    value: Any
    citation: str | None = None
    source: str | None = Field(default=None, pattern=_URL)
    reference: str | None = Field(default=None, pattern=_URL)
    references: References = ()
    confirmed: bool | None = None
    note: str | None = None

    @field_validator("value", mode="before")
    @classmethod
    def _formula(cls, value: Any) -> Formula:
        return parse_formula(value)


def _dated(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return value
    return [{"from": dt.date.min, "value": value}]


class TierModel(StrictModel):
    title: str | None = None
    citation: str
    source: str | None = Field(default=None, pattern=_URL)
    references: References = ()
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    counts: Literal["case", "affected_consumers"] = "case"
    conditional_on: str | None = None
    confirmed: bool = True
    note: str | None = None
    max: list[DatedFormula] = Field(min_length=1)
    min: list[DatedFormula] | None = None
    sme_max: list[DatedFormula] | None = None

    @field_validator("max", "min", "sme_max", mode="before")
    @classmethod
    def _as_dated(cls, value: Any) -> Any:
        return _dated(value)

    @model_validator(mode="after")
    def _ordered(self) -> TierModel:
        for name in ("max", "min", "sme_max"):
            entries = getattr(self, name) or []
            days = [e.from_ for e in entries]
            if days != sorted(set(days)):
                raise ValueError(f"{name}: dated values must be in date order without repeats")
        return self


class PenaltyTier(StrictModel):
    """A tier as it stands on one day: what a violation is priced with."""

    id: str = ""
    citation: str
    source: str | None = None
    references: References = ()
    currency: str | None = None
    min: Any = None
    max: Any
    sme_max: Any = None
    counts: Literal["case", "affected_consumers"] = "case"
    conditional_on: str | None = Field(
        default=None, description="The event the amount arises only on (e.g. 'a data breach occurs')."
    )
    confirmed: bool = True
    note: str | None = None
    period_from: dt.date | None = Field(default=None, description="First day of this version (None: always).")
    period_until: dt.date | None = Field(default=None, description="Last day of this version (None: open).")


def _entry(entries: list[DatedFormula] | None, day: dt.date) -> DatedFormula | None:
    if not entries:
        return None
    return newest_on(entries, day, lambda e: e.from_)


@dataclass(frozen=True)
class Tier(Located):
    """One statutory penalty provision with dated maxima, defined once and shared by instruments."""

    id: str
    model: TierModel
    span: Span  # where the tier is defined

    @property
    def citation(self) -> str:
        return self.model.citation

    @property
    def title(self) -> str | None:
        return self.model.title

    def boundaries(self) -> set[dt.date]:
        out: set[dt.date] = set()
        for name in ("max", "min", "sme_max"):
            out |= {e.from_ for e in getattr(self.model, name) or () if e.from_ != dt.date.min}
        return out

    def at(self, day: dt.date) -> PenaltyTier:
        """The tier in force on ``day``: formulas, citation and confirmation of that version."""
        m = self.model
        top = _entry(m.max, day)
        assert top is not None
        low, sme = _entry(m.min, day), _entry(m.sme_max, day)
        later = sorted(d for d in self.boundaries() if d > day)
        earlier = [d for d in self.boundaries() if d <= day]
        confirmed = m.confirmed and all(e is None or e.confirmed is not False for e in (top, low, sme))
        return PenaltyTier(
            id=self.id,
            citation=top.citation or m.citation,
            source=top.source or m.source,
            references=top.references or m.references,
            currency=m.currency,
            min=low.value if low else None,
            max=top.value,
            sme_max=sme.value if sme else None,
            counts=m.counts,
            conditional_on=m.conditional_on,
            confirmed=confirmed,
            note=top.note or m.note,
            period_from=max(earlier) if earlier else None,
            period_until=later[0] - dt.timedelta(days=1) if later else None,
        )

    def latest(self) -> PenaltyTier:
        """The tier as it stands from its last dated change on."""
        return self.at(max(self.boundaries(), default=dt.date.max))


@dataclass(frozen=True)
class LegalData:
    """Every parameter and tier, by name and id."""

    parameters: dict[str, Parameter]
    tiers: dict[str, Tier]
    digest_text: str = ""


def _parameter_nodes(node: Any, prefix: str, out: list[tuple[str, list[str], Any]], loc: list[str]) -> None:
    if isinstance(node, dict) and "values" in node:
        out.append((prefix, loc, node))
        return
    if not isinstance(node, dict):
        raise ValueError(f"{prefix or 'the file'}: a parameter node is a mapping, got {node!r}")
    for key, child in node.items():
        _parameter_nodes(child, f"{prefix}.{key}" if prefix else str(key), out, loc + [str(key)])


def _fail(doc: Any, name: str, loc: list[Any], exc: ValidationError) -> ParameterError:
    err = exc.errors()[0]
    where = [*loc, *(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))]
    text = ".".join(str(p) for p in where)
    return ParameterError.at(span_of(doc, where, name), f"{text}: {err['msg']}")


def _load_parameters(path: Path, out: dict[str, Parameter]) -> None:
    name = str(path)
    data = load_with_lines(name)
    nodes: list[tuple[str, list[str], Any]] = []
    try:
        _parameter_nodes(data or {}, "", nodes, [])
    except ValueError as exc:
        raise ParameterError(name, 1, str(exc)) from None
    for pname, loc, node in nodes:
        span = span_of(data, loc, name)
        if not re.match(_NAME, pname):
            raise ParameterError.at(span, f"parameter name {pname!r} is not dotted lower-case words")
        if pname in out:
            raise ParameterError.at(span, f"parameter {pname!r} is also defined in {out[pname].file}")
        try:
            model = ParameterModel.model_validate(plain(node))
        except ValidationError as exc:
            raise _fail(data, name, loc, exc) from None
        kinds = {type(v.value).__name__ for v in model.values}
        if len(kinds) > 1:
            raise ParameterError.at(span, f"parameter {pname!r} mixes value types {sorted(kinds)}")
        out[pname] = Parameter(pname, model.description, model.unit, tuple(model.values), span)


def load_tiers_file(path: Path, out: dict[str, Tier], doc: Any = None, key: str = "tiers") -> None:
    """Add the tiers of one file: a tier file's ``tiers:`` mapping, or the ``penalty_tiers`` of an
    instrument's document ``doc`` (as read, with positions)."""
    name = str(path)
    if doc is None:
        doc = load_with_lines(name) or {}
        if not isinstance(doc, dict) or set(doc) != {"tiers"}:
            raise ParameterError(name, 1, "a tier file is a mapping with one key, tiers: {id: tier}")
    data = doc[key]
    if not isinstance(data, dict):
        raise ParameterError.at(span_of(doc, [key], name), f"{key} is a mapping of tier id to tier")
    for tid, node in data.items():
        span = span_of(doc, [key, tid], name)
        if not isinstance(tid, str) or not re.match(_ID, tid):
            raise ParameterError.at(span, f"tier id {tid!r}: lower-case words and dashes")
        if re.search(r"-(19|20)\d\d$", tid):
            raise ParameterError.at(
                span, f"tier id {tid!r} ends in a year; give the tier dated values instead of a dated copy"
            )
        if tid in out:
            raise ParameterError.at(span, f"tier {tid!r} is also defined in {out[tid].file}")
        try:
            model = TierModel.model_validate(plain(node))
        except (ValidationError, ValueError) as exc:
            if isinstance(exc, ValidationError):
                raise _fail(doc, name, [key, tid], exc) from None
            raise ParameterError.at(span, f"{key}.{tid}: {exc}") from None
        out[tid] = Tier(tid, model, span)


def legal_data_dirs(root: Path | None) -> Path:
    """Where parameters and tiers are read: ``root`` if it has them, else the shipped rulesets."""
    if root is not None:
        base = root if root.is_dir() else root.parent
        if (base / "parameters").is_dir() or (base / "tiers").is_dir():
            return base
    return rulesets_dir()


def load_legal_data(root: Path | None = None) -> LegalData:
    """Load ``parameters/*.yaml`` and ``tiers/*.yaml`` (first error: ``file:line: message``)."""
    base = legal_data_dirs(root)
    params: dict[str, Parameter] = {}
    tiers: dict[str, Tier] = {}
    texts: list[str] = []
    for path in sorted((base / "parameters").glob("*.yaml")):
        _load_parameters(path, params)
        texts.append(path.read_text(encoding="utf-8"))
    for path in sorted((base / "tiers").glob("*.yaml")):
        load_tiers_file(path, tiers)
        texts.append(path.read_text(encoding="utf-8"))
    return LegalData(params, tiers, "\n".join(texts))


LEGAL_DIRS = ("parameters", "tiers")
