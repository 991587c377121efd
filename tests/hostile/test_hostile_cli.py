"""The CLI under attack: every hostile file is exit 2 (or 3) within a second, never 1 or a traceback."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from attacks import ALIAS_BOMB, BINARY_TAG, CONTROL_CHAR, PYTHON_TAG, SET_TAG, many_practices, wide_practices
from typer.testing import CliRunner

from api.cli import app

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "faceswap-zao-style.json"
MB = 1024 * 1024


def run(*args: str) -> tuple[int, str, str, float]:
    """The command in this process: exit code, stdout, stderr, CPU seconds (the work it did: wall
    time on a machine shared with other test runs says more about them)."""
    start = time.process_time()
    result = CliRunner().invoke(app, list(args))
    took = time.process_time() - start
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr, took


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> float:
    """Seconds of a whole `regulint check` on a small valid file (loading the rulesets included):
    an attack file is bounded by what it adds to that."""
    small = tmp_path_factory.mktemp("small") / "small.json"
    small.write_text(json.dumps({"id": "s", "markets": ["EU"], "synthetic_media": {}}))
    return min(run("check", str(small))[3] for _ in range(3))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("bomb.yaml", ALIAS_BOMB),
        ("binary.yaml", BINARY_TAG),
        ("set.yml", SET_TAG),
        ("ctrl.yaml", CONTROL_CHAR),
        ("python.yaml", PYTHON_TAG),
        ("many.json", many_practices(70_000).decode()),
        ("wide.json", wide_practices(4_000).decode()),
    ],
)
def test_hostile_files_are_exit_2_fast(tmp_path: Path, name: str, text: str, baseline: float) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before = peak_rss()
    code, out, err, took = run("check", str(path))
    assert code == 2, (out, err)
    assert took - baseline < 1.0, f"{took:.2f} s ({baseline:.2f} s for a valid file)"
    assert peak_rss() - before < 100 * MB
    assert "Traceback" not in err and str(path) in err


def test_one_bad_file_does_not_abort_a_jobs_run_and_json_keeps_positions(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SET_TAG)
    files = [str(SEED), str(bad), str(SEED)]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "api.cli",
            "check",
            *files,
            "--jobs",
            "2",
            "-f",
            "json",
            "--as-of",
            "2026-09-01",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    entries = json.loads(proc.stdout)
    assert len(entries) == 3
    assert entries[0]["product_id"] == entries[2]["product_id"] == json.loads(SEED.read_text())["id"]
    assert entries[1]["file"] == str(bad) and entries[1]["error"] == "input" and entries[1]["messages"]


def test_a_market_the_product_is_not_in_is_exit_2_naming_its_markets() -> None:
    code, out, err, _ = run("check", str(SEED), "--market", "JP")
    assert code == 2 and "No violations" not in out
    product_markets = json.loads(SEED.read_text())["markets"]
    assert all(m in err for m in product_markets), err
    # a country contains its states: US selects US-CA
    code, out, err, _ = run("check", str(SEED), "--market", "US", "-f", "json", "--as-of", "2026-09-01")
    assert code == 1
    report = json.loads(out)
    assert report["markets"] == ["US-CA"] and {v["jurisdiction"] for v in report["violations"]} == {"US-CA"}


def test_rulesets_that_yield_nothing_are_exit_2_and_yml_is_read(tmp_path: Path) -> None:
    code, _, err, _ = run("check", str(SEED), "--rulesets", str(tmp_path / "nonexistent"))
    assert code == 2 and "no such file" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err, _ = run("check", str(SEED), "--rulesets", str(empty))
    assert code == 2 and "no ruleset" in err
    code, _, err, _ = run("lint", str(empty))
    assert code == 1
    yml = tmp_path / "yml"
    shutil.copytree(ROOT / "rulesets" / "eu", yml)
    for f in yml.glob("*.yaml"):
        f.rename(f.with_suffix(".yml"))
    code, out, err, _ = run(  # --rulesets adds to the shipped rulesets; these replace them (#13)
        "check",
        str(SEED),
        "--no-default-rulesets",
        "--rulesets",
        str(yml),
        "-f",
        "json",
        "--as-of",
        "2026-09-01",
    )
    assert code == 1, err
    assert {v["jurisdiction"] for v in json.loads(out)["violations"]} == {"EU"}


def test_output_problems_are_exit_2(tmp_path: Path) -> None:
    code, _, err, _ = run("check", str(SEED), "--output", str(tmp_path / "missing" / "out.json"))
    assert code == 2 and "does not exist" in err
    code, _, err, _ = run("check", str(SEED), "--output", str(tmp_path))
    assert code == 2 and "directory" in err


def test_an_unexpected_exception_is_exit_3_not_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.evaluate.evaluator import Evaluator

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(Evaluator, "evaluate", broken)
    code, _, err, _ = run("check", str(SEED))
    assert code == 3 and "boom" in err and "Traceback" not in err
    monkeypatch.setenv("REGULINT_MAX_PRACTICES", "none")
    code, _, err, _ = run("check", str(SEED))
    assert code == 2 and "REGULINT_MAX_PRACTICES" in err


def _gone(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids):
            return True
        time.sleep(0.1)
    return False


def _children(proc: subprocess.Popen[bytes], n: int, seconds: float = 60) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        kids = psutil.Process(proc.pid).children(recursive=True)
        if len(kids) >= n:
            return [k.pid for k in kids]
        time.sleep(0.1)
    pytest.fail(f"fewer than {n} children started")


def test_jobs_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    files = []
    for i in range(400):
        f = tmp_path / f"p{i}.json"
        shutil.copy(SEED, f)
        files.append(str(f))
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "check", *files, "--jobs", "2"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    kids = _children(proc, 2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert _gone(kids, 10), "orphaned --jobs workers"


def test_serve_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    from apihelpers import LiveServer

    server = LiveServer({"REGULINT_DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}"}, workers=2)
    try:
        server.wait_ready()
        kids = [k.pid for k in psutil.Process(server.proc.pid).children(recursive=True)]
        assert kids
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait(10)
        assert _gone(kids, 15), "orphaned serve workers"
        # the port is free again: a restart binds it
        again = LiveServer({"REGULINT_DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}"}, workers=1)
        again.port, again.url = server.port, server.url
        again.stop()
    finally:
        server.stop()
