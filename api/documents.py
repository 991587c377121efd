"""Reading request bodies: bytes -> JSON (or YAML) -> validated products, with problem details.

The body is read by this module, never by FastAPI's pydantic body binding, so every error
names a path into the submitted document (``data_practices[0].purpose``), as the CLI does.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from api.problems import ProblemError
from engine.inputs import InputError, InputIssue, parse_text, product_from_data
from engine.product import Product

YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
MAX_DEPTH = 32  # a description is at most ~6 levels deep; deeper input is refused before validation


def _shown(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:59] + "…")


def _path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def check_structure(data: Any, root: str = "") -> list[InputIssue]:
    """Refuse what cannot be stored or safely validated: deep nesting, NUL and lone surrogates.

    Iterative (no recursion), so a pathological document cannot exhaust the stack.
    """
    issues: list[InputIssue] = []
    stack: list[tuple[Any, str, int]] = [(data, root, 0)]
    while stack and len(issues) < 20:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            issues.append(
                InputIssue(path, "the document is nested too deeply", f"at most {MAX_DEPTH} levels", "deeper")
            )
            continue
        if isinstance(value, str):
            bad = _bad_text(value)
            if bad:
                issues.append(InputIssue(path, bad, "text without NUL or unpaired surrogates", _shown(value)))
        elif isinstance(value, dict):
            for k, v in value.items():
                bad = _bad_text(k)
                if bad:
                    issues.append(InputIssue(path, f"a key: {bad}", "keys without control codes", _shown(k)))
                    continue
                stack.append((v, _path(path, k), depth + 1))
        elif isinstance(value, list):
            stack.extend((v, _path(path, i), depth + 1) for i, v in enumerate(value))
    issues.sort(key=lambda i: i.path)
    return issues


def _bad_text(value: str) -> str | None:
    if "\x00" in value:
        return "text holds a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "text holds an unpaired UTF-16 surrogate"
    return None


async def read_body(request: Request) -> bytes:
    """The raw body (the size limit is enforced by :class:`api.limits.BodyLimitMiddleware`)."""
    return await request.body()


def parse_body(body: bytes, content_type: str | None) -> Any:
    """Bytes -> JSON data (YAML when the content type says so); 400 for anything malformed."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    is_yaml = media in YAML_TYPES
    if not body.strip():
        raise ProblemError(
            400,
            "the request has no body: send a product description as JSON",
            errors=[InputIssue("", "empty body", "a JSON document", "nothing")],
        )
    try:
        text = body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ProblemError(
            400,
            f"the body is not UTF-8 text (byte {exc.start})",
            errors=[
                InputIssue("", "the body is not UTF-8", "UTF-8 encoded JSON", f"byte 0x{body[exc.start]:02x}")
            ],
        ) from None
    try:
        return parse_text(text, "request.yaml" if is_yaml else "request.json")
    except InputError as exc:
        issues = [_located(i) for i in exc.issues]
        raise ProblemError(
            400,
            issues[0].message
            if issues[0].message.startswith("malformed")
            else "the body is not valid " + ("YAML" if is_yaml else "JSON") + ": " + issues[0].message,
            slug="malformed-json",
            title="Malformed JSON" if not is_yaml else "Malformed YAML",
            errors=issues,
        ) from None
    except RecursionError:
        raise ProblemError(
            400,
            "the body is nested too deeply to parse",
            slug="malformed-json",
            title="Malformed JSON",
            errors=[InputIssue("", "nested too deeply", f"at most {MAX_DEPTH} levels", "deeper")],
        ) from None


def _located(issue: InputIssue) -> InputIssue:
    """Syntax errors carry 'line L column C' as their place: keep it in the message, not the path."""
    if issue.path.startswith("line "):
        return InputIssue("", f"{issue.message} (at {issue.path})", issue.expected, issue.given)
    return issue


def validate_product(data: Any, prefix: str = "") -> Product:
    """Validated product, or an InputError whose issue paths start with ``prefix``."""
    issues = check_structure(data, prefix)
    if issues:
        raise InputError("request", issues)
    try:
        return product_from_data(data, "request")
    except InputError as exc:
        if not prefix:
            raise
        raise InputError("request", [_prefixed(prefix, i) for i in exc.issues]) from None
    except RecursionError:
        raise InputError(
            "request", [InputIssue(prefix, "nested too deeply", "a product description", "deeper")]
        ) from None


def _prefixed(prefix: str, issue: InputIssue) -> InputIssue:
    if not issue.path:
        path = prefix
    elif issue.path.startswith("["):
        path = prefix + issue.path
    else:
        path = f"{prefix}.{issue.path}"
    return InputIssue(path, issue.message, issue.expected, issue.given)


def invalid_description(issues: list[InputIssue], *, many: bool = False) -> ProblemError:
    first = issues[0]
    where = first.path or "the document"
    more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
    return ProblemError(
        422,
        f"{where}: {first.message}{more}",
        slug="invalid-description",
        title="Invalid product description" + ("s" if many else ""),
        errors=issues,
    )
