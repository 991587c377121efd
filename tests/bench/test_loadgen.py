"""The API bench's load generator (bench/loadgen.py) against a small asyncio server whose answers
vary: Content-Length and chunked bodies, an error that closes the connection, a refused port."""

from __future__ import annotations

import asyncio
import socket

from bench import loadgen

BODY = b'{"id": "p"}'


async def _serve(handler):  # noqa: ANN001, ANN202 - a test helper
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    return await reader.readexactly(length)


async def _varied(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Per connection: 201 with a length, 200 chunked, then 500 and close."""
    try:
        for turn in range(3):
            assert await _read_request(reader) == BODY
            if turn == 0:
                writer.write(
                    b'HTTP/1.1 201 Created\r\nServer-Timing: evaluate;dur=1.5, store;desc="x";dur=2, miss\r\n'
                    b"Content-Length: 5\r\n\r\nhello"
                )
            elif turn == 1:
                writer.write(
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
                )
            else:
                writer.write(b"HTTP/1.1 500 Oops\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def test_every_kind_of_answer_is_read_and_errors_are_counted_not_timed() -> None:
    async def scenario() -> dict:
        server, port = await _serve(_varied)
        async with server:
            return await loadgen.run(
                f"http://127.0.0.1:{port}/v1/x", BODY, clients=4, seconds=0.4, warmup=0.1
            )

    res = asyncio.run(scenario())
    statuses = res["statuses"]
    assert set(statuses) == {200, 201, 500}
    # a connection answers 201, 200, 500 in turn and is opened again after the 500
    assert abs(statuses[201] - statuses[500]) <= 4 and abs(statuses[200] - statuses[500]) <= 4
    assert res["requests"] == statuses[200] + statuses[201] and res["errors"] == statuses[500]
    assert res["answered"] >= sum(statuses.values()) and res["requests"] > 50
    assert res["throughput_rps"] == res["requests"] / 0.4 and 0 < res["p50_ms"] <= res["p99_ms"]
    # the server's own timing, from the answers that carry it (entries without a duration dropped)
    assert res["server_phases"] == {
        "evaluate": {"p50_ms": 1.5, "p99_ms": 1.5},
        "store": {"p50_ms": 2.0, "p99_ms": 2.0},
    }


def test_a_refused_port_counts_errors_without_spinning() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens
    res = loadgen.load(f"http://127.0.0.1:{port}/", BODY, clients=2, seconds=0.3, warmup=0.0)
    assert res["requests"] == 0 and res["answered"] == 0
    assert 0 < res["errors"] <= 2 * (0.3 / 0.01) + 2  # one attempt per 10 ms per connection at most


def test_the_request_is_one_post_with_its_length() -> None:
    seen: list[bytes] = []

    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        seen.append(head + await reader.readexactly(len(BODY)))
        writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    async def scenario() -> dict:
        server, port = await _serve(once)
        async with server:
            return await loadgen.run(
                f"http://127.0.0.1:{port}/a?b=1", BODY, clients=1, seconds=0.05, warmup=0.0
            )

    res = asyncio.run(scenario())
    assert res["statuses"].get(201, 0) >= 1
    first = seen[0]
    assert first.startswith(b"POST /a?b=1 HTTP/1.1\r\n") and first.endswith(b"\r\n\r\n" + BODY)
    assert f"Content-Length: {len(BODY)}\r\n".encode() in first
