"""The dashboard: api/service/static/index.html at ``/``, its files at ``/static/…`` and ``/<file>``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from api.service.deps import SettingsDep
from api.service.problems import ProblemError

router = APIRouter(include_in_schema=False)

FALLBACK = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>regulint</title></head>
<body><h1>regulint</h1>
<p>The dashboard is not installed. The HTTP API is documented at <a href="/docs">/docs</a>
(OpenAPI schema: <a href="/openapi.json">/openapi.json</a>).</p></body></html>
"""


@router.get("/")
def index(settings: SettingsDep) -> Response:
    page = settings.static_dir / "index.html"
    if page.is_file():
        return FileResponse(page, media_type="text/html", headers={"Cache-Control": "no-cache"})
    return HTMLResponse(FALLBACK)


@router.get("/{name}")
def top_level_file(name: str, request: Request, settings: SettingsDep) -> Response:
    """A file at the top of api/service/static (``/app.js``), for pages that link their assets relatively."""
    root = settings.static_dir.resolve()
    candidate = (root / name).resolve()
    if name.startswith(".") or candidate.parent != root or not candidate.is_file():
        raise ProblemError(404, f"nothing at {request.url.path}")
    return FileResponse(candidate, headers={"Cache-Control": "no-cache"})
