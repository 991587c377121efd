"""Static checks of rulesets, run by ``regulint lint``: what can be seen without a product.

``run(ruleset)`` returns findings (``file:line: level: [code] message``):

- ``condition-unsatisfiable`` (error): a rule's ``when`` can never hold — e.g. ``eq: true`` and
  ``eq: false`` on the same fact under one ``all``, an empty numeric range (``gt: 10`` with
  ``lt: 5``), ``in`` lists with nothing in common, ``contains`` and ``contains_none`` of the same
  key, or a child taxonomy key required while its parent is excluded. The finding names the
  atoms that conflict (an unsat core) with their lines.
- ``condition-out-of-scope`` (error): the condition can hold, but never together with the
  instrument's ``scope`` — so the rule can never be reported.
- ``condition-version-never-holds`` (warning): a version of the rule before its latest — the
  condition as a dated parameter's earlier value or an exception in force then made it — can
  never hold where the instrument applies, so the rule could not fire in those days (say, an
  exception that carves out the whole condition: write the dates in ``effective`` instead). The
  checks above read the latest version; this one reads every earlier version that differs.
- ``condition-dead-branch`` (warning): a part of a condition (an ``any`` branch, a nested
  ``all``) that can never hold where it stands, given the conjuncts around it.
- ``rule-subsumed`` (warning): every product that violates rule A also violates rule B, B has
  the same instrument, citation and subject, and B is in force whenever A is — A adds only a
  second report of the same breach. Equivalent rules are reported once, on the later one.
- ``penalty-tier-unused`` (warning): a penalty tier no rule refers to.
- ``source-not-official`` (error): an instrument's, penalty tier's or rule's ``source`` is not on
  an official site (:data:`engine.law.sources.OFFICIAL_SITES`); the finding points at the ``source:``
  line. Commentary and translations belong under ``references``.
- ``source-missing`` (error): a penalty tier without a ``source``.
- ``market-reference`` (warning): a rule of jurisdiction J tests ``product.markets`` for a place
  outside J, so J's verdicts would depend on the other markets listed (market isolation).

Checked elsewhere and kept: duplicate rule ids, unknown fact paths, operators that do not fit a
fact, unknown taxonomy keys and undefined penalty tiers stop the load (:mod:`engine.law.loader`);
examples that do not behave and dates out of order are :func:`engine.analysis.lint.check_examples` and
:func:`engine.analysis.lint.check_dates`.

Why z3. Deciding "can this condition hold" and "does A imply B" by hand means normalising to
DNF (exponential in nested ``any``/``not``), then writing a consistency check per operator and
type — equalities, ``in`` sets, integer and real intervals, nulls, list membership with the
taxonomy's parent/child closure — and, for implication, the same for the negation of B. With
z3 each fact becomes a variable (Bool, Int, Real; a Bool per list item; a "known" flag for facts
that may be unknown; a "null" flag where null is a value), each atom a formula of the
three-valued "definitely true" semantics the engines implement, and the domain (enum values,
non-negative numbers, taxonomy closure, market folding, practice facts contained in product
facts) a handful of constraints. Satisfiability, dead branches and subsumption are then one
``check()`` each, and the unsat core names the conflicting atoms for the message. The encoding
(:mod:`engine.analysis.z3_domain`, ~250 lines) replaces what would be a small solver of our own,
so z3 keeps the code simpler.
Domain constraints are only ever facts true of every description, so "unsatisfiable" and
"subsumed" are never claimed wrongly; a missing constraint can only hide a finding.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from engine.analysis.diagnostics import Code, Diagnostic
from engine.analysis.z3_domain import Encoder, Node, z3
from engine.core.jurisdictions import market_of
from engine.core.spans import Span
from engine.core.yamlio import YamlMap, YamlSeq, span_of
from engine.law.conditions import All, AnyOf, Atom, Condition, Not, to_nnf
from engine.law.model import Instrument, Rule, RuleSet
from engine.law.sources import OFFICIAL_SITES, describe_source

# --------------------------------------------------------------------------------------------
# conditions with their YAML lines, in negation normal form


def _child(node: Any, key: Any) -> tuple[Any, int | None]:
    """The child at ``key`` (a mapping key or a list index) of a document read with positions
    (the instrument's ``document``), and the line it is written on."""
    if isinstance(node, YamlMap) and isinstance(key, str) and key in node:
        return node[key], node.span(key).line
    if isinstance(node, YamlSeq) and isinstance(key, int) and 0 <= key < len(node):
        return node[key], node.span(key).line
    return None, None


def _local_tiers(inst: Instrument) -> list[str]:
    """The penalty tiers the instrument's own file defines (shared tiers are checked in theirs)."""
    tiers, _ = _child(inst.document, "penalty_tiers")
    return list(tiers) if isinstance(tiers, YamlMap) else []


def _lined(cond: Condition, raw: Any, line: int, negate: bool = False) -> Node:
    """NNF of ``cond`` (parsed from the YAML node ``raw``), carrying line numbers."""
    if isinstance(cond, Not):
        inner, inner_line = _child(raw, "not")
        return _lined(cond.item, inner, inner_line or line, not negate)
    if isinstance(cond, All | AnyOf):
        key = "all" if isinstance(cond, All) else "any"
        raw_items, _ = _child(raw, key)
        items = []
        for i, c in enumerate(cond.items):
            sub, sub_line = _child(raw_items, i)
            items.append(_lined(c, sub, sub_line or line, negate))
        is_all = isinstance(cond, All) != negate
        return Node("all" if is_all else "any", line, items)
    atom = to_nnf(cond, negate)
    assert isinstance(atom, Atom)
    return Node("atom", line, atom=atom)


# --------------------------------------------------------------------------------------------
# the encoding


# --------------------------------------------------------------------------------------------
# the checks


def _describe_atom(a: Atom) -> str:
    return a.describe()


class _Solver:
    """One encoder and z3 solver for a rule (and its scope); checks with tracked assumptions.

    ``prepare`` encodes every node first, so the domain constraints (which depend on the
    variables in use) are complete and added once.
    """

    def __init__(self, subject: str, *prepare: Node):
        self.enc = Encoder(subject)
        for n in prepare:
            self.enc.node(n)
        self.solver = z3.Solver()
        self.solver.set("timeout", 5000)
        self._vars = -1
        self._checks = itertools.count()

    def check(self, tracked: list[tuple[str, Any]]) -> tuple[bool, list[str]]:
        """Satisfiable? If not, the names of an unsat core of the tracked formulas."""
        if len(self.enc.vars) != self._vars:  # new variables: rebuild the domain
            self.solver.reset()
            self.solver.set("timeout", 5000)
            self.solver.add(self.enc.constraints())
            self._vars = len(self.enc.vars)
        n = next(self._checks)
        flags = []
        self.solver.push()
        for i, (name, f) in enumerate(tracked):
            flag = z3.Bool(f"track:{n}:{i}")
            self.solver.add(z3.Implies(flag, f))
            flags.append((flag, name))
        result = self.solver.check([f for f, _ in flags])
        core = {str(c) for c in self.solver.unsat_core()} if result == z3.unsat else set()
        self.solver.pop()
        if result != z3.unsat:
            return True, []  # sat, or unknown (never claim a finding on a timeout)
        return False, [name for flag, name in flags if str(flag) in core]


def _atoms_of(n: Node) -> list[Node]:
    if n.kind == "atom":
        return [n]
    return [a for c in n.items for a in _atoms_of(c)]


def _conflict(solver: _Solver, scope: Node | None, root: Node) -> list[str]:
    """The atoms (with lines) of a minimal-ish conflict among the atoms of ``root`` (and scope)."""
    tracked: list[tuple[str, Any]] = []
    if scope is not None:
        tracked.append(("the instrument's scope", solver.enc.node(scope)))
    # track the atoms of the top-level conjunction chain; nested any's are tracked whole
    stack = [root]
    while stack:
        n = stack.pop()
        if n.kind == "all":
            stack.extend(n.items)
        elif n.kind == "atom":
            assert n.atom is not None
            tracked.append((f"line {n.line}: {_describe_atom(n.atom)}", solver.enc.node(n)))
        else:
            tracked.append((f"line {n.line}: any of {len(n.items)} branches", solver.enc.node(n)))
    ok, core = solver.check(tracked)
    return [] if ok else sorted(core, key=lambda c: (not c.startswith("line "), _line_no(c), c))


def _line_no(label: str) -> int:
    head = label.split(":", 1)[0]
    return int(head[5:]) if head.startswith("line ") and head[5:].isdigit() else 0


def _rule_nodes(inst: Instrument, rule: Rule, cond: Condition | None = None) -> Node:
    """``cond`` (the rule's latest condition by default) with the lines of the rule's ``when``."""
    cond = rule.when if cond is None else cond
    rules, _ = _child(inst.document, "rules")
    for item in rules if isinstance(rules, YamlSeq) else []:
        if isinstance(item, YamlMap) and item.get("id") == rule.id:
            raw, line = _child(item, "when")
            return _lined(cond, raw, line or rule.line)
    return _lined(cond, None, rule.line)


def _scope_node(inst: Instrument) -> Node:
    raw, line = _child(_child(inst.document, "instrument")[0], "scope")
    return _lined(inst.scope, raw, line or inst.span.line)


def _earlier_versions(inst: Instrument, rule: Rule) -> list[tuple[dt.date, dt.date, Condition]]:
    """The rule's versions before its latest whose condition differs from the latest's
    (``rule.when``): (first day, last day, condition), oldest first."""
    start = max(rule.effective.from_, inst.in_force)
    until = rule.effective.until
    days = sorted({start, *(d for d in rule.boundaries() if start < d and (until is None or d <= until))})
    versions = []
    for day, next_day in itertools.pairwise(days):
        cond = rule.when_at(day)
        if cond != rule.when:
            versions.append((day, next_day - dt.timedelta(days=1), cond))
    return versions


def _versions_that_never_hold(inst: Instrument, rule: Rule, when: Node, scope: Node) -> list[Diagnostic]:
    findings: list[Diagnostic] = []
    for first, last, cond in _earlier_versions(inst, rule):
        node = _rule_nodes(inst, rule, cond)
        core = _scope_conflict(_Solver(rule.subject, node, scope), scope, node)
        if core is None:
            continue
        why = "; ".join(core) if core else "its branches all conflict"
        findings.append(
            Diagnostic(Span(rule.file, when.line), Code.CONDITION_VERSION_NEVER_HOLDS,
                       f"rule {rule.id}: its version of {first} to {last} can never hold where "
                       f"{inst.id} applies ({why})")
        )  # fmt: skip
    return findings


def _scope_conflict(solver: _Solver, scope: Node, when: Node) -> list[str] | None:
    """None when ``when`` can hold where ``scope`` does; else the atoms that conflict."""
    ok, _ = solver.check([("scope", solver.enc.node(scope)), ("when", solver.enc.node(when))])
    return None if ok else _conflict(solver, scope, when)


def _satisfiability(inst: Instrument, rule: Rule, when: Node, scope: Node) -> list[Diagnostic]:
    solver = _Solver(rule.subject, when, scope)
    ok, _ = solver.check([("when", solver.enc.node(when))])
    if not ok:
        core = _conflict(solver, None, when)
        why = "; ".join(core) if core else "its branches all conflict"
        return [
            Diagnostic(Span(rule.file, when.line), Code.CONDITION_UNSATISFIABLE,
                       f"rule {rule.id}: the condition can never hold ({why})")
        ]  # fmt: skip
    core = _scope_conflict(solver, scope, when)
    if core is not None:
        return [
            Diagnostic(Span(rule.file, when.line), Code.CONDITION_OUT_OF_SCOPE,
                       f"rule {rule.id}: the condition can never hold where {inst.id} applies "
                       f"({'; '.join(core)})")
        ]  # fmt: skip
    return _dead_branches(rule, when, scope, solver)


def _dead_branches(rule: Rule, when: Node, scope: Node, solver: _Solver) -> list[Diagnostic]:
    findings: list[Diagnostic] = []
    base = [("the instrument's scope", solver.enc.node(scope))]

    def visit(n: Node, context: list[tuple[str, Any]]) -> None:
        if n.kind == "atom":
            return
        for i, child in enumerate(n.items):
            ctx = list(context)
            if n.kind == "all":
                for j, other in enumerate(n.items):
                    if j != i:
                        ctx.append((_label(other), solver.enc.node(other)))
            ok, core = solver.check(ctx + [("this part", solver.enc.node(child))])
            if not ok:
                others = [c for c in core if c != "this part"]
                what = _label(child)
                findings.append(
                    Diagnostic(Span(rule.file, child.line), Code.CONDITION_DEAD_BRANCH,
                               f"rule {rule.id}: {what} can never hold here"
                               + (f" (it conflicts with {'; '.join(others)})" if others else ""))
                )  # fmt: skip
                continue
            visit(child, ctx if n.kind == "all" else context)

    visit(when, base)
    return findings


def _label(n: Node) -> str:
    if n.kind == "atom":
        assert n.atom is not None
        return f"line {n.line}: {_describe_atom(n.atom)}"
    return f"line {n.line}: {n.kind} of {len(n.items)}"


def _within(a: Rule, b: Rule, inst: Instrument) -> bool:
    """B is in force whenever A is."""
    a_from = max(a.effective.from_, inst.in_force)
    b_from = max(b.effective.from_, inst.in_force)
    a_until = a.effective.until or dt.date.max
    b_until = b.effective.until or dt.date.max
    return b_from <= a_from and a_until <= b_until


def _subsumption(inst: Instrument, nodes: dict[str, Node], scope: Node, never: set[str]) -> list[Diagnostic]:
    """``never``: rules that can never fire (reported already; vacuously subsumed by any rule)."""
    findings: list[Diagnostic] = []
    groups: dict[tuple[str, str], list[Rule]] = {}
    for r in inst.rules:
        groups.setdefault((r.citation.strip(), r.subject), []).append(r)
    for rules in groups.values():
        if len(rules) < 2:
            continue
        reported: set[str] = set()
        for a, b in itertools.permutations(rules, 2):
            if a.id in reported or a.id in never or not _within(a, b, inst):
                continue
            solver = _Solver(a.subject, scope, nodes[a.id], nodes[b.id])
            ok, _ = solver.check(
                [
                    ("scope", solver.enc.node(scope)),
                    ("a", solver.enc.node(nodes[a.id])),
                    ("not b", z3.Not(solver.enc.node(nodes[b.id]))),
                ]
            )
            if ok:
                continue
            # equivalent rules: report only the later one
            if _within(b, a, inst):
                back, _ = solver.check(
                    [
                        ("scope", solver.enc.node(scope)),
                        ("b", solver.enc.node(nodes[b.id])),
                        ("not a", z3.Not(solver.enc.node(nodes[a.id]))),
                    ]
                )
                if not back and a.line < b.line:
                    continue
                kind = "is equivalent to" if not back else "is subsumed by"
            else:
                kind = "is subsumed by"
            reported.add(a.id)
            findings.append(
                Diagnostic(a.span, Code.RULE_SUBSUMED,
                        f"rule {a.id} {kind} rule {b.id} ({b.file}:{b.line}; same citation "
                        f"{a.citation!r} and subject): every product that violates {a.id} also "
                        f"violates {b.id}, so it only reports the same breach twice")
            )  # fmt: skip
    return findings


def _unused_tiers(inst: Instrument) -> list[Diagnostic]:
    used = {r.penalty for r in inst.rules}
    return [
        Diagnostic(span_of(inst.document, ["penalty_tiers", name], inst.file), Code.PENALTY_TIER_UNUSED,
                   f"{inst.id}: penalty tier {name!r} is defined but no rule uses it")
        for name in _local_tiers(inst)
        if name not in used
    ]  # fmt: skip


def _sources(inst: Instrument) -> list[Diagnostic]:
    items: list[tuple[list[Any], str, str | None]] = [(["instrument"], f"instrument {inst.id}", inst.source)]
    local = _local_tiers(inst)  # shared tiers are checked in their own files
    items += [
        (
            ["penalty_tiers", name],
            f"{inst.id}: penalty tier {name!r}",
            inst.penalty_tiers[name].latest().source,
        )
        for name in local
        if name in inst.penalty_tiers
    ]
    items += [(["rules", i], f"rule {rule.id}", rule.source) for i, rule in enumerate(inst.rules)]
    items += [
        (["rules", i, "citation", k], f"rule {rule.id} (citation from {c.from_})", c.source)
        for i, rule in enumerate(inst.rules)
        for k, c in enumerate(rule.citations)
        if c.source is not None
    ]
    out = []
    for loc, what, url in items:
        if url is None:
            out.append(
                Diagnostic(
                    span_of(inst.document, loc, inst.file),
                    Code.SOURCE_MISSING,
                    f"{what} has no source: link the official text (law-reference §9)",
                )
            )
            continue
        info = describe_source(url)
        if not info.official:
            out.append(
                Diagnostic(
                    span_of(inst.document, [*loc, "source"], inst.file),
                    Code.SOURCE_NOT_OFFICIAL,
                    f"{what}: source {url} is on {info.site or 'no site'}, not an official site "
                    f"({', '.join(OFFICIAL_SITES)}); link the official text and list this URL "
                    "under references",
                )
            )
    return out


def _tier_sources(ruleset: RuleSet) -> list[Diagnostic]:
    """The shared tiers (rulesets/tiers): each version's source is official text."""
    out = []
    instrument_files = {inst.file for inst in ruleset.instruments}
    for tid, tier in sorted(ruleset.tiers.items()):
        if tier.file in instrument_files:
            continue  # defined in an instrument file: checked with it
        days = sorted(tier.boundaries()) or [None]
        for day in days:
            url = (tier.at(day) if day else tier.latest()).source
            info = describe_source(url) if url else None
            if info is None or not info.official:
                out.append(Diagnostic(
                    tier.span,
                    Code.SOURCE_MISSING if info is None else Code.SOURCE_NOT_OFFICIAL,
                    f"penalty tier {tid!r}" + (f" (from {day})" if day else "")
                    + (" has no source" if info is None else f": source {url} is on {info.site}, not an official site")
                    + ": link the official text (law-reference §9)",
                ))  # fmt: skip
    return out


def _market_references(inst: Instrument, rule: Rule, when: Node) -> list[Diagnostic]:
    out = []
    for n in _atoms_of(when):
        a = n.atom
        assert a is not None
        if a.fact != "product.markets" or a.op in ("exists", "missing"):
            continue
        values = a.value if isinstance(a.value, tuple) else (a.value,)
        foreign = [v for v in values if isinstance(v, str) and (market_of(v) or v) != inst.jurisdiction]
        if foreign:
            out.append(
                Diagnostic(Span(rule.file, n.line), Code.MARKET_REFERENCE,
                           f"rule {rule.id} ({inst.jurisdiction}) tests product.markets for "
                           f"{', '.join(foreign)}: its verdict would depend on other markets listed")
            )  # fmt: skip
    return out


def run(ruleset: RuleSet) -> list[Diagnostic]:
    """Every static finding for ``ruleset``, in file and line order."""
    findings: list[Diagnostic] = []
    for inst in ruleset.instruments:
        scope = _scope_node(inst)
        nodes: dict[str, Node] = {}
        never: set[str] = set()
        for rule in inst.rules:
            when = _rule_nodes(inst, rule)
            nodes[rule.id] = when
            found = _satisfiability(inst, rule, when, scope)
            if any(f.level == "error" for f in found):
                never.add(rule.id)
            findings += found
            if not found or all(f.code == Code.CONDITION_DEAD_BRANCH for f in found):
                findings += _versions_that_never_hold(inst, rule, when, scope)
            findings += _market_references(inst, rule, when)
        findings += _subsumption(inst, nodes, scope, never)
        findings += _unused_tiers(inst)
        findings += _sources(inst)
    findings += _tier_sources(ruleset)
    findings.sort(key=lambda f: (f.file, f.line, f.code))
    return findings


__all__ = ["run"]
