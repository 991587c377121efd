"""Running the app under uvicorn: what ``regulint serve`` calls.

Exactly ``uvicorn.run("api.app:create_app", factory=True, …)``, with one fix for several
workers: uvicorn then binds the shared listening socket itself as ``socket.socket(AF_INET)``
(protocol 0), and asyncio only sets ``TCP_NODELAY`` on accepted connections whose protocol is
``IPPROTO_TCP`` — so every small answer (a problem document, /healthz, a history page) waited
~40 ms for Nagle's algorithm and the client's delayed ACK. The socket is re-wrapped with its
real protocol, so connections accepted by every worker get ``TCP_NODELAY`` as with one worker.
"""

from __future__ import annotations

import socket
import sys

import uvicorn
from uvicorn.config import Config
from uvicorn.supervisors import Multiprocess

APP = "api.app:create_app"


class _Config(Config):
    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
            family, kind = sock.family, sock.type
            sock = socket.socket(family, kind, socket.IPPROTO_TCP, fileno=sock.detach())
        return sock


def run_server(
    host: str,
    port: int,
    workers: int = 1,
    log_level: str = "warning",
    *,
    app: str = APP,
    factory: bool = True,
) -> None:
    """Serve ``app`` (default the API) on ``host:port`` with ``workers`` processes sharing the database."""
    config = _Config(app, factory=factory, host=host, port=port, workers=workers, log_level=log_level)
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
