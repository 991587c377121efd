"""Reading product descriptions (JSON or YAML) with errors that say where, what and why."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine.product import Product
from engine.yamlio import YamlError, load_with_lines, plain

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


def product_from_data(data: Any, source: str = "<input>") -> Product:
    """Validate parsed data as a :class:`Product`; raise :class:`InputError` with every issue."""
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
    from engine.description_schema import without_schema_key

    try:
        return Product.model_validate(without_schema_key(data))
    except ValidationError as exc:
        raise InputError(source, issues_from_validation(exc)) from None


def parse_text(text: str, source: str = "<input>") -> Any:
    """Parse JSON (or YAML for .yaml/.yml sources); syntax errors name line and column."""
    if source.endswith((".yaml", ".yml")):
        try:
            return plain(load_with_lines(source, text))
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
