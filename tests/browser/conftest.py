"""Browser tests of the dashboard: `regulint serve` on a free port, driven by Chromium through Playwright.

Chromium is Debian's (`apt-get install -y chromium`, `/usr/bin/chromium`; override the path with
REGULINT_CHROMIUM). When it is missing the tests fail with that instruction: they never skip.
Screenshots of each view go to test-artifacts/screenshots/ (override with REGULINT_SCREENSHOTS).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("REGULINT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("REGULINT_SCREENSHOTS", ROOT / "test-artifacts" / "screenshots"))
STARTUP_SECONDS = 90


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def url(self, path: str) -> str:
        return self.base + path

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url(path), timeout=30) as resp:
            return json.load(resp)

    def post(self, path: str, body: Any) -> Any:
        req = urllib.request.Request(
            self.url(path),
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.load(resp)


def _server_command(port: int) -> list[str]:
    """`regulint serve` as installed next to this interpreter; uvicorn with the factory otherwise."""
    script = Path(sys.executable).with_name("regulint")
    if script.exists():
        return [str(script), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return [sys.executable, "-m", "uvicorn", "api.service.app:create_app", "--factory", "--host", "127.0.0.1",
            "--port", str(port), "--log-level", "warning"]  # fmt: skip


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("dashboard")
    port = _free_port()
    log = tmp / "server.log"
    env = {
        **os.environ,
        "REGULINT_DATABASE_URL": f"sqlite:///{tmp / 'history.db'}",
        "REGULINT_SEEDS_DIR": str(ROOT / "seeds"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REGULINT_API_KEYS", None)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            _server_command(port), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    srv = Server(f"http://127.0.0.1:{port}", proc, log)
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"regulint serve exited with {proc.returncode}:\n{log.read_text(errors='replace')}"
                )
            try:
                with urllib.request.urlopen(srv.url("/healthz"), timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"regulint serve not healthy after {STARTUP_SECONDS}s:\n{log.read_text(errors='replace')}"
                )
            time.sleep(0.2)
        yield srv
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        found = shutil.which("chromium") or shutil.which("chromium-browser")
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}"
            + (f" (there is one at {found}: set REGULINT_CHROMIUM={found})" if found else "")
            + ". The dashboard's browser tests need it and do not skip: install it with "
            "`apt-get update && apt-get install -y chromium` (Debian), or point REGULINT_CHROMIUM at a Chromium.",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        pytest.fail("the Python package `playwright` is missing: pip install -e '.[test]'", pytrace=False)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class PageProblems:
    """Console errors, page errors and requests to anywhere but the app, seen during a test."""

    base: str
    errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Tolerate console errors matching ``pattern`` (an expected 422 answer, say)."""
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]

    def check(self) -> None:
        assert not self.external, f"the page reached outside the app: {self.external}"
        assert not self.unexpected(), "console or page errors:\n" + "\n".join(self.unexpected())


@pytest.fixture
def problems(server: Server) -> PageProblems:
    return PageProblems(server.base)


def _open_page(
    browser: Any, server: Server, problems: PageProblems, viewport: dict[str, int]
) -> Iterator[Any]:
    context = browser.new_context(viewport=viewport, base_url=server.base)
    context.set_default_timeout(15_000)
    app = urlsplit(server.base).netloc

    def gate(route: Any) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme in ("data", "blob") or parts.netloc == app:
            route.continue_()
        else:
            problems.external.append(route.request.url)
            route.abort()

    context.route("**/*", gate)
    page = context.new_page()

    def on_console(msg: Any) -> None:
        if msg.type == "error":
            loc = msg.location or {}
            problems.errors.append(f"console.error: {msg.text} ({loc.get('url', '')})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.errors.append(f"pageerror: {exc}"))
    try:
        yield page
        problems.check()
    finally:
        context.close()


@pytest.fixture
def page(browser: Any, server: Server, problems: PageProblems) -> Iterator[Any]:
    yield from _open_page(browser, server, problems, {"width": 1280, "height": 900})


@pytest.fixture
def phone_page(browser: Any, server: Server, problems: PageProblems) -> Iterator[Any]:
    yield from _open_page(browser, server, problems, {"width": 390, "height": 844})


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


AXE = Path(os.environ.get("REGULINT_AXE", ROOT / ".test-deps" / "node_modules" / "axe-core" / "axe.min.js"))


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's browser bundle, installed from the npm registry by ./scripts/setup (never fetched here)."""
    if not AXE.is_file():
        pytest.fail(
            f"axe-core is missing at {AXE}: run ./scripts/setup (it runs `npm install --prefix .test-deps "
            "axe-core`), or point REGULINT_AXE at axe.min.js. The accessibility tests do not skip.",
            pytrace=False,
        )
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Any, source: str) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is (WCAG 2 A/AA and best-practice rules)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=source)
    return page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
        }"""
    )
