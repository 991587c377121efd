"""The request-body size limit, enforced before and while the body streams in.

A ``Content-Length`` over the limit is answered 413 at once, without reading the body; a body
without one (chunked) is counted as it arrives and refused as soon as it passes the limit, so a
20 MiB upload never sits in memory.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import PROBLEM_MEDIA_TYPE, problem_body


class BodyTooLarge(Exception):
    """Raised from ``receive`` when the streamed body passes the limit."""


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            try:
                length = int(declared)
                if length < 0:
                    raise ValueError
            except ValueError:
                await self._reject(scope, send, 400, f"Content-Length {declared!r} is not a byte count")
                return
            if length > self.max_bytes:
                await self._too_large(scope, send, f"the body declares {length} bytes")
                return

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if started:  # pragma: no cover - routes read the body before answering
                raise
            await self._too_large(scope, send, f"the body passed {self.max_bytes} bytes")

    async def _too_large(self, scope: Scope, send: Send, what: str) -> None:
        await self._reject(
            scope, send, 413, f"{what}; the limit is {self.max_bytes} bytes (REGULINT_MAX_BODY_BYTES)"
        )

    async def _reject(self, scope: Scope, send: Send, status: int, detail: str) -> None:
        body = json.dumps(problem_body(status, instance=scope.get("path"), detail=detail)).encode()
        await send({
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        })  # fmt: skip
        await send({"type": "http.response.body", "body": body})
