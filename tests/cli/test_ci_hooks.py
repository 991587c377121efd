"""The shipped pre-commit hook, run by the pre-commit package in a temporary git repository, and
the composite GitHub Action's wiring. (.ci/wheel also runs the hook as published, language python.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_pre_commit_hook_checks_matching_descriptions_only(tmp_path: Path) -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    # the published hook, run as a local `system` hook with this interpreter's regulint (offline)
    local = {**hook, "language": "system", "entry": f"{sys.executable} -m api.cli check --as-of 2026-11-30"}
    config = {"repos": [{"repo": "local", "hooks": [local]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    shutil.copy(ROOT / "seeds" / "compliant-all.json", repo / "ok.regulint.json")
    shutil.copy(ROOT / "seeds" / "faceswap-zao-style.json", repo / "notes.json")  # not a description by name
    _git(repo, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "home"), "SKIP": ""}

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(PRE_COMMIT), "run", "--all-files", "--color", "never"],
            cwd=repo, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    passed = run()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "regulint check" in passed.stdout and "Passed" in passed.stdout

    shutil.copy(ROOT / "seeds" / "faceswap-zao-style.json", repo / "app.regulint.json")
    _git(repo, "add", ".")
    failed = run()
    assert failed.returncode == 1 and "Failed" in failed.stdout
    assert "app.regulint.json" in failed.stdout and "notes.json" not in failed.stdout


def test_action_runs_check_and_uploads_sarif() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    check = next(s for s in steps if s.get("id") == "check")
    assert "regulint check" in check["run"] and "--format sarif" in check["run"]
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif"))
    assert upload["with"]["sarif_file"] == "${{ steps.check.outputs.sarif }}"
    helptext = subprocess.run(
        [sys.executable, "-m", "api.cli", "check", "--help"], capture_output=True, text=True,
        env={**os.environ, "COLUMNS": "200"},
    ).stdout  # fmt: skip
    for option in ("--as-of", "--fail-on", "--baseline", "--format", "--output"):
        assert option in check["run"] and option in helptext
