"""The law model: a ruleset file's structure (pydantic, ``extra="forbid"``) and the loaded rules,
instruments and rule set the evaluators read.

The file models validate one YAML file; :mod:`engine.law.loader` turns them into :class:`Rule`,
:class:`Instrument` and :class:`RuleSet` (conditions parsed, examples expanded, dated parameters and
tiers attached). Nothing here reads a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from engine.core.dated import newest_on
from engine.core.spans import Located, Span
from engine.law import conditions
from engine.law.citations import all_provisions
from engine.law.conditions import Condition
from engine.law.parameters import LegalData, Reference, References, StrictModel, Tier
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
    span: Span | None = Field(default=None, exclude=True, repr=False)  # where the example is written


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
class Rule(Located):
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
    span: Span  # where the rule is written (its ``id``)
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
class Instrument(Located):
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
    span: Span  # where the ``instrument:`` mapping is written
    digest: str
    notes: str | None = None
    references: tuple[Reference, ...] = ()
    raw_scope: Condition = field(default=None, repr=False)  # type: ignore[assignment]
    legal: LegalData = field(default=None, repr=False, compare=False)  # type: ignore[assignment]
    #: The file as read, with the position of every key and item (engine.core.yamlio.span_of):
    #: where a diagnostic about any part of the instrument points, without reading the file again.
    document: Any = field(default=None, repr=False, compare=False)

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
