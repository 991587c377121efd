"""``regulint fix``: formats, --apply, exit codes, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from engine.fix import jsonpatch

ROOT = Path(__file__).resolve().parents[2]
REGULINT = [sys.executable, "-m", "api.cli"]
SEED = ROOT / "seeds" / "voice-cloning-api.json"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*REGULINT, *args], capture_output=True, text=True, input=stdin, cwd=ROOT, timeout=120
    )


def test_fix_text_lists_edits_and_apply_writes_a_clean_description(tmp_path: Path) -> None:
    out = tmp_path / "fixed.json"
    proc = run("fix", str(SEED), "--as-of", "2026-12-01", "--apply", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "verified" in proc.stdout and " — clears " in proc.stdout
    checked = run("check", str(out), "--as-of", "2026-12-01")
    assert checked.returncode == 0, checked.stdout
    before = run("check", str(SEED), "--as-of", "2026-12-01")
    assert before.returncode == 1


def test_fix_json_patch_applies_to_the_file(tmp_path: Path) -> None:
    proc = run("fix", str(SEED), "--as-of", "2026-12-01", "--market", "EU", "--format", "json-patch")
    assert proc.returncode == 0, proc.stderr
    patch = json.loads(proc.stdout)
    assert patch and all(op["op"] in ("add", "replace", "remove") for op in patch)
    fixed = tmp_path / "fixed.json"
    fixed.write_text(json.dumps(jsonpatch.apply(json.loads(SEED.read_text()), patch)))
    assert run("check", str(fixed), "--as-of", "2026-12-01", "--market", "EU").returncode == 0


def test_fix_json_reports_uncleared_findings_with_exit_1() -> None:
    doc = json.loads((ROOT / "seeds" / "compliant-eu.json").read_text())
    doc["synthetic_media"] = {
        **(doc.get("synthetic_media") or {}),
        "emotion_recognition": True,
        "emotion_recognition_context": "workplace",
    }
    proc = run("fix", "-", "--as-of", "2026-12-01", "--format", "json", stdin=json.dumps(doc))
    assert proc.returncode == 1, proc.stderr
    plan = json.loads(proc.stdout)
    assert plan["findings_after"] == len(plan["uncleared"]) > 0
    assert plan["clears_all"] is False and plan["verified"] is True
    assert all(u["reason"] for u in plan["uncleared"])
    scoped = run(
        "fix",
        "-",
        "--as-of",
        "2026-12-01",
        "--allow-scope-changes",
        "--format",
        "json",
        stdin=json.dumps(doc),
    )
    assert scoped.returncode == 0 and json.loads(scoped.stdout)["clears_all"] is True


def test_fix_bad_input_and_usage_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "x", "markets": ["EU"], "data_practices": [{"id": "a", "purpose": "marketin"}]}')
    proc = run("fix", str(bad))
    assert proc.returncode == 2
    assert "data_practices[0].purpose" in proc.stderr and "Traceback" not in proc.stderr
    assert run("fix", str(SEED), "--fail-on", "severe").returncode == 2
    assert run("fix", str(SEED), "--as-of", "soon").returncode == 2
    assert run("fix", str(tmp_path / "missing.json")).returncode == 2
