"""``check``'s workers render each file's part of every output format and the parent only joins the
parts: the result is the emitters' output for all files at once, with --jobs 1 and 2 alike."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.cli.batch import FileResult, Setup, run_batch
from engine.evaluate.evaluator import engine_version
from engine.facts.inputs import parse_text, product_from_data
from engine.report.checked import Checked
from engine.report.render import (
    render_github,
    render_json,
    render_json_lines,
    render_junit,
    render_sarif,
    render_summary,
    render_table,
)

ROOT = Path(__file__).resolve().parents[2]
SEEDS = [f"seeds/{p.name}" for p in sorted((ROOT / "seeds").glob("*.json"))]
AS_OF = "2026-06-01"
VOLATILE = [
    (re.compile(r'"(startTimeUtc|endTimeUtc)":"[^"]+"'), r'"\1":"<t>"'),
    (re.compile(r'\b(timestamp|time)="[^"]*"'), r'\1="<t>"'),
]


def masked(text: str) -> str:
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


@pytest.fixture(scope="module")
def items(durable) -> list[Checked]:  # noqa: ANN001 - the conftest evaluator
    out = []
    for source in SEEDS:
        text = (ROOT / source).read_text(encoding="utf-8")
        report = durable.evaluate(
            product_from_data(parse_text(text, source), source), dt.date.fromisoformat(AS_OF)
        )
        out.append(Checked(source, report, text=text))
    return out


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("fmt", ["json", "json-lines", "sarif", "junit", "github", "table", "summary"])
def test_the_joined_parts_are_the_emitters_output(
    items: list[Checked], ruleset, fmt: str, jobs: str, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001 - the conftest ruleset
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "120")
    args = ["--format", "table", "--summary"] if fmt == "summary" else ["--format", fmt]
    result = CliRunner().invoke(
        app, ["check", *SEEDS, "--as-of", AS_OF, "--no-config", "--jobs", jobs, *args]
    )
    assert result.exit_code == 1, result.output
    now = dt.datetime.now(dt.UTC)
    expected = {
        "json": lambda: render_json(items, as_list=True),
        "json-lines": lambda: render_json_lines(items),
        "sarif": lambda: render_sarif(items, ruleset, engine_version(), started=now, ended=now),
        "junit": lambda: render_junit(items, ruleset, now, 1.0),
        "github": lambda: render_github(items),
        "table": lambda: render_table(items, color=False, width=120),
        "summary": lambda: render_summary(items),
    }[fmt]()
    assert masked(result.stdout) == masked(expected.rstrip("\n") + "\n")


def test_a_worker_answers_with_a_typed_result(tmp_path: Path, ruleset) -> None:  # noqa: ANN001
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": ', encoding="utf-8")
    setup = Setup(format="github", as_of=dt.date.fromisoformat(AS_OF))
    failed, missing, good = run_batch(
        [str(bad), str(tmp_path / "none.json"), str(ROOT / SEEDS[0])], setup, ruleset, 1, False
    )
    assert (failed.failure, missing.failure, good.failure) == ("input", "input", None)
    assert failed.errors and all(e.startswith(str(bad)) for e in failed.errors)
    assert failed.output is None and good.output.startswith("::")
    assert good.new == good.violations > 0 and good.quiet == 0
    assert good.gravest_new == 0  # the seed has a critical violation: index 0 in SEVERITIES
    with pytest.raises(dataclasses.FrozenInstanceError):
        good.new = 0  # type: ignore[misc]
    assert isinstance(good, FileResult)
    assert json.dumps(dataclasses.asdict(good))  # plain data: what crosses the process boundary
