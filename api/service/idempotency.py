"""``Idempotency-Key`` on POST: a retry (after a lost answer) gets the stored result, not a duplicate.

The key is scoped to the API key that sent it (two clients may pick the same key) and stored
hashed with a fingerprint of the request (method, path, query, content type, body). The same key
with the same request answers the stored evaluations (``Idempotent-Replayed: true``); the same
key with another request is 422. Keys are kept with the history, like the evaluations they name.
"""

from __future__ import annotations

import hashlib
import re

from fastapi import Request

from api.service.db import IdempotentRequest
from api.service.problems import ProblemError
from api.service.tables import IdempotencyRow
from engine.facts.inputs import InputIssue

HEADER = "idempotency-key"
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def idempotent_request(request: Request, body: bytes) -> IdempotentRequest | None:
    """The scoped key and fingerprint of this request, None without the header, 400 for a bad key."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    if not _KEY.match(raw):
        raise ProblemError(
            400,
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
            errors=[
                InputIssue(
                    "header.idempotency-key", "not a key", "1-255 visible ASCII characters", repr(raw)[:80]
                )
            ],
        )
    token = request.headers.get("authorization", "").partition(" ")[2].strip()
    principal = hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest() if token else ""
    key = hashlib.sha256(f"{principal}\0{raw}".encode()).hexdigest()
    h = hashlib.sha256()
    for part in (
        request.method,
        request.url.path,
        str(request.url.query),
        request.headers.get("content-type", ""),
    ):
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    h.update(body)
    return IdempotentRequest(key, h.hexdigest())


def check_same_request(found: IdempotencyRow, request: IdempotentRequest) -> None:
    if found.fingerprint != request.fingerprint:
        raise ProblemError(
            422,
            "this Idempotency-Key was already used for a different request; use a new key",
            slug="idempotency-key-reused",
            title="Idempotency key reused",
            errors=[
                InputIssue("header.idempotency-key", "used for another request", "a new key", "a used key")
            ],
        )
