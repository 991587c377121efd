"""A JSON Schema of ruleset files, for editors (``regulint schema --rulesets``).

Generated from the loader's own models (:mod:`engine.law.model`), so it cannot drift from what
``regulint lint`` accepts; conditions are spelled out with ``fact`` an enum of the fact
vocabulary (:func:`engine.facts.registry.fact_specs`), ``param`` an enum of the parameter tree
(``rulesets/parameters``) and ``penalty`` an enum of the shared tiers (``rulesets/tiers``).
The loader still checks what a schema cannot (a fact's type against its operator, taxonomy
keys, example products).
"""

from __future__ import annotations

from typing import Any

from engine.facts.registry import fact_specs
from engine.law import conditions
from engine.law.parameters import load_legal_data

_COMBINATORS = ("all", "any")


def _condition_schema(facts: list[str], params: list[str]) -> dict[str, Any]:
    ref = {"$ref": "#/$defs/Condition"}
    param_ref = {
        "type": "object",
        "description": "A dated legal parameter (rulesets/parameters), resolved on the as-of day.",
        "properties": {"param": {"enum": params}},
        "required": ["param"],
        "additionalProperties": False,
    }
    scalar = {"type": ["string", "number", "boolean", "null"]}
    ops: dict[str, Any] = {}
    for op in conditions.OPERATORS:
        if op in ("exists", "missing"):
            ops[op] = {"const": True}
        elif op in ("in", "not_in", "contains_any", "contains_none"):
            ops[op] = {"anyOf": [{"type": "array", "items": scalar, "minItems": 1}, param_ref]}
        elif op in conditions.NUMERIC_OPS:
            ops[op] = {"anyOf": [{"type": "number"}, param_ref]}
        else:
            ops[op] = {"anyOf": [scalar, param_ref]}
    atom = {
        "type": "object",
        "description": "A fact and exactly one operator.",
        "properties": {"fact": {"enum": facts}, **ops},
        "required": ["fact"],
        "minProperties": 2,
        "maxProperties": 2,
        "additionalProperties": False,
    }
    combined = [
        {
            "type": "object",
            "properties": {key: {"type": "array", "items": ref, "minItems": 1}},
            "required": [key],
            "additionalProperties": False,
        }
        for key in _COMBINATORS
    ]
    negated = {
        "type": "object",
        "properties": {"not": ref},
        "required": ["not"],
        "additionalProperties": False,
    }
    return {"oneOf": [*combined, negated, atom]}


def _patch(node: Any, condition_keys: set[str], penalty: dict[str, Any]) -> Any:
    """Point every condition-valued property at the condition schema, and ``penalty`` at the tiers."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                props = {}
                for name, prop in value.items():
                    if name in condition_keys:
                        props[name] = {"$ref": "#/$defs/Condition", **_described(prop)}
                    elif name == "penalty" and "anyOf" in prop:
                        props[name] = {**penalty, **_described(prop)}
                    else:
                        props[name] = _patch(prop, condition_keys, penalty)
                out[key] = props
            else:
                out[key] = _patch(value, condition_keys, penalty)
        return out
    if isinstance(node, list):
        return [_patch(item, condition_keys, penalty) for item in node]
    return node


def _described(prop: Any) -> dict[str, Any]:
    return {"description": prop["description"]} if isinstance(prop, dict) and "description" in prop else {}


def ruleset_json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of one ruleset (instrument) file, with the shipped vocabulary."""
    from engine.law.model import PenaltyRef, RulesetFileModel

    legal = load_legal_data()
    facts = sorted(fact_specs())
    params = sorted(legal.parameters)
    tiers = sorted(legal.tiers)
    schema = RulesetFileModel.model_json_schema(by_alias=True)
    tier_id = {"enum": tiers, "description": "A penalty tier defined once in rulesets/tiers."}
    ref = PenaltyRef.model_json_schema(by_alias=True)  # every key the loader takes, tiers as enums
    ref_props = {**ref["properties"], "tier": tier_id, "aggravated": tier_id}
    penalty = {
        "anyOf": [
            tier_id,
            {"type": "object", "properties": ref_props, "required": ["tier"], "additionalProperties": False},
        ]
    }
    schema = _patch(schema, {"when", "scope", "unless"}, penalty)
    schema.setdefault("$defs", {})["Condition"] = _condition_schema(facts, params)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "regulint ruleset file"
    schema["description"] = (
        "One legal instrument: its scope, aggregation and rules. Penalty tiers live in rulesets/tiers "
        "and dated parameters in rulesets/parameters; see docs/ruleset-authoring.md."
    )
    return schema


__all__ = ["ruleset_json_schema"]
