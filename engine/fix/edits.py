"""Edits to a product description: the moves that make one atom of a rule's evidence stop holding.

Both compliance searches use this one vocabulary: the random repair walk of
:mod:`engine.testing.strategies` (any move will do) and the fix planner of :mod:`engine.fix.plan` (only
moves a team can make). Each move is a tuple of :class:`Edit`\\ s, each with a ``kind``:

- what a team can change without changing what the product is: ``consent`` (consent quality,
  the legal basis of consent), ``notice``, ``safeguard``, ``contract`` (processor contracts,
  each regime's transfer mechanism), ``label``, ``retention``, ``governance``;
- ``scope``: a change of what the product does (a data category, data subject or modality
  dropped, a practice stopped, a descriptive fact changed) and ``market`` (a market dropped) —
  the planner proposes these only when asked (``--allow-scope-changes``);
- ``structural`` (practices' lists of objects rewritten, categories or purposes swapped),
  ``company`` (facts about the organisation: revenue, establishments, size) and ``fill`` /
  ``unknown`` (giving or removing an unknown fact): never proposed as a fix.

Paths are document paths (``data_practices[0].consent.explicit``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from typing import Any

from engine.core import taxonomy
from engine.core.docpath import delete_path, get_path, path_parts, set_path
from engine.core.jurisdictions import market_of
from engine.facts.derived import (
    CHILDREN,
    AnyHolds,
    Closure,
    Collected,
    Converted,
    Counted,
    Derived,
    Gathered,
    Places,
    derived,
)
from engine.facts.registry import document_path, fact_specs
from engine.law.conditions import Atom, atom_holds

#: Kinds a fix plan may use without ``allow_scope_changes``, in the order plans prefer them.
TEAM_KINDS = ("label", "notice", "consent", "governance", "safeguard", "retention", "contract")
SCOPE_KINDS = ("scope", "market")


def _try_get(doc: Any, path: str, default: Any = None) -> Any:
    try:
        return get_path(doc, path)
    except (KeyError, IndexError, TypeError):
        return default


@dataclass(frozen=True)
class Edit:
    """One change to a description: ``set`` a value, ``add_item`` to or ``remove_items`` from a
    list (``value`` is the item, or the tuple of items removed), or ``delete`` a key."""

    op: str
    path: str
    value: Any
    kind: str

    @property
    def key(self) -> tuple[Any, ...]:
        """Edits with the same key replace each other in a plan."""
        if self.op == "set" or self.op == "delete":
            return ("value", self.path)
        if self.op == "add_item":
            return ("add", self.path, _hashable(self.value))
        return ("remove", self.path, _hashable(self.value))

    def describe(self) -> str:
        """In words: ``set `synthetic_media.visible_label` to true``."""
        if self.op == "set":
            return f"set `{self.path}` to {_show(self.value)}"
        if self.op == "add_item":
            return f"add {_show(self.value)} to `{self.path}`"
        if self.op == "remove_items":
            return f"remove {', '.join(_show(v) for v in self.value)} from `{self.path}`"
        return f"remove `{self.path}`"


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    return value


def _show(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, default=str)


def apply_edit(doc: dict[str, Any], edit: Edit) -> None:
    """Apply one edit to ``doc`` in place."""
    if edit.op == "set":
        set_path(doc, edit.path, copy.deepcopy(edit.value))
    elif edit.op == "add_item":
        current = list(_try_get(doc, edit.path) or [])
        if edit.value not in current:
            set_path(doc, edit.path, current + [copy.deepcopy(edit.value)])
    elif edit.op == "remove_items":
        current = list(_try_get(doc, edit.path) or [])
        set_path(doc, edit.path, [x for x in current if x not in edit.value])
    elif edit.op == "delete":
        delete_path(doc, edit.path)
    else:  # pragma: no cover - a new op must be handled here
        raise ValueError(f"unknown edit op {edit.op!r}")


def apply_edits(doc: dict[str, Any], edits: list[Edit] | tuple[Edit, ...]) -> dict[str, Any]:
    """A copy of ``doc`` with ``edits`` applied in order (``doc`` is left alone).

    Only the objects on the edited paths are copied, so a plan's many trial descriptions
    share the untouched rest of the document."""
    out = dict(doc)
    copied: set[int] = {id(out)}
    for e in edits:
        node: Any = out
        for p in path_parts(e.path)[:-1]:
            child = node[p] if isinstance(node, list) else node.get(p)
            if isinstance(child, dict | list) and id(child) not in copied:
                child = dict(child) if isinstance(child, dict) else list(child)
                copied.add(id(child))
                node[p] = child
            elif child is None:
                break  # set_path creates it (a new object, not shared)
            node = child
        apply_edit(out, e)
    return out


# --------------------------------------------------------------------------------------------
# what a team can change: per fact path, the kind of change and the values a team would set

_T, _F = (True,), (False,)

#: Plain facts a team can change, with the values it would set (the safe ones, best first).
TEAM_VALUES: dict[str, tuple[str, tuple[Any, ...]]] = {
    **{f"practice.consent.{k}": ("consent", _T) for k in (
        "obtained", "separate", "explicit", "withdrawable", "parental_for_children",
        "refusal_as_easy_as_acceptance", "logged", "minor_opt_in")},
    **{f"practice.consent.{k}": ("consent", _F) for k in (
        "bundled_with_terms", "pre_ticked", "service_refused_without_consent")},
    "practice.legal_basis": ("consent", ("consent",)),
    "practice.special_category_condition": ("consent", ("explicit_consent",)),
    "synthetic_media.likeness_consent": ("consent", _T),
    "practice.notice.at_collection": ("notice", _T),
    "practice.notice.local_language": ("notice", _T),
    "synthetic_media.ai_interaction_disclosed": ("notice", _T),
    "synthetic_media.exposure_notice": ("notice", _T),
    **{f"practice.{k}": ("safeguard", _T) for k in (
        "encrypted_at_rest", "necessary_for_purpose", "opt_out_offered", "non_personalised_option",
        "human_review_offered", "risk_assessment_completed")},
    "practice.public_by_default": ("safeguard", _F),
    "product.audience.age_assurance": ("safeguard", ("verified", "estimation")),
    "product.audience.parental_verification": ("safeguard", _T),
    "product.audience.minor_mode": ("safeguard", _T),
    "product.organization.cn_data_stored_in_china": ("safeguard", _T),
    **{f"synthetic_media.{k}": ("safeguard", _T) for k in (
        "content_moderation", "complaint_channel", "user_identity_verification",
        "human_editorial_review", "intimate_imagery_safeguards")},
    "practice.retention_days": ("retention", (365, 90, 30)),
    "practice.deleted_on_account_closure": ("retention", _T),
    "synthetic_media.unlabeled_export_logs_months": ("retention", (6, 12)),
    # each regime's mechanism is its own fact: SCCs for the EU and the CAC standard contract for
    # China can both be put in place for one transfer
    "transfer.mechanisms.EU": ("contract", ("scc", "bcr")),
    "transfer.mechanisms.CN": ("contract", ("cn_standard_contract", "cn_certification", "cn_security_assessment")),
    "transfer.impact_assessment": ("contract", _T),
    "practice.recipients[].contract": ("contract", _T),  # each recipient under contract
    "transfer.cn_standard_contract_filed": ("contract", _T),
    "transfer.recipient_dpf_certified": ("contract", _T),  # a DPF-certified US recipient chosen
    **{f"synthetic_media.{k}": ("label", _T) for k in (
        "visible_label", "metadata_label", "labels_survive_export", "detection_tool_offered",
        "terms_describe_labeling", "user_label_option", "platform_checks_provenance",
        "platform_declaration_tool", "licence_requires_disclosures", "unlabeled_export_terms_user_duty")},
    "synthetic_media.metadata_standard": ("label", ("c2pa", "gb45438", "iptc", "watermark")),
    "synthetic_media.unlabeled_export_on_request": ("label", _F),
    **{f"synthetic_media.{k}": ("governance", _T) for k in (
        "algorithm_filing_cn", "genai_filing_cn", "security_assessment_cn")},
    "product.governance.data_subject_rights.identity_verification_for_opt_out": ("governance", _F),
}  # fmt: skip

#: Lists a team can add items to (the items a rule asks for).
TEAM_LISTS = {"practice.notice.discloses": "notice"}

#: Facts about the organisation: true or not, no fix changes them.
_COMPANY_PREFIXES = ("product.organization.", "product.audience.monthly_active_users")
_COMPANY = {"product.audience.users_by_market", "product.audience.eu_vlop_designated"}


def _kind_of(fact: str) -> str:
    if fact == "product.markets":
        return "market"
    if fact in TEAM_VALUES:
        return TEAM_VALUES[fact][0]
    if fact.startswith("product.governance."):
        return "governance"
    if fact in _COMPANY or fact.startswith(_COMPANY_PREFIXES):
        return "company"
    return "scope"


def _team_values(fact: str) -> tuple[Any, ...]:
    if fact in TEAM_VALUES:
        return TEAM_VALUES[fact][1]
    if fact.startswith("product.governance."):
        return _T
    return ()


@cache
def rule_numbers() -> dict[str, tuple[float, ...]]:
    """The numbers the shipped rules compare each fact with (``min_age lt 16`` gives 16)."""
    from engine.evaluate.evaluator import default_evaluator
    from engine.law.conditions import NUMERIC_OPS, atoms

    ruleset = default_evaluator().ruleset
    numbers: dict[str, set[float]] = {}
    for cond in [i.scope for i in ruleset.instruments] + [r.when for r in ruleset.rules]:
        for a in atoms(cond):
            numeric = a.op in NUMERIC_OPS or (a.op in ("eq", "ne") and isinstance(a.value, int | float))
            if numeric and not isinstance(a.value, bool):
                numbers.setdefault(a.fact, set()).add(a.value)
    return {k: tuple(sorted(v)) for k, v in numbers.items()}


def _numeric_candidates(fact: str, expected: Any) -> list[Any]:
    vals = {1, 30, 365, 18, 0}
    for h in rule_numbers().get(fact, ()):
        vals.update({int(h) - 1, int(h), int(h) + 1})
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        v = int(expected)
        vals.update({v - 1, v, v + 1, v * 2 + 1})
    return sorted(v for v in vals if v >= 0)


def _atom(fact: str, op: str, expected: Any) -> Atom:
    negated = op.startswith("not ")
    base = op.removeprefix("not ")
    value = tuple(expected) if isinstance(expected, list) else expected
    return Atom(fact, base, value, negated)


Move = tuple[Edit, ...]


def falsifying_edits(doc: dict[str, Any], subject_path: str, fact: str, op: str, expected: Any) -> list[Move]:
    """Every move that makes the atom ``fact op expected`` (as reported in a violation's
    evidence, seen from the subject at ``subject_path``) stop holding, team moves first."""
    atom = _atom(fact, op, expected)
    base_op = atom.op
    items = list(atom.value) if isinstance(atom.value, tuple) else [atom.value]
    adds = base_op == "contains_none" or (base_op == "contains" and atom.negated)
    practice = subject_path.split(".transfers[")[0]
    practices = doc.get("data_practices") or []
    own_idx = [int(practice.split("[")[1].rstrip("]"))] if practice.startswith("data_practices[") else []
    all_idx = list(range(len(practices)))
    targets = own_idx if fact.startswith(("practice.", "transfer.")) else all_idx

    form = derived(fact)
    if form is not None:
        return _derived_moves(doc, form, targets, items, adds, atom)

    path = document_path(fact, subject_path)
    if path is None or (fact.startswith("synthetic_media.") and doc.get("synthetic_media") is None):
        return []
    path = _single_mechanism_path(doc, subject_path, fact, path)
    spec = fact_specs().get(fact)
    if spec is None:
        return []
    kind = _kind_of(fact)
    if base_op == "exists":
        return [(Edit("delete", path, None, "unknown"),)]
    if base_op == "missing":
        values = list(spec.values or ()) or _numeric_candidates(fact, None) or [True]
        if spec.type == "str" and not spec.values:
            values = ["regulint", ""]
        return [(Edit("set", path, v, "fill"),) for v in values]
    if spec.type == "list":
        if adds:
            list_kind = TEAM_LISTS.get(fact, "structural")
            return [(Edit("add_item", path, k, list_kind),) for k in items]
        current = list(_try_get(doc, path) or [])
        hier = fact == "practice.data_subjects"
        gone = tuple(x for x in current if x in items or (hier and any(x.startswith(k + ".") for k in items)))
        return [(Edit("remove_items", path, gone, "scope"),)] if gone else []
    # plain value facts: the team's values first, then the rest of the domain as scope changes
    if spec.type == "bool":
        domain: list[Any] = [True, False]
    elif spec.values is not None:
        domain = list(spec.values)
    elif spec.type in ("int", "number"):
        domain = _numeric_candidates(fact, expected)
    elif spec.type == "str":
        domain = ["regulint", ""]
    else:
        domain = []
    if spec.nullable:
        domain.append(None)
    team = [v for v in _team_values(fact) if atom_holds(atom, {fact: v}) is False]
    other = [v for v in domain if v not in team and atom_holds(atom, {fact: v}) is False]
    if fact == "practice.retention_days":
        other = [v for v in other if v is None or v > 0]
    other_kind = "company" if kind == "company" else "scope"
    return [(Edit("set", path, v, kind),) for v in team] + [
        (Edit("set", path, v, other_kind),) for v in other
    ]


def _single_mechanism_path(doc: dict[str, Any], subject_path: str, fact: str, path: str) -> str:
    """A transfer written with the old single ``mechanism`` key is edited there for that key's
    regime (setting ``mechanisms`` of the same regime beside it would contradict it)."""
    if not fact.startswith("transfer.mechanisms."):
        return path
    from engine.facts.mechanisms import regimes_of

    old = _try_get(doc, f"{subject_path}.mechanism")
    if isinstance(old, str) and fact.rsplit(".", 1)[1] in regimes_of(old):
        return f"{subject_path}.mechanism"
    return path


# --------------------------------------------------------------------------------------------
# derived facts: the declared forms (engine/facts/derived.py) inverted

#: A place no rule names, for an establishment that has to leave a market.
_ELSEWHERE = "SG"


def _derived_moves(
    doc: dict[str, Any], d: Derived, targets: list[int], items: list[Any], adds: bool, atom: Atom
) -> list[Move]:
    """The moves that make ``items`` leave the derived fact ``d`` (or, with ``adds``, join it),
    in the practices ``targets``."""
    form = d.form
    practices = doc.get("data_practices") or []
    if isinstance(form, Gathered):  # the product has it when a child does: change the children
        child = derived(form.fact)
        assert child is not None
        return _derived_moves(doc, child, targets, items, adds, atom)
    if isinstance(form, Closure) and form.single:
        moves: list[Move] = []
        for i in targets:
            path = f"data_practices[{i}].{form.input}"
            if adds:
                moves += [(Edit("set", path, k, "structural"),) for k in items]
            else:
                current = practices[i].get(form.input) or ""
                if not any(current == x or current.startswith(x + ".") for x in items):
                    continue  # the practice's key is not under the items: changing it does not help
                unrelated = sorted(
                    k
                    for k in taxonomy.keys(form.kind)
                    if not any(k == x or k.startswith(x + ".") or x.startswith(k + ".") for x in items)
                )
                moves += [(Edit("set", path, k, "structural"),) for k in unrelated]
        return moves
    if isinstance(form, Closure):
        return _taxonomy_list_moves(doc, targets, form.input, items, adds)
    if isinstance(form, Places) and d.namespace in CHILDREN:  # an entry's place: add or drop entries
        _, entries = CHILDREN[d.namespace]
        (field,) = form.inputs
        moves = []
        for i in targets:
            path = f"data_practices[{i}].{entries}"
            if adds:
                moves += [(Edit("add_item", path, {field: k}, "structural"),) for k in items]
                continue
            gone = tuple(
                e
                for e in practices[i].get(entries) or []
                if e.get(field) in items or market_of(e.get(field, "")) in items
            )
            if gone:
                moves.append((Edit("remove_items", path, gone, "structural"),))
        return moves
    if isinstance(form, Places):
        return _place_moves(doc, d, form, items, adds)
    if isinstance(form, Collected):
        moves = []
        for i in targets:
            path = f"data_practices[{i}].{form.entries}"
            if adds:
                moves += [
                    (
                        Edit(
                            "add_item",
                            path,
                            {f: k if v is ... else v for f, v in form.new_entry},
                            "structural",
                        ),
                    )
                    for k in items
                ]
            else:
                gone = tuple(e for e in practices[i].get(form.entries) or [] if e.get(form.field) in items)
                if gone:
                    moves.append((Edit("remove_items", path, gone, "structural"),))
        return moves
    if isinstance(form, Counted):
        kind = _kind_of(f"{d.namespace}.{form.entries}[].{form.unless}")
        edits = tuple(
            Edit("set", f"data_practices[{i}].{form.entries}[{j}].{form.unless}", True, kind)
            for i in targets
            for j, e in enumerate(practices[i].get(form.entries) or [])
            if not e.get(form.unless)
        )
        return [edits] if edits else []
    if isinstance(form, AnyHolds):  # the first yes/no fact set as asked, the others off, everywhere
        value = (not atom.value) if atom.op == "eq" else atom.value
        first, *rest = (f.split(".", 1)[1] for f in form.facts)
        edits_ = [Edit("set", f"data_practices[{i}].{first}", value, "scope") for i in range(len(practices))]
        edits_ += [
            Edit("set", f"data_practices[{i}].{name}", False, "scope")
            for name in rest
            for i in range(len(practices))
        ]
        return [tuple(edits_)] if edits_ else []
    if isinstance(form, Converted):
        return [(_amount_edit(d, form, atom),)]
    return []  # Present: a block is what the product is, not a move


def _place_moves(doc: dict[str, Any], d: Derived, form: Places, items: list[Any], adds: bool) -> list[Move]:
    """Places of the product itself: its markets (never added), its organisation's establishments."""
    kind = _kind_of(d.input_fact(form.inputs[0]))
    specs = fact_specs()
    lists = [f for f in form.inputs if specs[d.input_fact(f)].type == "list"]
    if adds:
        return [] if kind == "market" else [(Edit("add_item", lists[0], k, kind),) for k in items]
    edits: list[Edit] = []
    for f in sorted(form.inputs, key=lambda f: f in lists):  # single places first
        value = _try_get(doc, f)
        if f in lists:
            gone = tuple(p for p in value or [] if p in items or market_of(p) in items)
            if gone:
                edits.append(Edit("remove_items", f, gone, kind))
        elif value and (value in items or market_of(value) in items):
            edits.append(Edit("set", f, _ELSEWHERE, kind))
    return [tuple(edits)] if edits else []


def _taxonomy_list_moves(
    doc: dict[str, Any], targets: list[int], field: str, items: list[str], adds: bool
) -> list[Move]:
    practices = doc.get("data_practices") or []
    if adds:
        return [
            (Edit("add_item", f"data_practices[{i}].{field}", k, "structural"),)
            for i in targets
            for k in items
        ]
    edits = []
    for i in targets:
        current = practices[i].get(field) or []
        gone = tuple(x for x in current if any(x == k or x.startswith(k + ".") for k in items))
        if gone:
            edits.append(Edit("remove_items", f"data_practices[{i}].{field}", gone, "scope"))
    return [tuple(edits)] if edits else []


def _amount_edit(d: Derived, form: Converted, atom: Atom) -> Edit:
    """The amount that makes a comparison of the converted figure fail, in its currency."""
    cur = form.currency
    v = atom.value if isinstance(atom.value, int | float) and not isinstance(atom.value, bool) else 0
    target = {
        ("lt", False): v, ("lte", False): v + 1, ("gt", False): v, ("gte", False): v - 1,
        ("lt", True): v - 1, ("lte", True): v, ("gt", True): v + 1, ("gte", True): v,
        ("eq", False): v + 1, ("ne", False): v,
    }.get((atom.op, atom.negated), v)  # fmt: skip
    amount = max(target if isinstance(target, int) else round(float(target), 2), 0)
    return Edit("set", form.input, {"amount": amount, "currency": cur}, _kind_of(d.input_fact(form.input)))
