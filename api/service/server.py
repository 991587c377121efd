"""Running the app under uvicorn: what ``regulint serve`` calls.

``uvicorn.run("api.service.server:serving_app", factory=True, …)``: the app of
:func:`api.service.app.create_app`, with everything built at start moved out of the garbage
collector's view (:func:`serving_app`), and one fix for several workers: uvicorn then binds the shared listening socket itself as ``socket.socket(AF_INET)``
(protocol 0), and asyncio only sets ``TCP_NODELAY`` on accepted connections whose protocol is
``IPPROTO_TCP`` — so every small answer (a problem document, /healthz, a history page) waited
~40 ms for Nagle's algorithm and the client's delayed ACK. The socket is re-wrapped with its
real protocol, so connections accepted by every worker get ``TCP_NODELAY`` as with one worker.

Timeouts: a connection must send a whole request head within ``REGULINT_HEADER_TIMEOUT``
(uvicorn itself waits for ever on a new or trickling connection), an idle keep-alive connection
is closed after ``REGULINT_KEEPALIVE_TIMEOUT``, and the body timeout is enforced by
:class:`api.service.limits.BodyLimitMiddleware`. Worker children get ``REGULINT_PARENT_PID`` and end
with the supervisor (:mod:`api.processes`).
"""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.supervisors import Multiprocess

from api.processes import PARENT_ENV

APP = "api.service.server:serving_app"


#: How long a thread may hold the GIL while another waits for it (Python's default: 5 ms).
SWITCH_INTERVAL = 0.0005


def serving_app() -> Any:
    """The app as ``regulint serve`` runs it, in each worker.

    What the app holds for its lifetime (compiled rulesets, deciders, catalog, seeds: ~140,000
    objects) is frozen out of the cyclic garbage collector (:func:`gc.freeze`): otherwise every
    full collection walks all of it, a ~70 ms pause of every request in flight.

    The GIL switch interval is 0.5 ms: the event loop evaluates small descriptions itself, and the
    history writer thread (:mod:`api.service.commits`) needs the GIL a few times per commit; at
    5 ms each it waited behind the evaluations, so commits and their answers came in bursts
    (64 clients, measured: commit wait p50 19 ms against 150-181 ms, p99 of the whole request
    0.93-0.96 of the 1.5 x 64 / throughput bound against 1.17-1.18, throughput unchanged).
    """
    from api.service.app import create_app

    app = create_app()
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(SWITCH_INTERVAL)
    return app


class _Config(Config):
    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
            family, kind = sock.family, sock.type
            sock = socket.socket(family, kind, socket.IPPROTO_TCP, fileno=sock.detach())
        return sock


class HeadTimeoutH11(H11Protocol):
    """uvicorn's h11 protocol, closing a connection that has not sent a whole request head within
    ``head_timeout`` seconds of connecting or of its previous response."""

    head_timeout: float | None = None  # from REGULINT_HEADER_TIMEOUT (validated by `regulint serve`)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm_head_timer()

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._waiting_cycle = self.cycle
        if HeadTimeoutH11.head_timeout is None:
            HeadTimeoutH11.head_timeout = float(os.environ.get("REGULINT_HEADER_TIMEOUT", "").strip() or 10)
        self._head_timer = self.loop.call_later(HeadTimeoutH11.head_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        idle = self.cycle is self._waiting_cycle and (self.cycle is None or self.cycle.response_complete)
        if idle and not self.transport.is_closing():
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.cycle is not self._waiting_cycle:  # a whole request head arrived
            self._cancel_head_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)


def run_server(
    host: str,
    port: int,
    workers: int = 1,
    log_level: str = "warning",
    *,
    app: str = APP,
    factory: bool = True,
    timeouts: Any = None,
) -> None:
    """Serve ``app`` (default the API) on ``host:port`` with ``workers`` processes sharing the database.

    ``timeouts`` (an :class:`api.service.settings.Settings`) gives the keep-alive timeout; the head
    timeout is read from the environment in each worker.
    """
    keepalive = timeouts.keepalive_timeout if timeouts is not None else 5.0
    config = _Config(
        app,
        factory=factory,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        http=HeadTimeoutH11,
        timeout_keep_alive=max(1, round(keepalive)),
        timeout_graceful_shutdown=10,
    )
    if workers > 1:
        os.environ[PARENT_ENV] = str(os.getpid())  # the children end with this supervisor
    server = uvicorn.Server(config=config)
    try:
        if config.workers > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            server.run()
    except KeyboardInterrupt:  # pragma: no cover - interactive stop
        pass
    if config.workers == 1 and not server.started:
        sys.exit(3)  # uvicorn's STARTUP_FAILURE
