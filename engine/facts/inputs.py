"""Reading product descriptions (JSON or YAML) with errors that say where, what and why."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine.core.yamlio import DESCRIPTION_MAX_DEPTH, YamlError, load_untrusted
from engine.facts.product import Product

_MAX_SHOWN = 80


@dataclass(frozen=True)
class InputIssue:
    """One problem with a description: where (JSON path), what was expected, what was given."""

    path: str
    message: str
    expected: str
    given: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message, "expected": self.expected, "given": self.given}

    def __str__(self) -> str:
        where = self.path or "(document)"
        return f"{where}: {self.message} (expected {self.expected}; given {self.given})"


class InputError(ValueError):
    """A description that cannot be evaluated; ``issues`` lists every problem found."""

    def __init__(self, source: str, issues: list[InputIssue]):
        self.source, self.issues = source, issues
        super().__init__("\n".join(f"{source}: {i}" for i in issues))


def json_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """('data_practices', 0, 'consent') -> 'data_practices[0].consent'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


_EXPECTED = {
    "missing": "a value (this field is required)",
    "extra_forbidden": "no such field (see the input reference in the README)",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "decimal_type": "a number",
    "decimal_parsing": "a number",
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "enum": "one of the listed values",
    "literal_error": "one of the listed values",
    "greater_than": "a larger number",
    "greater_than_equal": "a larger number",
    "less_than": "a smaller number",
    "less_than_equal": "a smaller number",
    "too_short": "more items",
    "string_too_short": "a non-empty string",
    "string_pattern_mismatch": "a value of the documented format",
    "value_error": "a valid value",
    "finite_number": "a finite number",
}


def issues_from_validation(exc: ValidationError) -> list[InputIssue]:
    """Every pydantic error as an :class:`InputIssue` (JSON path, message, expected, given)."""
    out = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if not (isinstance(p, str) and (p.startswith("function-") or "[" in p))]
        msg = err["msg"].removeprefix("Value error, ")
        kind = err["type"]
        expected = _EXPECTED.get(kind, "a valid value")
        ctx = err.get("ctx") or {}
        if kind in ("enum", "literal_error") and "expected" in ctx:
            expected = f"one of {ctx['expected']}"
        elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
            bound = next(iter(ctx.values()), None)
            sign = {
                "greater_than": ">",
                "greater_than_equal": ">=",
                "less_than": "<",
                "less_than_equal": "<=",
            }[kind]
            expected = f"a number {sign} {bound}"
        elif kind == "string_pattern_mismatch" and "pattern" in ctx:
            expected = f"a string matching {ctx['pattern']}"
        elif kind == "value_error" and "did you mean" in msg:
            expected = "a key " + msg.split("did you mean", 1)[1].strip().rstrip("?").join(("like ", ""))
        given = "nothing" if kind == "missing" else _shown(err.get("input"))
        out.append(InputIssue(json_path(loc), msg, expected, given))
    return out


@dataclass(frozen=True)
class InputLimits:
    """Caps on one description, checked before validation so the work per description is bounded.

    Read from ``REGULINT_MAX_PRACTICES``, ``REGULINT_MAX_RECIPIENTS`` and ``REGULINT_MAX_TRANSFERS``
    (CLI and API alike) by :meth:`from_env`.
    """

    max_practices: int = 200
    max_recipients: int = 50  # per practice
    max_transfers: int = 50  # per practice

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> InputLimits:
        """Limits from the environment; ValueError names a variable that is not a positive whole number."""
        env = os.environ if env is None else env
        values = {}
        for name, var in (
            ("max_practices", "REGULINT_MAX_PRACTICES"),
            ("max_recipients", "REGULINT_MAX_RECIPIENTS"),
            ("max_transfers", "REGULINT_MAX_TRANSFERS"),
        ):
            raw = env.get(var, "").strip()
            if not raw:
                continue
            if not raw.isdigit() or int(raw) <= 0:
                raise ValueError(f"{var} must be a positive whole number, got {raw!r}")
            values[name] = int(raw)
        return cls(**values)


def _path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def _shown_text(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:59] + "…")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _bad_text(value: str) -> str | None:
    if "\x00" in value:
        return "text holds a NUL character"
    if not value.isascii() and _SURROGATE.search(value):
        return "text holds an unpaired UTF-16 surrogate"
    return None


#: Where a value sits: None for the root, else (where its container sits, its key or index).
_Where = tuple["_Where", str | int] | None


def _where_path(where: _Where, root: str) -> str:
    keys: list[str | int] = []
    while where is not None:
        where, key = where
        keys.append(key)
    path = root
    for key in reversed(keys):
        path = _path(path, key)
    return path


def check_structure(data: Any, root: str = "", max_depth: int = DESCRIPTION_MAX_DEPTH) -> list[InputIssue]:
    """Refuse what cannot be stored or safely validated: deep nesting, NUL and lone surrogates.

    Iterative (no recursion), so a pathological document cannot exhaust the stack; a value's
    JSON path is written only when it has an issue.
    """
    issues: list[InputIssue] = []
    stack: list[tuple[Any, _Where, int]] = [(data, None, 0)]
    while stack and len(issues) < 20:
        value, where, depth = stack.pop()
        if depth > max_depth:
            issues.append(
                InputIssue(
                    _where_path(where, root), "the document is nested too deeply",
                    f"at most {max_depth} levels", "deeper",
                )
            )  # fmt: skip
            continue
        kind = type(value)
        if kind is str or isinstance(value, str):
            bad = _bad_text(value)
            if bad:
                issues.append(
                    InputIssue(
                        _where_path(where, root), bad, "text without NUL or unpaired surrogates",
                        _shown_text(value),
                    )
                )  # fmt: skip
        elif kind is dict or isinstance(value, dict):
            for k, v in value.items():
                bad = _bad_text(k)
                if bad:
                    issues.append(
                        InputIssue(
                            _where_path(where, root), f"a key: {bad}", "keys without control codes",
                            _shown_text(k),
                        )
                    )  # fmt: skip
                    continue
                if type(v) in _SCALARS and depth < max_depth:
                    continue
                stack.append((v, (where, k), depth + 1))
        elif kind is list or isinstance(value, list):
            deep = depth >= max_depth  # a scalar too deep is reported, as any value
            stack.extend(
                (v, (where, i), depth + 1) for i, v in enumerate(value) if deep or type(v) not in _SCALARS
            )
    issues.sort(key=lambda i: i.path)
    return issues


#: Values with nothing to check inside (a string is checked; these are not).
_SCALARS = frozenset({int, float, bool, type(None)})


def check_limits(data: Any, limits: InputLimits) -> list[InputIssue]:
    """Lists longer than the caps of ``limits`` (data_practices, and each practice's recipients and transfers)."""
    issues: list[InputIssue] = []
    practices = data.get("data_practices") if isinstance(data, dict) else None
    if not isinstance(practices, list):
        return issues
    if len(practices) > limits.max_practices:
        return [_too_many("data_practices", limits.max_practices, len(practices), "REGULINT_MAX_PRACTICES")]
    for i, practice in enumerate(practices):
        if not isinstance(practice, dict):
            continue
        for key, cap, var in (
            ("recipients", limits.max_recipients, "REGULINT_MAX_RECIPIENTS"),
            ("transfers", limits.max_transfers, "REGULINT_MAX_TRANSFERS"),
        ):
            items = practice.get(key)
            if isinstance(items, list) and len(items) > cap:
                issues.append(_too_many(f"data_practices[{i}].{key}", cap, len(items), var))
    return issues


def _too_many(path: str, cap: int, given: int, var: str) -> InputIssue:
    return InputIssue(
        path, f"more than {cap} items (the limit is set by {var})", f"at most {cap}", f"{given}"
    )


def product_from_data(data: Any, source: str = "<input>", limits: InputLimits | None = None) -> Product:
    """Validate parsed data as a :class:`Product`; raise :class:`InputError` with every issue.

    The structure (nesting, text) and the caps of ``limits`` (default: from the environment) are
    checked first, so no validation work is spent on a document over them.
    """
    if not isinstance(data, dict):
        raise InputError(
            source,
            [
                InputIssue(
                    "",
                    "a product description is a JSON object",
                    "an object with id, markets, data_practices …",
                    _shown(data),
                )
            ],
        )
    from engine.facts.description_schema import without_schema_key

    data = without_schema_key(data)
    issues = check_limits(data, limits or InputLimits.from_env()) or check_structure(data)
    if issues:
        raise InputError(source, issues)
    try:
        return Product.model_validate(data)
    except ValidationError as exc:
        raise InputError(source, issues_from_validation(exc)) from None
    except RecursionError:
        raise InputError(
            source, [InputIssue("", "nested too deeply", "a product description", "deeper")]
        ) from None


def parse_text(text: str, source: str = "<input>") -> Any:
    """Parse JSON (or YAML for .yaml/.yml sources); syntax errors name line and column."""
    if source.endswith((".yaml", ".yml")):
        try:
            return load_untrusted(source, text)
        except YamlError as exc:
            raise InputError(
                source, [InputIssue(f"line {exc.line}", exc.message, "valid YAML", "malformed YAML")]
            ) from None
    try:
        return json.loads(text, parse_float=_float_or_error, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InputError(source, [InputIssue(
            f"line {exc.lineno} column {exc.colno}", f"malformed JSON: {exc.msg}", "valid JSON", _shown(text[exc.pos: exc.pos + 20])
        )]) from None  # fmt: skip
    except RecursionError:
        raise InputError(
            source,
            [
                InputIssue(
                    "",
                    "the document is nested too deeply",
                    "a product description (a few levels deep)",
                    "deeply nested JSON",
                )
            ],
        ) from None
    except ValueError as exc:  # NaN/Infinity, numbers out of range, integers of thousands of digits
        raise InputError(
            source, [InputIssue("", str(exc), "numbers of ordinary size", "an unusable number")]
        ) from None


def _float_or_error(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number regulint accepts")


def load_product(path: str | Path) -> Product:
    """Read and validate a description file (``-`` reads standard input)."""
    import sys

    source = str(path)
    if source == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(source, [InputIssue("", "no such file", "a readable file", source)]) from None
        except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
            raise InputError(
                source,
                [InputIssue("", f"cannot read: {exc.__class__.__name__}", "a UTF-8 text file", source)],
            ) from None
    return product_from_data(parse_text(text, source), source)
