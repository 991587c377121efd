"""HTTP API throughput and latency: `regulint serve` evaluating a seed, next to a bare endpoint
that answers a constant document of the same size (regulint's own answer to that seed).

Both servers are started as subprocesses on free ports with the same uvicorn settings (workers,
log level), and measured in the same run by the same load generator (:mod:`bench.loadgen`:
``clients`` keep-alive connections on one asyncio loop, posting back to back for ``seconds``
after a second of warm-up). The regulint side does the full path of a request — read and parse
the body, validate the description, evaluate it with durable_rules, store input and report in
the history (SQLite file by default, or ``database_url``), answer the report. Each level also
reports the server's CPU time per answer (the process and its workers), which no client skews.

The load generator runs on the same machine (~0.05 ms of CPU per request), for both servers alike.

    python -m bench.api_bench [--seconds 5] [--workers 1] [--clients 1 16 64] [--seed NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench import loadgen

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = "faceswap-zao-style"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    """A server subprocess; ``ready`` waits for ``probe`` to answer."""

    def __init__(self, argv: list[str], env: dict[str, str], port: int, probe: tuple[str, str]):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.probe = probe
        self.log = tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen(
            argv, cwd=ROOT, env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT
        )

    def ready(self, timeout: float = 120) -> None:
        """Wait until the server answers; stop it (and re-raise) if it never does."""
        try:
            self._wait(timeout)
        except BaseException:
            self.stop()
            raise

    def _wait(self, timeout: float) -> None:
        method, path = self.probe
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log.read()}")
            try:
                r = httpx.request(method, self.base + path, content=b"{}", timeout=2)
                if r.status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server on port {self.port} did not become ready")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


def start_regulint(workers: int, database_url: str) -> _Server:
    port = _free_port()
    argv = [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", str(workers)]
    env = {"REGULINT_DATABASE_URL": database_url, "REGULINT_API_KEYS": ""}  # no keys: open POSTs
    server = _Server(argv, env, port, ("GET", "/healthz"))
    server.ready()
    return server


def start_bare(workers: int, payload: Path | None = None) -> _Server:
    """The bare endpoint, served like `regulint serve` (api.service.server.run_server, same workers),
    answering the bytes of ``payload`` (regulint's answer to the same body: the same size)."""
    port = _free_port()
    argv = [sys.executable, "-m", "bench.bare_app", "--port", str(port), "--workers", str(workers)]
    env = {"REGULINT_BENCH_PAYLOAD": str(payload)} if payload else {}
    server = _Server(argv, env, port, ("POST", "/bare"))
    server.ready()
    return server


def _cpu_seconds(proc: psutil.Process) -> float:
    """CPU time of a server process and its workers so far."""
    total = 0.0
    for p in (proc, *proc.children(recursive=True)):
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total


def measure(server: _Server, path: str, body: bytes, clients: int, seconds: float) -> dict[str, Any]:
    """One level: the load generator's figures, and the server's CPU time per answer (warm-up
    included on both sides: the server's own cost, whatever the client's)."""
    proc = psutil.Process(server.proc.pid)
    before = _cpu_seconds(proc)
    level = loadgen.load(server.base + path, body, clients, seconds)
    used = _cpu_seconds(proc) - before
    level["server_cpu_ms"] = used / level["answered"] * 1000 if level["answered"] else float("nan")
    return level


def run(
    clients: Sequence[int] = (1, 16, 64),
    seconds: float = 5.0,
    *,
    workers: int = 1,
    seed: str = DEFAULT_SEED,
    database_url: str | None = None,
) -> dict[str, Any]:
    """Measure regulint and the bare endpoint at each client count; return the figures as a dict.

    ``{"config": {...}, "regulint": [per-level dicts], "bare": [per-level dicts]}``; each level has
    ``clients``, ``requests``, ``errors``, ``throughput_rps``, ``p50_ms``, ``p99_ms``, ``mean_ms``.
    """
    seed_path = ROOT / "seeds" / f"{seed}.json"
    body = seed_path.read_bytes()
    json.loads(body)  # fail early on a broken seed
    tmp = tempfile.TemporaryDirectory(prefix="regulint-bench-")
    db_url = database_url or f"sqlite:///{Path(tmp.name) / 'history.db'}"
    payload = Path(tmp.name) / "answer.json"
    results: dict[str, Any] = {
        "config": {
            "seed": seed,
            "workers": workers,
            "seconds": seconds,
            "database": db_url.split(":", 1)[0],
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
        },
        "regulint": [],
        "bare": [],
    }
    try:
        regulint = start_regulint(workers, db_url)
        try:
            probe = httpx.post(
                regulint.base + "/v1/evaluations",
                content=body,
                headers={"Content-Type": "application/json"},
                timeout=30,
            )
            if probe.status_code != 201:
                raise RuntimeError(f"the seed does not evaluate: {probe.status_code} {probe.text[:300]}")
            payload.write_bytes(probe.content)  # what the bare endpoint answers: the same bytes
            results["config"]["answer_bytes"] = len(probe.content)
            for n in clients:
                results["regulint"].append(measure(regulint, "/v1/evaluations", body, n, seconds))
        finally:
            regulint.stop()
        bare = start_bare(workers, payload)
        try:
            for n in clients:
                results["bare"].append(measure(bare, "/bare", body, n, seconds))
        finally:
            bare.stop()
    finally:
        tmp.cleanup()
    return results


def table(results: dict[str, Any]) -> str:
    cfg = results["config"]
    lines = [
        f"HTTP API bench: seed {cfg['seed']}, {cfg['workers']} worker(s), {cfg['seconds']} s per level, "
        f"history on {cfg['database']}, {cfg['cpus']} CPUs (load generator on the same machine); "
        f"the bare endpoint answers {cfg.get('answer_bytes', '?')} bytes, as regulint does",
        f"{'clients':>7}  {'regulint req/s':>14}  {'p50 ms':>8}  {'p99 ms':>8}  {'CPU ms':>6}  {'errors':>6}  |"
        f"  {'bare req/s':>10}  {'p50 ms':>8}  {'p99 ms':>8}  {'CPU ms':>6}",
    ]
    for r, b in zip(results["regulint"], results["bare"], strict=True):
        lines.append(
            f"{r['clients']:>7}  {r['throughput_rps']:>14.1f}  {r['p50_ms']:>8.1f}  {r['p99_ms']:>8.1f}  "
            f"{r['server_cpu_ms']:>6.2f}  {r['errors']:>6}  |  {b['throughput_rps']:>10.1f}  {b['p50_ms']:>8.1f}  "
            f"{b['p99_ms']:>8.1f}  {b['server_cpu_ms']:>6.2f}"
        )
    lines.append("CPU ms: the server's CPU time per answer (process and workers)")
    lines += [
        phases_line(r["clients"], r["server_phases"]) for r in results["regulint"] if r.get("server_phases")
    ]
    return "\n".join(lines)


def phases_line(clients: int, phases: dict[str, dict[str, float]]) -> str:
    """regulint's Server-Timing phases at one level, as the bench tables print them."""
    each = ", ".join(f"{name} {p['p50_ms']:.1f}/{p['p99_ms']:.1f}" for name, p in phases.items())
    return f"regulint's Server-Timing at {clients} client(s), p50/p99 ms: {each}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--seed", default=DEFAULT_SEED)
    parser.add_argument(
        "--database-url", default=None, help="history database (default: a temporary SQLite file)"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = parser.parse_args(argv)
    results = run(
        args.clients, args.seconds, workers=args.workers, seed=args.seed, database_url=args.database_url
    )
    print(table(results))
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
