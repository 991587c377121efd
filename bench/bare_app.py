"""The baseline of bench/api_bench.py: a bare FastAPI endpoint that reads the body and answers a
constant JSON document, served by uvicorn exactly as `regulint serve` is."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

CONSTANT = {"ok": True, "violations": 0}

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.post("/bare", status_code=201)
async def bare(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse(CONSTANT, status_code=201)
