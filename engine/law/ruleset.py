"""Rulesets: one YAML file per legal instrument, validated into models.

Any error stops the load with ``file:line: message``. A ruleset holds data only: conditions
are parsed by :mod:`engine.law.conditions`, penalty formulas by :mod:`engine.law.penalties`; nothing
is evaluated as code.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from engine.core import taxonomy
from engine.core.dated import newest_on
from engine.core.docpath import delete_path, set_path
from engine.core.jurisdictions import jurisdictions
from engine.core.resources import rulesets_dir
from engine.core.yamlio import LazyLines, YamlError, load_fast
from engine.facts.registry import NAMESPACES, SUBJECT_KINDS, fact_specs, list_item_kind
from engine.law import conditions
from engine.law.citations import all_provisions
from engine.law.conditions import Condition, ConditionError
from engine.law.parameters import (
    LEGAL_DIRS,
    LegalData,
    PenaltyTier,
    Reference,
    References,
    RulesetError,
    StrictModel,
    Tier,
    legal_data_dirs,
    load_legal_data,
    load_tiers_file,
)
from engine.law.severity import Severity

_ID = r"^[a-z0-9][a-z0-9-]*[a-z0-9]$"
_URL = r"^https?://\S+$"


class ExistingProcessing(StrictModel):
    """A transition: processing begun before ``began_before`` is bound only after ``until``."""

    began_before: dt.date
    until: dt.date
    citation: str


class Effective(StrictModel):
    from_: dt.date = Field(alias="from")
    until: dt.date | None = None
    existing: ExistingProcessing | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Effective:
        if self.until is not None and self.until < self.from_:
            raise ValueError(f"effective.until ({self.until}) is before effective.from ({self.from_})")
        if self.existing is not None and self.existing.until < self.from_:
            raise ValueError(
                f"effective.existing.until ({self.existing.until}) is before effective.from ({self.from_})"
            )
        return self

    def grace_for_existing(self, day: dt.date) -> ExistingProcessing | None:
        """The transition for processing begun earlier, while it still runs on ``day``."""
        if self.existing is not None and day <= self.existing.until:
            return self.existing
        return None

    def in_force(self, day: dt.date) -> bool:
        return self.from_ <= day and (self.until is None or day <= self.until)


class PenaltyRef(StrictModel):
    """A rule's penalty: its default tier, and the tier for aggravated cases with the condition in words.

    ``penalty: cn-pipl-66-1`` is short for ``{tier: cn-pipl-66-1}``. ``aggravated`` names the tier the
    law reserves for graver cases (e.g. PIPL Art. 66(2) "serious circumstances") and
    ``aggravated_when`` says, in words, what makes a case grave; reports price at ``tier`` and show
    the aggravated ceiling beside it.
    """

    tier: Annotated[str, Field(pattern=_ID)]
    aggravated: Annotated[str, Field(pattern=_ID)] | None = None
    aggravated_when: str | None = None
    mapping: str | None = Field(
        default=None,
        description="The provision by which the instrument refers its penalties to other laws (e.g. Deep "
        "Synthesis Provisions Art. 22): the tiers are that law's, a mapping, not the instrument's own fine.",
    )

    @model_validator(mode="after")
    def _paired(self) -> PenaltyRef:
        if (self.aggravated is None) != (self.aggravated_when is None):
            raise ValueError("aggravated and aggravated_when go together")
        return self


class DatedCitation(StrictModel):
    """The provisions a rule cites from a day on (a renumbered or re-enacted duty keeps its id)."""

    from_: dt.date = Field(alias="from")
    citation: str
    source: Annotated[str, Field(pattern=_URL)] | None = None
    confirmed: bool = True
    note: str | None = None


class ExceptionModel(StrictModel):
    """A later provision that carves part of a duty out, from a day on (Catala's ``exception``)."""

    from_: dt.date = Field(alias="from")
    until: dt.date | None = None
    citation: str
    source: Annotated[str, Field(pattern=_URL)] | None = None
    unless: Any
    cited: bool = Field(
        default=False, description="Add this citation to the rule's violations while it is in force."
    )
    confirmed: bool = True
    note: str | None = None

    def in_force(self, day: dt.date) -> bool:
        return self.from_ <= day and (self.until is None or day <= self.until)


class Example(StrictModel):
    """A product description, or a named base with some paths set."""

    product: dict[str, Any]
    as_of: dt.date | None = None


class Examples(StrictModel):
    violating: Annotated[list[Any], Field(min_length=1)]
    compliant: Annotated[list[Any], Field(min_length=1)]


class RuleModel(StrictModel):
    id: Annotated[str, Field(pattern=_ID)]
    title: str
    citation: str | Annotated[list[DatedCitation], Field(min_length=1)]
    citations: list[str] = []
    citation_practice: str | None = None
    source: Annotated[str, Field(pattern=_URL)]
    references: References = ()
    requirement: str | None = None
    severity: Severity
    effective: Effective
    subject: Literal["product", "practice", "transfer", "synthetic_media"]
    when: Any
    exceptions: list[ExceptionModel] = []
    penalty: Annotated[str, Field(pattern=_ID)] | PenaltyRef
    remediation: str
    confirmed: bool = True
    note: str | None = None
    examples: Examples

    @field_validator("penalty", mode="before")
    @classmethod
    def _penalty_ref(cls, value: Any) -> Any:
        if isinstance(value, dict):
            try:
                return PenaltyRef.model_validate(value)
            except ValidationError as exc:
                err = exc.errors()[0]
                where = ".".join(str(p) for p in err["loc"])
                raise ValueError(f"{where + ': ' if where else ''}{err['msg']}") from None
        return value

    @model_validator(mode="after")
    def _transition_has_a_start(self) -> RuleModel:
        if self.effective.existing is not None and self.subject not in ("practice", "transfer"):
            raise ValueError(
                "effective.existing reads practice.started_on: only practice and transfer rules may have it"
            )
        return self

    @field_validator("citation")
    @classmethod
    def _dated_in_order(cls, value: Any) -> Any:
        if isinstance(value, list):
            days = [c.from_ for c in value]
            if days != sorted(set(days)):
                raise ValueError("dated citations must be in date order without repeats")
        return value

    @field_validator("id")
    @classmethod
    def _no_year(cls, value: str) -> str:
        if re.search(r"-(19|20)\d\d$", value):
            raise ValueError(
                f"rule id {value!r} ends in a year: one rule per obligation, one id forever; "
                "date what changes (effective, exceptions, dated parameters and tiers) instead"
            )
        return value


class InstrumentModel(StrictModel):
    id: Annotated[str, Field(pattern=_ID)]
    title: str
    short: str
    jurisdiction: str
    in_force: dt.date
    source: Annotated[str, Field(pattern=_URL)]
    references: References = ()
    scope: Any
    notes: str | None = None


class RulesetFileModel(StrictModel):
    instrument: InstrumentModel
    penalty_tiers: dict[str, Any] = {}
    aggregation: Literal["gravest", "sum"]
    aggregation_citation: str | None = None
    example_bases: dict[str, dict[str, Any]] = {}
    not_encoded: list[dict[str, str]] = []
    rules: list[RuleModel]


@dataclass(frozen=True)
class Rule:
    """A rule, loaded: its metadata, parsed condition and expanded examples."""

    id: str
    title: str
    citation: str
    source: str
    requirement: str | None
    severity: str
    effective: Effective
    subject: str
    when: Condition  # as the law stands in the rule's latest version (see when_at for a given day)
    penalty: str  # the default tier's id
    remediation: str
    confirmed: bool
    note: str | None
    violating: tuple[Example, ...]
    compliant: tuple[Example, ...]
    instrument_id: str
    jurisdiction: str
    file: str
    line: int
    condition: Condition = field(default=None, repr=False)  # type: ignore[assignment]  # as written
    exceptions: tuple[RuleException, ...] = ()
    aggravated: str | None = None
    aggravated_when: str | None = None
    penalty_mapping: str | None = None  # the referring provision when the tiers are another law's
    legal: LegalData = field(default=None, repr=False, compare=False)  # type: ignore[assignment]
    #: Other provisions a regulator cites for this failing (engine.law.citations); see provisions().
    also_cites: tuple[str, ...] = ()
    #: Whose practice the citations follow (EDPB binding decisions, DPA decisions, CAC notices...).
    citation_practice: str | None = None
    references: tuple[Reference, ...] = ()
    citations: tuple[DatedCitation, ...] = ()  # dated citations; ``citation`` is the latest

    def boundaries(self) -> set[dt.date]:
        """Days on which this rule's condition or penalty may change (its versions start)."""
        days = {self.effective.from_}
        if self.effective.until:
            days.add(self.effective.until + dt.timedelta(days=1))
        for exc in self.exceptions:
            days.add(exc.from_)
            if exc.until:
                days.add(exc.until + dt.timedelta(days=1))
        for cond in (self.condition, *(e.unless for e in self.exceptions)):
            for name in conditions.params(cond):
                days |= self.legal.parameters[name].boundaries()
        days |= self.legal.tiers[self.penalty].boundaries()
        days |= {c.from_ for c in self.citations}
        return days

    def _cited(self, day: dt.date) -> DatedCitation | None:
        return newest_on(self.citations, day, lambda c: c.from_) if self.citations else None

    def source_at(self, day: dt.date) -> str:
        """The official text of the provisions cited on ``day``."""
        entry = self._cited(day)
        return (entry.source if entry and entry.source else None) or self.source

    def when_at(self, day: dt.date) -> Condition:
        """The condition in force on ``day``: parameters resolved, exceptions in force applied."""
        base = conditions.resolve(self.condition, lambda n: self.legal.parameters[n].at(day))
        carve = [
            conditions.Not(conditions.resolve(e.unless, lambda n: self.legal.parameters[n].at(day)))
            for e in self.exceptions
            if e.in_force(day)
        ]
        return conditions.All((base, *carve)) if carve else base

    def provisions(self, day: dt.date | None = None) -> tuple[str, ...]:
        """Every provision a regulator cites for this failing, one per entry: those of the citation
        (in force on ``day``; the latest when no day is given), then those it also cites."""
        return all_provisions(self.citation_at(day) if day else self.citation, self.also_cites)

    def citation_at(self, day: dt.date) -> str:
        """The citation, with the provisions of the ``cited`` exceptions in force on ``day``."""
        entry = self._cited(day)
        base = entry.citation if entry else self.citation
        extra = [
            e.citation for e in self.exceptions if e.cited and e.in_force(day) and e.citation not in base
        ]
        return "; ".join([base, *extra])

    def confirmed_at(self, day: dt.date) -> bool:
        entry = self._cited(day)
        return (
            self.confirmed
            and (entry is None or entry.confirmed)
            and all(e.confirmed for e in self.exceptions if e.in_force(day))
        )

    def note_at(self, day: dt.date) -> str | None:
        entry = self._cited(day)
        notes = [self.note] if self.note else []
        notes += [entry.note] if entry and entry.note else []
        notes += [e.note for e in self.exceptions if e.in_force(day) and e.note]
        return " ".join(notes) or None

    def period(self, day: dt.date) -> tuple[dt.date, dt.date | None]:
        """The version of this rule that ``day`` falls in: first and last day (None: open)."""
        days = sorted(self.boundaries())
        start = max((d for d in days if d <= day), default=self.effective.from_)
        later = [d for d in days if d > day]
        end = later[0] - dt.timedelta(days=1) if later else None
        if self.effective.until and (end is None or end > self.effective.until):
            end = self.effective.until
        return start, end


@dataclass(frozen=True)
class RuleException:
    """A dated carve-out from a rule: from ``from_`` (to ``until``), the rule does not hold where ``unless`` does."""

    from_: dt.date
    until: dt.date | None
    citation: str
    source: str | None
    unless: Condition
    confirmed: bool
    note: str | None
    cited: bool = False

    def in_force(self, day: dt.date) -> bool:
        return self.from_ <= day and (self.until is None or day <= self.until)


@dataclass(frozen=True)
class Instrument:
    """One legal instrument: scope, penalty tiers, aggregation and rules."""

    id: str
    title: str
    short: str
    jurisdiction: str
    in_force: dt.date
    source: str
    scope: Condition  # as it stands in its latest version (see scope_at)
    penalty_tiers: dict[str, Tier]  # the tiers its rules use, by id
    aggregation: str
    aggregation_citation: str | None
    rules: tuple[Rule, ...]
    not_encoded: tuple[dict[str, str], ...]
    file: str
    digest: str
    notes: str | None = None
    references: tuple[Reference, ...] = ()
    raw_scope: Condition = field(default=None, repr=False)  # type: ignore[assignment]
    legal: LegalData = field(default=None, repr=False, compare=False)  # type: ignore[assignment]

    def scope_at(self, day: dt.date) -> Condition:
        """The scope on ``day`` (thresholds that are dated parameters resolved)."""
        return conditions.resolve(self.raw_scope, lambda n: self.legal.parameters[n].at(day))

    def boundaries(self) -> set[dt.date]:
        days = {self.in_force}
        for name in conditions.params(self.raw_scope):
            days |= self.legal.parameters[name].boundaries()
        return days


@dataclass(frozen=True)
class RuleSet:
    """Every loaded instrument, in a stable order."""

    instruments: tuple[Instrument, ...]
    rules_by_id: dict[str, Rule] = field(default_factory=dict)
    legal: LegalData = field(default_factory=lambda: LegalData({}, {}))

    @property
    def tiers(self) -> dict[str, Tier]:
        return self.legal.tiers

    def epochs(self) -> list[dt.date]:
        """Every day on which some rule, scope, exception, parameter or tier changes, sorted."""
        days: set[dt.date] = set()
        for inst in self.instruments:
            days |= inst.boundaries()
            for rule in inst.rules:
                days |= rule.boundaries()
        return sorted(days)

    def epoch_of(self, day: dt.date) -> dt.date:
        """The first day of the epoch ``day`` falls in (``date.min`` before the first change)."""
        out = dt.date.min
        for d in self.epochs_cached():
            if d <= day:
                out = d
            else:
                break
        return out

    def epochs_cached(self) -> list[dt.date]:
        found = self.__dict__.get("_epochs")
        if found is None:
            found = self.epochs()
            object.__setattr__(self, "_epochs", found)
        return found

    @property
    def rules(self) -> list[Rule]:
        return [r for i in self.instruments for r in i.rules]

    def instrument(self, instrument_id: str) -> Instrument:
        return next(i for i in self.instruments if i.id == instrument_id)

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        for i in self.instruments:
            h.update(i.digest.encode())
        return "sha256:" + h.hexdigest()


def _json_dates(value: Any) -> Any:
    """YAML reads ``2026-01-01`` as a date; an example product holds it as JSON does (ISO text)."""
    if isinstance(value, dict):
        return {k: _json_dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_dates(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def expand_example(raw: Any, bases: dict[str, dict[str, Any]]) -> Example:
    """An example is a product, or ``{base: NAME, set: {path: value}, unset: [path], as_of: DATE}``."""
    example = _expand_example(raw, bases)
    return Example(product=_json_dates(example.product), as_of=example.as_of)


def _expand_example(raw: Any, bases: dict[str, dict[str, Any]]) -> Example:
    if not isinstance(raw, dict):
        raise ValueError(f"an example is a product description or {{base: NAME, set: {{...}}}}, got {raw!r}")
    if "base" not in raw:
        product = copy.deepcopy(raw)
        as_of = product.pop("as_of", None)
        return Example(product=product, as_of=as_of)
    extra = set(raw) - {"base", "set", "unset", "as_of"}
    if extra:
        raise ValueError(f"unknown keys in example: {sorted(extra)}; expected base, set, unset, as_of")
    if raw["base"] not in bases:
        raise ValueError(f"unknown example base {raw['base']!r}; defined: {sorted(bases)}")
    product = copy.deepcopy(bases[raw["base"]])
    for path, value in (raw.get("set") or {}).items():
        try:
            set_path(product, path, copy.deepcopy(value))
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"cannot set {path!r} in base {raw['base']!r}") from None
    for path in raw.get("unset") or []:
        try:
            delete_path(product, path)
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"cannot unset {path!r} in base {raw['base']!r}") from None
    return Example(product=product, as_of=raw.get("as_of"))


def _check_condition(cond: Condition, subject: str, loc: list[str | int]) -> None:
    """Fact paths exist for the subject; operators fit the fact's type; taxonomy keys are known."""
    specs = fact_specs()
    for atom in conditions.atoms(cond):
        spec = specs.get(atom.fact)
        if spec is None:
            near = sorted(p for p in specs if p.split(".")[-1] == atom.fact.split(".")[-1])
            hint = f"; did you mean {near[0]}?" if near else ""
            raise ConditionError(loc, f"unknown fact path {atom.fact!r}{hint}")
        if spec.namespace not in NAMESPACES[subject]:
            raise ConditionError(
                loc,
                f"fact {atom.fact!r} is not available to subject '{subject}' rules "
                f"(they see {', '.join(NAMESPACES[subject])})",
            )
        op, value = atom.op, atom.value
        if op in conditions.LIST_OPS and spec.type != "list":
            raise ConditionError(loc, f"'{op}' needs a list fact; {atom.fact} is {spec.type}")
        if op not in conditions.LIST_OPS | {"exists", "missing"} and spec.type == "list":
            raise ConditionError(
                loc,
                f"'{op}' does not apply to the list fact {atom.fact}; use contains, "
                "contains_any or contains_none",
            )
        if op in conditions.NUMERIC_OPS and spec.type not in ("int", "number"):
            raise ConditionError(loc, f"'{op}' needs a number fact; {atom.fact} is {spec.type}")
        if op in ("exists", "missing") and not spec.may_be_missing:
            raise ConditionError(
                loc, f"{atom.fact} always has a value (it has a default); '{op}' cannot vary"
            )
        items = value if isinstance(value, tuple) else (value,)
        if op in ("exists", "missing") or op in conditions.NUMERIC_OPS:
            continue
        kind = list_item_kind(atom.fact)
        for item in items:
            if item is None:
                if not spec.nullable:
                    raise ConditionError(
                        loc,
                        f"{atom.fact} is never null; null is only a value of "
                        "retention_days-style facts (see docs/facts.md)",
                    )
                continue
            if spec.type == "bool" and not isinstance(item, bool):
                raise ConditionError(loc, f"{atom.fact} is true or false, got {item!r}")
            if spec.type in ("int", "number") and (
                isinstance(item, bool) or not isinstance(item, int | float)
            ):
                raise ConditionError(loc, f"{atom.fact} is a number, got {item!r}")
            if (
                spec.values is not None
                and spec.type != "bool"
                and item not in spec.values
                and item is not None
            ):
                raise ConditionError(
                    loc,
                    f"{item!r} is not a value of {atom.fact}; expected one of "
                    f"{', '.join(map(str, spec.values))}",
                )
            if kind is not None:
                try:
                    taxonomy.check_key(kind, item)
                except taxonomy.UnknownKey as exc:
                    raise ConditionError(loc, str(exc)) from None
            if atom.fact.endswith("markets") or atom.fact.endswith("destinations"):
                from engine.core.jurisdictions import normalise_place

                try:
                    normalise_place(item)
                except ValueError as exc:
                    raise ConditionError(loc, str(exc)) from None


_RULE_ID_LINE = re.compile(r"^\s*-\s*id:\s*[\"']?([a-z0-9][a-z0-9-]*)", re.MULTILINE)


def _rule_lines(text: str) -> dict[str, int]:
    """Line of each ``- id: <rule>`` item (first occurrence), without a slow YAML parse."""
    out: dict[str, int] = {}
    for match in _RULE_ID_LINE.finditer(text):
        out.setdefault(match.group(1), text.count("\n", 0, match.start()) + 1)
    return out


def _values_on(legal: LegalData, day: dt.date) -> Any:
    return lambda name: legal.parameters[name].at(day)


def _parsed(
    node: Any, subject: str, loc: list[str | int], legal: LegalData, what: str, days: set[dt.date]
) -> Condition:
    """Parse a condition, check its parameters exist and its atoms fit on every version of them."""
    cond = conditions.parse(node, loc)
    names = conditions.params(cond)
    unknown = sorted(n for n in names if n not in legal.parameters)
    if unknown:
        known = ", ".join(sorted(legal.parameters)) or "none"
        raise ConditionError(loc, f"{what}: unknown parameter {unknown[0]!r}; defined: {known}")
    check_days = set(days)
    for n in names:
        check_days |= legal.parameters[n].boundaries()
    for day in sorted(check_days) or [dt.date.max]:
        _check_condition(conditions.resolve(cond, _values_on(legal, day)), subject, loc)
    return cond


def _latest(days: set[dt.date], until: dt.date | None = None) -> dt.date:
    inside = [d for d in days if until is None or d <= until]
    return max(inside, default=dt.date.max)


def load_instrument(path: Path | str, legal: LegalData | None = None) -> Instrument:
    """Load and validate one ruleset file (parameters and shared tiers from ``legal``)."""
    path = Path(path)
    name = str(path)
    if legal is None:
        legal = load_legal_data(path.parent.parent)
    text = path.read_text(encoding="utf-8")
    data = load_fast(name, text)
    lines = LazyLines(name, text)
    rule_lines = _rule_lines(text)

    def _error_line(_root: Any, loc: tuple[Any, ...] | list[Any]) -> int:
        return lines.line(list(loc))

    root = None
    if not isinstance(data, dict):
        raise RulesetError(name, 1, "a ruleset is a mapping with instrument, aggregation, rules")
    try:
        model = RulesetFileModel.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        where = ".".join(str(p) for p in loc)
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise RulesetError(name, _error_line(root, loc), f"{where}: {err['msg']}{more}") from None

    tiers = dict(legal.tiers)
    if model.penalty_tiers:
        local: dict[str, Tier] = {}
        load_tiers_file(path, local, data=data["penalty_tiers"], key="penalty_tiers")
        for tid, tier in local.items():
            if tid in tiers:
                raise RulesetError(name, tier.line, f"tier {tid!r} is also defined in {tiers[tid].file}")
            tiers[tid] = tier
    legal = LegalData(legal.parameters, tiers, legal.digest_text)

    inst = model.instrument
    if inst.jurisdiction not in jurisdictions():
        raise RulesetError(
            name,
            _error_line(root, ["instrument", "jurisdiction"]),
            f"unknown jurisdiction {inst.jurisdiction!r}; known: {', '.join(sorted(jurisdictions()))}",
        )
    try:
        raw_scope = _parsed(inst.scope, "product", ["instrument", "scope"], legal, "scope", {inst.in_force})
    except ConditionError as exc:
        raise RulesetError(name, _error_line(root, exc.loc), f"scope: {exc.message}") from None
    scope_days = {inst.in_force} | {
        d for n in conditions.params(raw_scope) for d in legal.parameters[n].boundaries()
    }
    scope = conditions.resolve(raw_scope, lambda n: legal.parameters[n].at(_latest(scope_days)))

    rules: list[Rule] = []
    used_tiers: dict[str, Tier] = {}
    seen: set[str] = set()
    for i, rm in enumerate(model.rules):
        rloc: list[str | int] = ["rules", i]
        line = rule_lines.get(rm.id) or _error_line(root, rloc + ["id"])
        if rm.id in seen:
            raise RulesetError(name, line, f"duplicate rule id {rm.id!r}")
        seen.add(rm.id)
        ref = rm.penalty if isinstance(rm.penalty, PenaltyRef) else PenaltyRef(tier=rm.penalty)
        for key, tid in (("tier", ref.tier), ("aggravated", ref.aggravated)):
            if tid is not None and tid not in tiers:
                ploc = rloc + ["penalty"] + ([key] if isinstance(rm.penalty, PenaltyRef) else [])
                raise RulesetError(
                    name, _error_line(root, ploc),
                    f"rule {rm.id}: penalty tier {tid!r} is not defined; defined: {', '.join(sorted(tiers))}",
                )  # fmt: skip
            if tid is not None:
                used_tiers[tid] = tiers[tid]
        rule_days = {rm.effective.from_}
        try:
            condition = _parsed(rm.when, rm.subject, rloc + ["when"], legal, f"rule {rm.id}", rule_days)
            exceptions = []
            for k, em in enumerate(rm.exceptions):
                if em.until is not None and em.until < em.from_:
                    raise ConditionError(rloc + ["exceptions", k, "until"], "until is before from")
                unless = _parsed(
                    em.unless,
                    rm.subject,
                    rloc + ["exceptions", k, "unless"],
                    legal,
                    f"rule {rm.id}",
                    {em.from_},
                )
                exceptions.append(RuleException(
                    from_=em.from_, until=em.until, citation=em.citation, source=em.source,
                    unless=unless, confirmed=em.confirmed, note=em.note, cited=em.cited,
                ))  # fmt: skip
        except ConditionError as exc:
            raise RulesetError(name, _error_line(root, exc.loc), f"rule {rm.id}: {exc.message}") from None
        examples: dict[str, list[Example]] = {}
        for kind in ("violating", "compliant"):
            examples[kind] = []
            for j, raw in enumerate(getattr(rm.examples, kind)):
                try:
                    examples[kind].append(expand_example(raw, model.example_bases))
                except ValueError as exc:
                    raise RulesetError(
                        name, _error_line(root, rloc + ["examples", kind, j]), f"rule {rm.id}: {exc}"
                    ) from None
        citations = tuple(rm.citation) if isinstance(rm.citation, list) else ()
        rule = Rule(
            id=rm.id,
            title=rm.title,
            citation=citations[-1].citation if citations else rm.citation,  # type: ignore[arg-type]
            source=rm.source,
            requirement=rm.requirement,
            severity=rm.severity,
            effective=rm.effective,
            subject=rm.subject,
            when=condition,
            penalty=ref.tier,
            remediation=rm.remediation,
            confirmed=rm.confirmed,
            note=rm.note,
            violating=tuple(examples["violating"]),
            compliant=tuple(examples["compliant"]),
            instrument_id=inst.id,
            jurisdiction=inst.jurisdiction,
            file=name,
            line=line,
            condition=condition,
            exceptions=tuple(exceptions),
            aggravated=ref.aggravated,
            aggravated_when=ref.aggravated_when,
            penalty_mapping=ref.mapping,
            legal=legal,
            references=rm.references,
            citations=citations,
            also_cites=tuple(rm.citations),
            citation_practice=rm.citation_practice,
        )
        latest = _latest(rule.boundaries(), rule.effective.until)
        rules.append(dataclasses.replace(rule, when=rule.when_at(latest)))
    # the digest covers the shared parameters and tiers the instrument is evaluated with
    digest = "sha256:" + hashlib.sha256((text + legal.digest_text).encode("utf-8")).hexdigest()
    return Instrument(
        id=inst.id,
        title=inst.title,
        short=inst.short,
        jurisdiction=inst.jurisdiction,
        in_force=inst.in_force,
        source=inst.source,
        scope=scope,
        penalty_tiers=used_tiers,
        aggregation=model.aggregation,
        aggregation_citation=model.aggregation_citation,
        rules=tuple(rules),
        not_encoded=tuple(model.not_encoded),
        file=name,
        digest=digest,
        notes=inst.notes,
        raw_scope=raw_scope,
        legal=legal,
        references=inst.references,
    )


def ruleset_files(root: Path | str | None = None) -> list[Path]:
    """Every instrument file (``*.yaml`` or ``*.yml``) under ``root`` (default: the shipped rulesets), sorted.

    A ``root`` that does not exist is a :class:`RulesetError`: an empty ruleset would pass every product.
    """
    base = Path(root) if root is not None else rulesets_dir()
    if base.is_file():
        return [base]
    if not base.is_dir():
        raise RulesetError(str(base), 1, "no such file or directory")
    skip = {"jurisdictions", "fx"}
    return sorted(
        p
        for p in base.rglob("*")
        if p.suffix in (".yaml", ".yml")
        and p.stem not in skip
        and p.is_file()
        and not set(p.relative_to(base).parts[:-1]) & set(LEGAL_DIRS)
    )


def load_rulesets(root: Path | str | None | Sequence[Path | str | None] = None) -> RuleSet:
    """Load every instrument under ``root`` (or under each of several roots, ``None`` standing for the
    shipped rulesets); the first error stops the load (``file:line: message``)."""
    roots = list(root) if isinstance(root, list | tuple) else [root]
    bases: dict[Path, Path] = {}
    for r in roots:  # each root's parameters and tiers (or the shipped ones), each folder once
        base = legal_data_dirs(Path(r) if r is not None else None)
        bases.setdefault(base.resolve(), base)
    parts = [load_legal_data(b) for b in bases.values()]
    legal = LegalData(
        {k: v for part in parts for k, v in part.parameters.items()},
        {k: v for part in parts for k, v in part.tiers.items()},
        "\n".join(part.digest_text for part in parts),
    )
    files: dict[Path, Path] = {}
    for r in roots:
        for p in ruleset_files(r):
            files.setdefault(p.resolve(), p)  # a file named twice is loaded once
    instruments = [load_instrument(p, legal) for p in files.values()]
    if not instruments:
        raise RulesetError(
            ", ".join(str(r if r is not None else rulesets_dir()) for r in roots),
            1,
            "no ruleset (*.yaml, *.yml) found here",
        )
    tiers = dict(legal.tiers)
    for inst in instruments:
        for tid, tier in inst.legal.tiers.items():
            if tid in tiers and tiers[tid] is not tier:
                raise RulesetError(tier.file, tier.line, f"tier {tid!r} is also defined in {tiers[tid].file}")
            tiers[tid] = tier
    legal = LegalData(legal.parameters, tiers, legal.digest_text)
    by_id: dict[str, Rule] = {}
    seen_inst: dict[str, str] = {}
    for inst in instruments:
        if inst.id in seen_inst:
            raise RulesetError(
                inst.file, 1, f"instrument id {inst.id!r} is also defined in {seen_inst[inst.id]}"
            )
        seen_inst[inst.id] = inst.file
        for rule in inst.rules:
            if rule.id in by_id:
                raise RulesetError(
                    rule.file, rule.line, f"duplicate rule id {rule.id!r} (also in {by_id[rule.id].file})"
                )
            by_id[rule.id] = rule
    instruments.sort(key=lambda i: (i.jurisdiction, i.id))
    return RuleSet(tuple(instruments), by_id, legal)


__all__ = [
    "PenaltyTier", "Tier", "LegalData", "PenaltyRef", "RuleException", "Reference",
    "SUBJECT_KINDS", "Instrument", "Rule", "RuleSet", "RulesetError", "YamlError",
    "load_instrument", "load_rulesets", "ruleset_files", "expand_example",
]  # fmt: skip
