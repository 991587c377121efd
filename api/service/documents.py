"""Reading request bodies: bytes -> JSON (or YAML) -> validated products, with problem details.

The body is read by this module, never by FastAPI's pydantic body binding, so every error
names a path into the submitted document (``data_practices[0].purpose``), as the CLI does.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from api.service.problems import ProblemError
from engine.core.yamlio import DESCRIPTION_MAX_DEPTH
from engine.facts.inputs import InputError, InputIssue, InputLimits, parse_text, product_from_data
from engine.facts.product import Product

YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
MAX_DEPTH = DESCRIPTION_MAX_DEPTH
JSON_TYPES = frozenset({"application/json"})


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def require_document_type(content_type: str | None) -> None:
    """A POST body is JSON or YAML, declared so: anything else (a form, text/plain) is 415, so a
    web page cannot make a browser submit to this service."""
    media = media_type(content_type)
    if media not in JSON_TYPES and media not in YAML_TYPES:
        raise ProblemError(
            415,
            f"send the description as application/json or application/yaml, not {media or 'no content type'}",
            errors=[
                InputIssue(
                    "header.content-type",
                    "unsupported media type",
                    "application/json or application/yaml",
                    repr(media)[:80],
                )
            ],
        )


async def read_body(request: Request) -> bytes:
    """The raw body (the size limit is enforced by :class:`api.service.limits.BodyLimitMiddleware`)."""
    return await request.body()


def parse_body(body: bytes, content_type: str | None) -> Any:
    """Bytes -> JSON data (YAML when the content type says so); 400 for anything malformed."""
    is_yaml = media_type(content_type) in YAML_TYPES
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


def validate_product(data: Any, prefix: str = "", limits: InputLimits | None = None) -> Product:
    """Validated product, or an InputError whose issue paths start with ``prefix``."""
    try:
        return product_from_data(data, "request", limits or InputLimits())
    except InputError as exc:
        if not prefix:
            raise
        raise InputError("request", [_prefixed(prefix, i) for i in exc.issues]) from None


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


def validate_description(data: Any, limits: InputLimits) -> Product:
    """One description of a request body, validated, or a 422 naming each bad field."""
    try:
        return validate_product(data, "", limits)
    except InputError as exc:
        raise invalid_description(exc.issues) from None


def _batch_items(data: Any, max_items: int) -> tuple[list[Any], str]:
    """The descriptions of a batch body and the path prefix of each ('[i]' or 'items[i]')."""
    if isinstance(data, list):
        items, prefix = data, ""
    elif isinstance(data, dict) and "items" in data:
        extra = sorted(k for k in data if k != "items")
        if extra:
            raise invalid_description(
                [InputIssue(k, "extra field", "only `items`", repr(k)[:80]) for k in extra], many=True
            )
        items, prefix = data["items"], "items"
        if not isinstance(items, list):
            raise invalid_description(
                [InputIssue("items", "not a list", "a list of product descriptions", type(items).__name__)],
                many=True,
            )
    else:
        raise invalid_description(
            [
                InputIssue(
                    "",
                    "a batch is a list of product descriptions, or an object with `items`",
                    '[{…}, …] or {"items": [{…}, …]}',
                    type(data).__name__,
                )
            ],
            many=True,
        )
    if not items:
        raise invalid_description(
            [InputIssue(prefix, "an empty batch", "at least one product description", "[]")], many=True
        )
    if len(items) > max_items:
        raise invalid_description(
            [
                InputIssue(
                    prefix,
                    f"a batch holds at most {max_items} descriptions (REGULINT_MAX_BATCH_ITEMS)",
                    f"at most {max_items} items",
                    f"{len(items)} items",
                )
            ],
            many=True,
        )
    return items, prefix


def validate_batch(data: Any, max_items: int, limits: InputLimits) -> list[tuple[dict[str, Any], Product]]:
    """Every description of a batch body, validated (one 422 naming each bad field), with its data."""
    items, prefix = _batch_items(data, max_items)
    issues: list[InputIssue] = []
    out: list[tuple[dict[str, Any], Product]] = []
    for i, item in enumerate(items):
        try:
            out.append((item, validate_product(item, f"{prefix}[{i}]", limits)))
        except InputError as exc:
            issues += exc.issues
    if issues:
        raise invalid_description(issues, many=True)
    return out
