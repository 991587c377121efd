"""Errors as ``application/problem+json`` (RFC 9457), with each bad field's JSON path.

Every error the service answers — bad JSON, an invalid description, an unknown id, a body over
the limit, a missing key, a wrong method — has the same shape::

    {"type": "https://regulint.dev/problems/invalid-description", "title": "…", "status": 422,
     "detail": "…", "instance": "/v1/evaluations",
     "errors": [{"path": "data_practices[0].purpose", "message": "…", "expected": "…", "given": "…"}]}

``path`` is a JSON path into the submitted document (``data_practices[0].consent.explicit``;
``items[2].id`` or ``[2].id`` inside a batch); query parameters are named ``query.<name>``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from engine.facts.inputs import InputIssue

log = logging.getLogger("regulint.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
_BASE = "https://regulint.dev/problems/"

# status -> (type slug, title) for problems raised without a more specific type
_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("malformed-request", "Malformed request"),
    401: ("unauthorized", "Missing or invalid API key"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    408: ("request-timeout", "Request timeout"),
    413: ("body-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid-request", "Invalid request"),
    500: ("internal-error", "Internal server error"),
    503: ("unavailable", "Service unavailable"),
}


class FieldIssue(BaseModel):
    """One bad field: where it is, what is wrong, what was expected and what was given."""

    path: str = Field(
        description="JSON path into the submitted document ('' for the document itself; "
        "'query.<name>' for a query parameter).",
        examples=["data_practices[0].consent.explicit"],
    )
    message: str
    expected: str
    given: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = Field(None, description="The request path the problem occurred at.")
    errors: list[FieldIssue] = Field(default_factory=list, description="Each bad field, when there are any.")


class ProblemError(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        slug: str | None = None,
        title: str | None = None,
        errors: list[InputIssue] | None = None,
        headers: dict[str, str] | None = None,
    ):
        default_slug, default_title = _DEFAULTS.get(status, ("error", "Error"))
        self.status = status
        self.slug = slug or default_slug
        self.title = title or default_title
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}
        super().__init__(detail or self.title)


def problem_body(
    status: int,
    *,
    instance: str | None,
    detail: str | None = None,
    slug: str | None = None,
    title: str | None = None,
    errors: list[InputIssue] | None = None,
) -> dict[str, Any]:
    default_slug, default_title = _DEFAULTS.get(status, ("error", "Error"))
    return {
        "type": _BASE + (slug or default_slug),
        "title": title or default_title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "errors": [e.to_dict() for e in errors or []],
    }


def problem_response(
    status: int,
    *,
    instance: str | None,
    detail: str | None = None,
    slug: str | None = None,
    title: str | None = None,
    errors: list[InputIssue] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = problem_body(status, instance=instance, detail=detail, slug=slug, title=title, errors=errors)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting problem documents for these statuses."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        title = _DEFAULTS.get(status, ("error", "Error"))[1]
        out[status] = {
            "description": title,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return out


# --- exception handlers -------------------------------------------------------------------


async def _problem_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        exc.status,
        instance=request.url.path,
        detail=exc.detail,
        slug=exc.slug,
        title=exc.title,
        errors=exc.errors,
        headers=exc.headers,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"nothing at {request.url.path}"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        allowed = _allowed_methods(request) or headers.get("Allow") or headers.get("allow")
        headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
        if allowed:
            headers["Allow"] = allowed
        if detail == "Method Not Allowed":
            detail = f"{request.method} is not allowed here" + (f"; allowed: {allowed}" if allowed else "")
    return problem_response(exc.status_code, instance=request.url.path, detail=detail, headers=headers)


_HTTP_METHODS = ("get", "head", "post", "put", "patch", "delete", "options", "trace")


def _allowed_methods(request: Request) -> str | None:
    """The methods served at this path: those the OpenAPI schema documents for the most specific
    matching path (a literal segment beats a parameter: /v1/evaluations/batch is not an id),
    else every method some undocumented route serves there."""
    path = request.scope.get("path", "")
    best: tuple[int, list[str]] | None = None
    for template, item in request.app.openapi().get("paths", {}).items():
        parts, given = template.strip("/").split("/"), path.strip("/").split("/")
        if len(parts) != len(given):
            continue
        if all(
            p == g or (p.startswith("{") and p.endswith("}") and g) for p, g in zip(parts, given, strict=True)
        ):
            literal = sum(1 for p in parts if not p.startswith("{"))
            methods = sorted(m.upper() for m in item if m in _HTTP_METHODS)
            if best is None or literal > best[0]:
                best = (literal, methods)
    if best is not None:
        return ", ".join(best[1]) or None
    found = set()
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            found.add(method)
    return ", ".join(sorted(found)) or None


def _loc_path(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = list(loc)
    prefix = ""
    if parts and parts[0] in ("query", "path", "header", "cookie"):
        prefix = f"{parts.pop(0)}."
    elif parts and parts[0] == "body":
        parts.pop(0)
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return prefix + out


def _given(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else text[:79] + "…"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's own validation (query and path parameters) as a problem document."""
    assert isinstance(exc, RequestValidationError)
    issues = []
    for err in exc.errors():
        kind = err.get("type", "")
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        expected = {
            "missing": "a value (this parameter is required)",
            "date_from_datetime_parsing": "a date as YYYY-MM-DD",
            "date_parsing": "a date as YYYY-MM-DD",
            "date_from_datetime_inexact": "a date as YYYY-MM-DD",
            "datetime_parsing": "a date or date-time (ISO 8601)",
            "datetime_from_date_parsing": "a date or date-time (ISO 8601)",
            "int_parsing": "a whole number",
            "uuid_parsing": "a UUID",
        }.get(kind, "a valid value")
        if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
            expected = f"a number {msg.split('be ', 1)[-1]}"
        elif kind in ("enum", "literal_error"):
            expected = msg.removeprefix("Input should be ")
        given = "nothing" if kind == "missing" else _given(err.get("input"))
        issues.append(InputIssue(_loc_path(err.get("loc", ())), msg, expected, given))
    status = 400 if any(i.path.startswith(("header.", "cookie.")) for i in issues) else 422
    return problem_response(
        status,
        instance=request.url.path,
        detail="; ".join(f"{i.path}: {i.message}" for i in issues) or "invalid request",
        errors=issues,
    )


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    """A real fault of the server: log it with its traceback, answer a problem without internals."""
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        500,
        instance=request.url.path,
        detail="the server failed to answer this request; it has been logged",
    )


async def _history_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The history database failed: 503 with Retry-After, one log line (no traceback)."""
    log.error("%s %s: 503: %s", request.method, request.url.path, exc)
    return problem_response(
        503,
        instance=request.url.path,
        detail=f"{exc}; nothing was stored, retry later",
        slug="history-unavailable",
        title="History unavailable",
        headers={"Retry-After": "5"},
    )


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem document."""
    from api.service.db import HistoryUnavailable

    app.add_exception_handler(HistoryUnavailable, _history_unavailable)
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _server_error)
