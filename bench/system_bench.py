"""Whole-process figures, each measured in fresh subprocesses: cold start, batch, memory."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

_COLD = """
import json, time
t0 = time.perf_counter()
from engine.evaluate.evaluator import Evaluator
from engine.law.loader import load_rulesets
t1 = time.perf_counter()
ruleset = load_rulesets()
t2 = time.perf_counter()
ev = Evaluator(ruleset)
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_validate_s": t2 - t1, "compile_s": t3 - t2,
                  "rules": len(ruleset.rules), "durable": ev.decider.stats()}))
"""

_CLI_IMPORT = """
import json, time
t0 = time.perf_counter()
import api.cli
print(json.dumps({"s": time.perf_counter() - t0}))
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


_LAST_CPU = [0.0]  # CPU seconds (user + sys) of the last _timed process and its children


def _timed(argv: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, env=_env(), capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    _LAST_CPU[0] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(argv[:4])}… exited {proc.returncode}: {proc.stderr[-2000:]}")
    return wall, proc.stdout


def cold_start(reps: int = 5, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Process start to a compiled evaluator (load, validate, compile every ruleset), and CLI start."""
    med = statistics.median
    walls, phases = [], []
    for _ in range(reps):
        wall, out = _timed([PY, "-c", _COLD])
        walls.append(wall)
        phases.append(json.loads(out.strip().splitlines()[-1]))
    help_s = [_timed([PY, "-m", "api.cli", "--help"])[0] for _ in range(reps)]
    imp = [json.loads(_timed([PY, "-c", _CLI_IMPORT])[1].strip().splitlines()[-1])["s"] for _ in range(reps)]
    seed = sorted((ROOT / "seeds").glob("*.json"))
    check_one = (
        [
            _timed([PY, "-m", "api.cli", "check", str(seed[0]), "-f", "json"], ok=(0, 1))[0]
            for _ in range(reps)
        ]
        if seed
        else []
    )
    out = {
        "cold_start_s": med(walls),  # interpreter start + imports + load/validate + compile, whole process
        "import_s": med(p["import_s"] for p in phases),
        "load_validate_s": med(p["load_validate_s"] for p in phases),
        "compile_s": med(p["compile_s"] for p in phases),
        "cli_help_s": med(help_s),
        "cli_import_s": med(imp),
        "cli_check_one_seed_s": med(check_one) if check_one else None,
        "reps": reps,
        "rules": phases[-1]["rules"],
        "durable": phases[-1]["durable"],
    }
    log(f"cold start: {out['cold_start_s']:.2f} s (CLI --help {out['cli_help_s']:.2f} s)")
    return out


def _spin(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


def machine_speedup(procs: int = 2, n: int = 3_000_000) -> float:
    """How much faster ``procs`` processes finish ``procs`` pure-Python loops than one process
    does, right now: the parallel headroom the machine has (other work competes for cores)."""
    from concurrent.futures import ProcessPoolExecutor

    t0 = time.perf_counter()
    for _ in range(procs):
        _spin(n)
    serial = time.perf_counter() - t0
    with ProcessPoolExecutor(procs) as pool:
        list(pool.map(_spin, [1000] * procs))  # start the workers first
        t0 = time.perf_counter()
        list(pool.map(_spin, [n] * procs))
        parallel = time.perf_counter() - t0
    return serial / parallel


def _batch_files(tmp: str, n_files: int, distinct: int, source: str) -> tuple[str, int, list[str]]:
    """``n_files`` generated descriptions (one line of JSON each), ``distinct`` of them different."""
    from bench.products import generated
    from engine.law.loader import load_rulesets

    gen_source, docs = generated(min(distinct, n_files), load_rulesets(), seed=3, source=source)
    files = []
    for i in range(n_files):
        path = Path(tmp) / f"p{i:05d}.json"
        doc = dict(docs[i % len(docs)], id=f"batch-{i:05d}")
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        files.append(str(path))
    return gen_source, len(docs), files


def _check(files: list[str], jobs: int, fmt: str) -> tuple[float, float]:
    """Wall and CPU seconds (the CLI and its workers) of one ``check`` run."""
    argv = [
        PY,
        "-m",
        "api.cli",
        "check",
        *files,
        "--jobs",
        str(jobs),
        "-f",
        fmt,
        "-o",
        os.devnull,
        "--no-config",
    ]
    wall = _timed(argv, ok=(0, 1))[0]
    return wall, _LAST_CPU[0]


def batch(
    n_files: int = 10_000, reps: int = 3, jobs: tuple[int, ...] = (1, 2), distinct: int = 1000,
    source: str = "auto", log: Callable[[str], None] = print, fmt: str = "json",
) -> dict[str, Any]:  # fmt: skip
    """`regulint check` over ``n_files`` generated descriptions with --jobs 1 and 2 (order alternated).

    ``distinct`` descriptions are generated (engine.testing.strategies's strategy when there is one) and
    written round-robin, each file with its own product id, so that generating 10,000 does
    not dominate the run; the CLI caches nothing between files.
    """
    with tempfile.TemporaryDirectory(prefix="regulint-batch-") as tmp:
        gen_source, distinct_docs, files = _batch_files(tmp, n_files, distinct, source)
        log(f"batch: {n_files} descriptions written ({distinct_docs} distinct, from {gen_source}); checking…")
        times: dict[int, list[float]] = {j: [] for j in jobs}
        cpu: dict[int, list[float]] = {j: [] for j in jobs}
        ratios: list[float] = []
        headroom: list[float] = []
        for rep in range(reps):
            headroom.append(machine_speedup(max(jobs)))
            order = list(jobs) if rep % 2 == 0 else list(reversed(jobs))
            this: dict[int, float] = {}
            for j in order:
                this[j], spent = _check(files, j, fmt)
                times[j].append(this[j])
                cpu[j].append(spent)
            ratios.append(this[jobs[0]] / this[jobs[-1]])
    headroom.append(machine_speedup(max(jobs)))
    med = statistics.median
    out = {
        # the same two processes on a trivially parallel loop, measured between the runs
        "machine_speedup": med(headroom),
        "files": n_files,
        "format": fmt,
        "distinct": distinct_docs,
        "generated_source": gen_source,
        "load_average": os.getloadavg(),
        "reps": reps,
        "seconds": {str(j): med(times[j]) for j in jobs},
        "files_per_s": {str(j): n_files / med(times[j]) for j in jobs},
        f"speedup_{jobs[-1]}": med(ratios),
        # CPU seconds of the CLI and its workers, and CPU ÷ wall: how many cores it really got
        "cpu_seconds": {str(j): med(cpu[j]) for j in jobs},
        "parallelism": {str(j): med(c / w for c, w in zip(cpu[j], times[j], strict=True)) for j in jobs},
        "speedup_spread": [min(ratios), max(ratios)],
        "cpus": os.cpu_count(),
    }
    log(f"batch: --jobs 1 {out['files_per_s']['1']:.0f} files/s, speed-up x{out[f'speedup_{jobs[-1]}']:.2f}")
    return out


FORMATS = ("json", "sarif", "table", "github", "junit")


def batch_formats(
    n_files: int = 1000, reps: int = 3, jobs: tuple[int, ...] = (1, 2), formats: tuple[str, ...] = FORMATS,
    source: str = "auto", log: Callable[[str], None] = print,
) -> dict[str, Any]:  # fmt: skip
    """`regulint check` over the same ``n_files`` descriptions in each output format with each --jobs;
    each format's time as a ratio to JSON's in the same repetition (the order rotates), and the
    1 -> 2 jobs speed-up of each."""
    med = statistics.median
    with tempfile.TemporaryDirectory(prefix="regulint-formats-") as tmp:
        gen_source, distinct_docs, files = _batch_files(tmp, n_files, n_files, source)
        log(f"batch formats: {n_files} descriptions, formats {', '.join(formats)}, --jobs {jobs}…")
        runs = [(f, j) for f in formats for j in jobs]
        times: dict[tuple[str, int], list[float]] = {r: [] for r in runs}
        cpu: dict[tuple[str, int], list[float]] = {r: [] for r in runs}
        vs_json: dict[tuple[str, int], list[float]] = {r: [] for r in runs}
        speedup: dict[str, list[float]] = {f: [] for f in formats}
        headroom: list[float] = []
        for rep in range(reps):
            headroom.append(machine_speedup(max(jobs)))
            shift = rep % len(runs)
            this: dict[tuple[str, int], float] = {}
            for run in runs[shift:] + runs[:shift]:
                this[run], spent = _check(files, run[1], run[0])
                times[run].append(this[run])
                cpu[run].append(spent)
            for f, j in runs:
                vs_json[f, j].append(this[f, j] / this["json", j])
            for f in formats:
                speedup[f].append(this[f, jobs[0]] / this[f, jobs[-1]])
    out = {
        "files": n_files,
        "distinct": distinct_docs,
        "generated_source": gen_source,
        "reps": reps,
        "machine_speedup": med(headroom),
        "load_average": os.getloadavg(),
        "formats": {
            f: {
                "seconds": {str(j): med(times[f, j]) for j in jobs},
                "cpu_seconds": {str(j): med(cpu[f, j]) for j in jobs},
                "vs_json": {str(j): med(vs_json[f, j]) for j in jobs},
                f"speedup_{jobs[-1]}": med(speedup[f]),
            }
            for f in formats
        },
    }
    for f in formats:
        o = out["formats"][f]
        log(
            f"batch formats: {f}: "
            + ", ".join(
                f"--jobs {j} {o['seconds'][str(j)]:.1f} s (x{o['vs_json'][str(j)]:.2f} JSON)" for j in jobs
            )
            + f", speed-up x{o[f'speedup_{jobs[-1]}']:.2f}"
        )
    return out


def memory(evals: int = 100_000, every: int = 10_000, log: Callable[[str], None] = print) -> dict[str, Any]:
    _, out = _timed([PY, "-m", "bench.memory", "--evals", str(evals), "--every", str(every)])
    result = json.loads(out.strip().splitlines()[-1])
    log(
        f"memory: RSS {result['samples'][0]['rss_mb']} -> {result['samples'][-1]['rss_mb']} MB over {evals} evaluations"
    )
    return result
