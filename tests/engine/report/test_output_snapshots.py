"""Every seed's output in every format, byte for byte, against the files in ``tests/engine/report/snapshots/``.

The emitters are refactored freely; these files are what users see and must not move unless the
change is meant. Only what differs between runs — timestamps, durations, host name — is masked.
Refresh after an intended change: ``REGULINT_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest
tests/engine/report/test_output_snapshots.py`` and review the diff."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app

ROOT = Path(__file__).resolve().parents[3]
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
SEEDS = sorted(p.name for p in (ROOT / "seeds").glob("*.json"))
AS_OF = "2026-06-01"
FORMATS = {
    "json": ["--format", "json"],
    "sarif": ["--format", "sarif"],
    "junit": ["--format", "junit"],
    "table": ["--format", "table"],
    "github": ["--format", "github"],
    "summary": ["--format", "table", "--summary"],
}
SUFFIX = {"json": "json", "sarif": "sarif.json", "junit": "junit.xml", "table": "txt", "github": "github.txt"}
_VOLATILE = [
    (re.compile(r'"(startTimeUtc|endTimeUtc)":\s*"[^"]+"'), r'"\1":"<time>"'),
    (re.compile(r'\b(timestamp|time|hostname)="[^"]*"'), r'\1="<\1>"'),
]


def _masked(text: str) -> str:
    text = text.replace(ROOT.as_uri() + "/", "file:///<checkout>/")  # SARIF's SRCROOT: where the repo is
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("seed", SEEDS)
def test_output_is_unchanged(seed: str, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "120")
    result = CliRunner().invoke(app, ["check", f"seeds/{seed}", "--as-of", AS_OF, *FORMATS[fmt]])
    assert result.exit_code in (0, 1), result.output
    out = _masked(result.stdout)
    path = SNAPSHOTS / f"{seed.removesuffix('.json')}.{SUFFIX.get(fmt, fmt + '.txt')}"
    if os.environ.get("REGULINT_UPDATE_SNAPSHOTS"):
        path.write_text(out, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}; run with REGULINT_UPDATE_SNAPSHOTS=1"
    assert out == path.read_text(encoding="utf-8"), f"{seed} {fmt} output changed; see {path}"
