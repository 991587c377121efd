"""Rulesets: one YAML file per legal instrument, validated into models.

Any error stops the load with ``file:line: message``. A ruleset holds data only: conditions
are parsed by :mod:`engine.conditions`, penalty formulas by :mod:`engine.penalties`; nothing
is evaluated as code.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from engine import conditions, taxonomy
from engine.conditions import Condition, ConditionError
from engine.facts import NAMESPACES, SUBJECT_KINDS, fact_specs, list_item_kind
from engine.jurisdictions import jurisdictions
from engine.penalties import Formula, parse_formula
from engine.resources import rulesets_dir
from engine.yamlio import LazyLines, YamlError, load_fast

Severity = Literal["critical", "high", "medium", "low"]
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")
_ID = r"^[a-z0-9][a-z0-9-]*[a-z0-9]$"
_URL = r"^https?://\S+$"


class RulesetError(ValueError):
    """A ruleset that does not validate: ``file:line: message``."""

    def __init__(self, file: str, line: int, message: str):
        self.file, self.line, self.message = file, line, message
        super().__init__(f"{file}:{line}: {message}")


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, arbitrary_types_allowed=True, populate_by_name=True
    )


class Effective(_Strict):
    from_: dt.date = Field(alias="from")
    until: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Effective:
        if self.until is not None and self.until < self.from_:
            raise ValueError(f"effective.until ({self.until}) is before effective.from ({self.from_})")
        return self

    def in_force(self, day: dt.date) -> bool:
        return self.from_ <= day and (self.until is None or day <= self.until)


class Reference(_Strict):
    """Secondary material on a provision: commentary, a translation, guidance, a judgment."""

    label: Annotated[str, Field(min_length=1, max_length=300)]
    url: Annotated[str, Field(pattern=_URL, max_length=2000)]


# The official text goes in ``source`` (see engine.sources); everything else here.
References = Annotated[tuple[Reference, ...], Field(max_length=20)]


class PenaltyTier(_Strict):
    citation: str
    source: Annotated[str, Field(pattern=_URL)] | None = None
    references: References = ()
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    min: Any = None
    max: Any
    sme_max: Any = None
    counts: Literal["case", "affected_consumers"] = "case"
    confirmed: bool = True
    note: str | None = None

    @field_validator("min", "max", "sme_max", mode="before")
    @classmethod
    def _formula(cls, value: Any) -> Formula | None:
        return None if value is None else parse_formula(value)


class Example(_Strict):
    """A product description, or a named base with some paths set."""

    product: dict[str, Any]
    as_of: dt.date | None = None


class Examples(_Strict):
    violating: Annotated[list[Any], Field(min_length=1)]
    compliant: Annotated[list[Any], Field(min_length=1)]


class RuleModel(_Strict):
    id: Annotated[str, Field(pattern=_ID)]
    title: str
    citation: str
    source: Annotated[str, Field(pattern=_URL)]
    references: References = ()
    requirement: str | None = None
    severity: Severity
    effective: Effective
    subject: Literal["product", "practice", "transfer", "synthetic_media"]
    when: Any
    penalty: str
    remediation: str
    confirmed: bool = True
    note: str | None = None
    examples: Examples


class InstrumentModel(_Strict):
    id: Annotated[str, Field(pattern=_ID)]
    title: str
    short: str
    jurisdiction: str
    in_force: dt.date
    source: Annotated[str, Field(pattern=_URL)]
    references: References = ()
    scope: Any
    notes: str | None = None


class RulesetFileModel(_Strict):
    instrument: InstrumentModel
    penalty_tiers: dict[str, PenaltyTier]
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
    when: Condition
    penalty: str
    remediation: str
    confirmed: bool
    note: str | None
    violating: tuple[Example, ...]
    compliant: tuple[Example, ...]
    instrument_id: str
    jurisdiction: str
    file: str
    line: int
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True)
class Instrument:
    """One legal instrument: scope, penalty tiers, aggregation and rules."""

    id: str
    title: str
    short: str
    jurisdiction: str
    in_force: dt.date
    source: str
    scope: Condition
    penalty_tiers: dict[str, PenaltyTier]
    aggregation: str
    aggregation_citation: str | None
    rules: tuple[Rule, ...]
    not_encoded: tuple[dict[str, str], ...]
    file: str
    digest: str
    notes: str | None = None
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    """Every loaded instrument, in a stable order."""

    instruments: tuple[Instrument, ...]
    rules_by_id: dict[str, Rule] = field(default_factory=dict)

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


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    """Set ``data_practices[0].consent.explicit``-style paths, creating mappings on the way."""
    parts: list[str | int] = [
        m.group(1) if m.group(1) is not None else int(m.group(2)) for m in _PATH_PART.finditer(path)
    ]
    node: Any = doc
    for part, nxt in zip(parts, parts[1:], strict=False):
        if isinstance(part, int):
            node = node[part]
        else:
            if part not in node or node[part] is None:
                node[part] = [] if isinstance(nxt, int) else {}
            node = node[part]
    last = parts[-1]
    if isinstance(last, int):
        node[last] = value
    else:
        node[last] = value


def unset_path(doc: dict[str, Any], path: str) -> None:
    """Remove ``data_practices[0].retention_days``-style paths (absent ones are fine)."""
    parts: list[str | int] = [
        m.group(1) if m.group(1) is not None else int(m.group(2)) for m in _PATH_PART.finditer(path)
    ]
    node: Any = doc
    for part in parts[:-1]:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
        elif isinstance(part, str) and isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return  # the parent is absent, so the path is already unset
    last = parts[-1]
    if isinstance(node, dict):
        node.pop(last, None)  # type: ignore[arg-type]
    elif isinstance(last, int) and last < len(node):
        del node[last]


def expand_example(raw: Any, bases: dict[str, dict[str, Any]]) -> Example:
    """An example is a product, or ``{base: NAME, set: {path: value}, unset: [path], as_of: DATE}``."""
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
            unset_path(product, path)
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
                from engine.jurisdictions import normalise_place

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


def load_instrument(path: Path | str) -> Instrument:
    """Load and validate one ruleset file."""
    path = Path(path)
    name = str(path)
    text = path.read_text(encoding="utf-8")
    data = load_fast(name, text)
    lines = LazyLines(name, text)
    rule_lines = _rule_lines(text)

    def _error_line(_root: Any, loc: tuple[Any, ...] | list[Any]) -> int:
        return lines.line(list(loc))

    root = None
    if not isinstance(data, dict):
        raise RulesetError(
            name, 1, "a ruleset is a mapping with instrument, penalty_tiers, aggregation, rules"
        )
    try:
        model = RulesetFileModel.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        where = ".".join(str(p) for p in loc)
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise RulesetError(name, _error_line(root, loc), f"{where}: {err['msg']}{more}") from None

    inst = model.instrument
    if inst.jurisdiction not in jurisdictions():
        raise RulesetError(
            name,
            _error_line(root, ["instrument", "jurisdiction"]),
            f"unknown jurisdiction {inst.jurisdiction!r}; known: {', '.join(sorted(jurisdictions()))}",
        )
    try:
        scope = conditions.parse(inst.scope, ["instrument", "scope"])
        _check_condition(scope, "product", ["instrument", "scope"])
    except ConditionError as exc:
        raise RulesetError(name, _error_line(root, exc.loc), f"scope: {exc.message}") from None

    rules: list[Rule] = []
    seen: set[str] = set()
    for i, rm in enumerate(model.rules):
        rloc: list[str | int] = ["rules", i]
        line = rule_lines.get(rm.id) or _error_line(root, rloc + ["id"])
        if rm.id in seen:
            raise RulesetError(name, line, f"duplicate rule id {rm.id!r}")
        seen.add(rm.id)
        if rm.penalty not in model.penalty_tiers:
            raise RulesetError(
                name,
                _error_line(root, rloc + ["penalty"]),
                f"rule {rm.id}: penalty tier {rm.penalty!r} is not defined; "
                f"defined: {', '.join(model.penalty_tiers)}",
            )
        try:
            when = conditions.parse(rm.when, rloc + ["when"])
            _check_condition(when, rm.subject, rloc + ["when"])
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
        rules.append(
            Rule(
                id=rm.id,
                title=rm.title,
                citation=rm.citation,
                source=rm.source,
                requirement=rm.requirement,
                severity=rm.severity,
                effective=rm.effective,
                subject=rm.subject,
                when=when,
                penalty=rm.penalty,
                remediation=rm.remediation,
                confirmed=rm.confirmed,
                note=rm.note,
                violating=tuple(examples["violating"]),
                compliant=tuple(examples["compliant"]),
                instrument_id=inst.id,
                jurisdiction=inst.jurisdiction,
                file=name,
                line=line,
                references=rm.references,
            )
        )
    digest = "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Instrument(
        id=inst.id,
        title=inst.title,
        short=inst.short,
        jurisdiction=inst.jurisdiction,
        in_force=inst.in_force,
        source=inst.source,
        scope=scope,
        penalty_tiers=model.penalty_tiers,
        aggregation=model.aggregation,
        aggregation_citation=model.aggregation_citation,
        rules=tuple(rules),
        not_encoded=tuple(model.not_encoded),
        file=name,
        digest=digest,
        notes=inst.notes,
        references=inst.references,
    )


def ruleset_files(root: Path | str | None = None) -> list[Path]:
    """Every instrument file under ``root`` (default: the shipped rulesets), sorted."""
    base = Path(root) if root is not None else rulesets_dir()
    if base.is_file():
        return [base]
    skip = {"jurisdictions.yaml", "fx.yaml"}
    return sorted(p for p in base.rglob("*.yaml") if p.name not in skip)


def load_rulesets(root: Path | str | None | Sequence[Path | str | None] = None) -> RuleSet:
    """Load every instrument under ``root`` (or under each of several roots, ``None`` standing for the
    shipped rulesets); the first error stops the load (``file:line: message``)."""
    roots = list(root) if isinstance(root, list | tuple) else [root]
    files: dict[Path, Path] = {}
    for r in roots:
        for p in ruleset_files(r):
            files.setdefault(p.resolve(), p)  # a file named twice is loaded once
    instruments = [load_instrument(p) for p in files.values()]
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
    return RuleSet(tuple(instruments), by_id)


__all__ = [
    "SEVERITIES", "SUBJECT_KINDS", "Instrument", "Reference", "Rule", "RuleSet", "RulesetError", "YamlError",
    "load_instrument", "load_rulesets", "ruleset_files", "set_path", "expand_example",
]  # fmt: skip
