"""The baseline of bench/api_bench.py: a bare FastAPI endpoint that reads the body and answers a
constant JSON document of the same size as regulint's answer (``REGULINT_BENCH_PAYLOAD`` names a
file holding it; without one, a small document), served by uvicorn exactly as `regulint serve` is
(``api.service.server``).

    REGULINT_BENCH_PAYLOAD=answer.json python -m bench.bare_app --port 8001 --workers 1
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response

PAYLOAD_ENV = "REGULINT_BENCH_PAYLOAD"
_payload_file = os.environ.get(PAYLOAD_ENV)
PAYLOAD = Path(_payload_file).read_bytes() if _payload_file else b'{"ok":true,"violations":0}'

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.post("/bare", status_code=201)
async def bare(request: Request) -> Response:
    await request.body()
    return Response(PAYLOAD, status_code=201, media_type="application/json")


if __name__ == "__main__":
    import argparse

    from api.service.server import run_server

    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    run_server(args.host, args.port, args.workers, app="bench.bare_app:app", factory=False)
