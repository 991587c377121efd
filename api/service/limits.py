"""The request-body size limit, enforced before and while the body streams in.

A ``Content-Length`` over the limit is answered 413 at once, without reading the body; a body
without one (chunked) is counted as it arrives and refused as soon as it passes the limit, so a
20 MiB upload never sits in memory. A body that has not arrived in full within the body timeout
is answered 408 (a slow upload cannot hold a request open for ever).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import time
from collections.abc import AsyncIterator

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.service.problems import PROBLEM_MEDIA_TYPE, ProblemError, problem_body


class BodyTooLarge(Exception):
    """Raised from ``receive`` when the streamed body passes the limit."""


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float = 30.0):
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

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
        deadline: float | None = None  # from the first read: a request queued for a slot is not late

        async def limited_receive() -> Message:
            nonlocal received, deadline
            if deadline is None:
                deadline = time.monotonic() + self.timeout
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                raise BodyTimeout from None
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
        except BodyTimeout:
            if started:  # pragma: no cover - routes read the body before answering
                raise
            await self._reject(
                scope, send, 408, f"the body did not arrive within {self.timeout:g} s (REGULINT_BODY_TIMEOUT)"
            )

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


class BodyTimeout(Exception):
    """Raised from ``receive`` when the body has not arrived in full within the body timeout."""


class EvaluationSlots:
    """At most ``running`` evaluating requests at once per worker, ``queued`` more waiting; past
    that a request is refused at once with 503 and ``Retry-After`` (its body is never read).

    Evaluation is CPU-bound and serialised by the engine's lock, so more running requests add
    memory, not throughput. Lives on one event loop's thread; no locking needed.
    """

    def __init__(self, running: int, queued: int):
        self.limit, self.queued = running, queued
        self.running = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    async def acquire(self) -> None:
        if self.running < self.limit and not self._waiters:
            self.running += 1
            return
        if len(self._waiters) >= self.queued:
            raise ProblemError(
                503,
                f"this worker is evaluating {self.running} requests with {len(self._waiters)} waiting; "
                "retry shortly (REGULINT_MAX_CONCURRENT_EVALUATIONS, REGULINT_MAX_QUEUED_EVALUATIONS)",
                slug="busy",
                title="Busy",
                headers={"Retry-After": "1"},
            )
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter  # the releasing request hands its slot over
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.running -= 1

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a slot for the block; it is given up on the loop's next turn, not at once.

        A small description is evaluated on the event loop itself: were the slot free at once, every
        request the loop had already taken in would be evaluated in the same turn, one after the
        other, and the commits finished meanwhile would be answered only after all of them."""
        await self.acquire()
        try:
            yield
        finally:
            asyncio.get_running_loop().call_soon(self.release)
