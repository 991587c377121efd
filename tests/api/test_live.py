"""Against `regulint serve` in a subprocess: concurrency, history across restarts, 413 on the wire."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
from apihelpers import AS_OF, PRODUCT, LiveServer, concurrent_equals_sequential, count_rows, strip_ids
from fastapi.testclient import TestClient

TWENTY_MIB = 20 * 1024 * 1024


def test_64_concurrent_evaluations_on_sqlite_shared_by_two_workers(live_sqlite: LiveServer) -> None:
    concurrent_equals_sequential(live_sqlite.url, live_sqlite.database_url)  # type: ignore[attr-defined]


def _request_head(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode()


def _read_status(sock: socket.socket) -> tuple[int, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1]), data


def test_20_mib_declared_body_is_refused_before_it_is_sent(live_sqlite: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", live_sqlite.port), timeout=10) as sock:
        sock.sendall(
            _request_head(
                "/v1/evaluations", {"Content-Type": "application/json", "Content-Length": str(TWENTY_MIB)}
            )
        )
        sock.sendall(b'{"id": "')  # and nothing more: the answer must not wait for the body
        status, head = _read_status(sock)
    assert status == 413
    assert b"application/problem+json" in head


def test_20_mib_chunked_body_is_cut_off_at_the_limit(live_sqlite: LiveServer) -> None:
    before = count_rows(live_sqlite.database_url)  # type: ignore[attr-defined]
    sock = socket.create_connection(("127.0.0.1", live_sqlite.port), timeout=10)
    answer: list[tuple[int, bytes]] = []
    reader = threading.Thread(target=lambda: answer.append(_read_status(sock)), daemon=True)
    sock.sendall(
        _request_head("/v1/evaluations", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    )
    reader.start()
    sent = 0
    chunk = b"x" * 65536
    frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    try:
        sock.sendall(b'8\r\n{"id": "\r\n')
        while sent < TWENTY_MIB and not answer:
            sock.sendall(frame)
            sent += len(chunk)
        if not answer:
            sock.sendall(b'2\r\n"}\r\n0\r\n\r\n')
    except OSError:
        pass  # the server closed the connection after answering: expected
    reader.join(10)
    sock.close()
    assert answer and answer[0][0] == 413
    assert sent < TWENTY_MIB  # the answer came before the client could send it all
    time.sleep(0.2)
    assert count_rows(live_sqlite.database_url) == before  # type: ignore[attr-defined]


def test_history_survives_a_restart_on_sqlite(make_app) -> None:  # noqa: ANN001
    app = make_app()
    with TestClient(app) as c:
        posted = c.post("/v1/evaluations", json=PRODUCT, params={"as_of": AS_OF}).json()
    app.state.repository.dispose()
    again = make_app()  # a new app instance on the same SQLite file
    with TestClient(again) as c:
        record = c.get(f"/v1/evaluations/{posted['id']}").json()
        assert record["report"] == strip_ids(posted)
        assert record["input"] == PRODUCT
        assert c.get("/v1/evaluations").json()["total"] == 1


def test_sqlite_runs_in_wal_mode(make_app) -> None:  # noqa: ANN001
    app = make_app()
    with app.state.repository.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_serve_sockets_set_tcp_nodelay_with_several_workers() -> None:
    """uvicorn's shared socket has protocol 0, so asyncio skipped TCP_NODELAY: +40 ms per small answer."""
    import asyncio

    from api.service.server import APP, _Config

    sock = _Config(APP, factory=True, host="127.0.0.1", port=0, workers=2).bind_socket()
    assert sock.proto == socket.IPPROTO_TCP

    async def accepted_nodelay() -> int:
        seen: list[int] = []

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.append(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_connect, sock=sock)
        _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        return seen[0]

    assert asyncio.run(accepted_nodelay()) != 0


def test_serving_app_freezes_what_it_holds_for_its_lifetime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`regulint serve` builds the app, then freezes it out of the cyclic collector (no ~70 ms full
    collections walking the compiled rulesets) and shortens the GIL switch interval (the history
    writer is not held behind evaluations); the app still answers."""
    import gc
    import sys

    from api.service.server import SWITCH_INTERVAL, serving_app

    interval = sys.getswitchinterval()

    monkeypatch.setenv("REGULINT_DATABASE_URL", f"sqlite:///{tmp_path / 'h.db'}")
    try:
        app = serving_app()
        assert gc.get_freeze_count() > 10_000
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
        assert SWITCH_INTERVAL < interval
        evaluator = app.state.evaluator
        assert not any(o is evaluator for o in gc.get_objects())  # in the permanent generation
        with TestClient(app) as client:
            assert client.get("/healthz").status_code == 200
        app.state.repository.dispose()
    finally:
        gc.unfreeze()
        sys.setswitchinterval(interval)
