"""The API bench's load generator: ``clients`` keep-alive HTTP/1.1 connections on one asyncio loop,
each posting the same body back to back (a closed loop), timing each request from its write to
the last byte of its answer.

Why not threads: 64 client threads of one Python process queue for its GIL, and a thread whose
answer has arrived waits its turn to read it — the bare endpoint measured that way had a p99 of
2.1x its own bound (1.5 x clients / throughput), so the client, not the server, set the tail; and
its ~1.7 ms of CPU per request (httpx) capped the bare endpoint at ~500 req/s, a fifth of what it
serves. Here one thread reads whichever answers are ready, in the order they arrive, and a
request costs the client ~0.05 ms: the bare endpoint's p99 is within its bound and its throughput
is the server's.

    asyncio.run(run("http://127.0.0.1:8000/v1/evaluations", body, clients=64, seconds=5))
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

#: a request that takes longer counts as an error (and its connection is opened again)
REQUEST_TIMEOUT_S = 60.0


class ProtocolError(Exception):
    """An answer this client cannot read (it is counted as an error)."""


@dataclass
class _Window:
    measure_from: float
    stop_at: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    answered: int = 0  # answers read, warm-up included
    phases: dict[str, list[float]] = field(default_factory=dict)  # Server-Timing, ms, in the window

    def record(self, t0: float, t1: float, status: int | None, timing: bytes | None = None) -> None:
        if status is not None:
            self.answered += 1
        # a request counts when it completes inside the window (at 64 clients a request can take
        # longer than a short window, so filtering on its start would undercount)
        if not self.measure_from <= t1 <= self.stop_at:
            return
        if timing:
            for name, ms in server_timing(timing):
                self.phases.setdefault(name, []).append(ms)
        if status is not None:
            self.statuses[status] = self.statuses.get(status, 0) + 1
        if status is not None and status < 400:
            self.latencies.append(t1 - t0)
        else:
            self.errors += 1


def server_timing(value: bytes) -> list[tuple[str, float]]:
    """The ``name;dur=ms`` entries of a Server-Timing header (entries without a duration left out)."""
    out = []
    for entry in value.split(b","):
        name, _, params = entry.strip().partition(b";")
        for param in params.split(b";"):
            key, _, dur = param.strip().partition(b"=")
            if key == b"dur":
                try:
                    out.append((name.decode(), float(dur)))
                except ValueError:
                    pass
    return out


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bool, bytes | None]:
    """Read one HTTP/1.1 answer (Content-Length or chunked); (status, whether the server keeps
    the connection open, its Server-Timing header if any)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise ProtocolError(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
    status = int(parts[1])
    length: int | None = None
    chunked = False
    timing = None
    keep = parts[0] == b"HTTP/1.1"
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value
        elif name == b"connection":
            keep = value != b"close"
        elif name == b"server-timing":
            timing = line.partition(b":")[2]
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)  # the chunk and its CRLF
            if size == 0:  # no trailers are sent by the servers measured here
                break
    elif length is not None:
        await reader.readexactly(length)
    else:
        raise ProtocolError("an answer with neither Content-Length nor chunked encoding")
    return status, keep, timing


async def _client(host: str, port: int, request: bytes, window: _Window) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    try:
        while True:
            t0 = time.perf_counter()
            if t0 >= window.stop_at:
                return
            status: int | None = None
            timing: bytes | None = None
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                assert reader is not None
                writer.write(request)
                status, keep, timing = await asyncio.wait_for(read_answer(reader), REQUEST_TIMEOUT_S)
            except (TimeoutError, OSError, EOFError, asyncio.IncompleteReadError, ProtocolError, ValueError):
                keep = False
            window.record(t0, time.perf_counter(), status, timing)
            if not keep:
                if writer is not None:
                    writer.close()
                    reader = writer = None
                if status is None:
                    await asyncio.sleep(0.01)  # a refused or broken connection: do not spin
    finally:
        if writer is not None:
            writer.close()


async def run(url: str, body: bytes, clients: int, seconds: float, warmup: float = 1.0) -> dict[str, Any]:
    """POST ``body`` to ``url`` from ``clients`` connections for ``warmup`` + ``seconds``; the
    figures of the requests that completed in the last ``seconds``."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"an http:// URL is needed, not {url!r}")
    port = parts.port or 80
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = (
        f"POST {target} HTTP/1.1\r\nHost: {parts.hostname}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    now = time.perf_counter()
    window = _Window(now + warmup, now + warmup + seconds)
    await asyncio.gather(*(_client(parts.hostname, port, request, window) for _ in range(clients)))
    lat = sorted(window.latencies)
    return {
        "clients": clients,
        "requests": len(lat),
        "errors": window.errors,
        "statuses": window.statuses,
        "answered": window.answered,
        "seconds": seconds,
        "throughput_rps": len(lat) / seconds,
        "p50_ms": percentile(lat, 0.50) * 1000,
        "p99_ms": percentile(lat, 0.99) * 1000,
        "mean_ms": (statistics.fmean(lat) * 1000) if lat else float("nan"),
        # the server's own account of the same requests (Server-Timing), per phase
        "server_phases": {
            name: {"p50_ms": percentile(sorted(v), 0.50), "p99_ms": percentile(sorted(v), 0.99)}
            for name, v in window.phases.items()
        },
    }


def load(url: str, body: bytes, clients: int, seconds: float, warmup: float = 1.0) -> dict[str, Any]:
    """:func:`run` on a loop of its own."""
    return asyncio.run(run(url, body, clients, seconds, warmup))


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    idx = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[idx]
