"""Reading rulesets: one YAML file per legal instrument, validated into the law model.

Any error stops the load with ``file:line: message``. A ruleset holds data only: conditions
are parsed by :mod:`engine.law.conditions`, penalty formulas by :mod:`engine.law.penalties`; nothing
is evaluated as code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine.core import taxonomy
from engine.core.jurisdictions import jurisdictions
from engine.core.resources import rulesets_dir
from engine.core.spans import Span
from engine.core.yamlio import load_with_lines, span_of
from engine.facts.registry import NAMESPACES, fact_specs, list_item_kind
from engine.law import conditions
from engine.law.conditions import Condition, ConditionError
from engine.law.examples import expand_example
from engine.law.model import (
    Example,
    Instrument,
    PenaltyRef,
    Rule,
    RuleException,
    RuleSet,
    RulesetFileModel,
)
from engine.law.parameters import (
    LEGAL_DIRS,
    LegalData,
    RulesetError,
    Tier,
    legal_data_dirs,
    load_legal_data,
    load_tiers_file,
)


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
    data = load_with_lines(name, text)

    def at(loc: list[Any]) -> Span:
        """Where the value at ``loc`` is written (the deepest part of it the file has)."""
        return span_of(data, loc, name)

    if not isinstance(data, dict):
        raise RulesetError(name, 1, "a ruleset is a mapping with instrument, aggregation, rules")
    try:
        model = RulesetFileModel.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        where = ".".join(str(p) for p in loc)
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise RulesetError.at(at(loc), f"{where}: {err['msg']}{more}") from None

    tiers = dict(legal.tiers)
    if model.penalty_tiers:
        local: dict[str, Tier] = {}
        load_tiers_file(path, local, doc=data, key="penalty_tiers")
        for tid, tier in local.items():
            if tid in tiers:
                raise RulesetError.at(tier.span, f"tier {tid!r} is also defined in {tiers[tid].file}")
            tiers[tid] = tier
    legal = LegalData(legal.parameters, tiers, legal.digest_text)

    inst = model.instrument
    if inst.jurisdiction not in jurisdictions():
        raise RulesetError.at(
            at(["instrument", "jurisdiction"]),
            f"unknown jurisdiction {inst.jurisdiction!r}; known: {', '.join(sorted(jurisdictions()))}",
        )
    try:
        raw_scope = _parsed(inst.scope, "product", ["instrument", "scope"], legal, "scope", {inst.in_force})
    except ConditionError as exc:
        raise RulesetError.at(at(exc.loc), f"scope: {exc.message}") from None
    scope_days = {inst.in_force} | {
        d for n in conditions.params(raw_scope) for d in legal.parameters[n].boundaries()
    }
    scope = conditions.resolve(raw_scope, lambda n: legal.parameters[n].at(_latest(scope_days)))

    rules: list[Rule] = []
    used_tiers: dict[str, Tier] = {}
    seen: set[str] = set()
    for i, rm in enumerate(model.rules):
        rloc: list[str | int] = ["rules", i]
        span = at(rloc + ["id"])
        if rm.id in seen:
            raise RulesetError.at(span, f"duplicate rule id {rm.id!r}")
        seen.add(rm.id)
        ref = rm.penalty if isinstance(rm.penalty, PenaltyRef) else PenaltyRef(tier=rm.penalty)
        for key, tid in (("tier", ref.tier), ("aggravated", ref.aggravated)):
            if tid is not None and tid not in tiers:
                ploc = rloc + ["penalty"] + ([key] if isinstance(rm.penalty, PenaltyRef) else [])
                raise RulesetError.at(
                    at(ploc),
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
            raise RulesetError.at(at(exc.loc), f"rule {rm.id}: {exc.message}") from None
        examples: dict[str, list[Example]] = {}
        for kind in ("violating", "compliant"):
            examples[kind] = []
            for j, raw in enumerate(getattr(rm.examples, kind)):
                where = at(rloc + ["examples", kind, j])
                try:
                    examples[kind].append(expand_example(raw, model.example_bases, where))
                except ValueError as exc:
                    raise RulesetError.at(where, f"rule {rm.id}: {exc}") from None
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
            span=span,
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
        span=at(["instrument"]),
        digest=digest,
        notes=inst.notes,
        raw_scope=raw_scope,
        legal=legal,
        document=data,
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
                raise RulesetError.at(tier.span, f"tier {tid!r} is also defined in {tiers[tid].file}")
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
                raise RulesetError.at(
                    rule.span, f"duplicate rule id {rule.id!r} (also in {by_id[rule.id].file})"
                )
            by_id[rule.id] = rule
    instruments.sort(key=lambda i: (i.jurisdiction, i.id))
    return RuleSet(tuple(instruments), by_id, legal)
