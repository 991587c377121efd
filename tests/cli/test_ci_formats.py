"""Output that CI tools accept: SARIF against the official OASIS 2.1.0 schema, JUnit against the
Jenkins xunit schema, GitHub annotations, JSON lines; the table and the summary of the faceswap seed."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from engine.evaluate.evaluator import default_evaluator, engine_version
from engine.facts.inputs import parse_text, product_from_data
from engine.report.checked import Checked, line_map, report_paths
from engine.report.render import render_github, render_junit, render_sarif, render_summary, render_table

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "tests" / "schemas"
SEEDS = sorted((ROOT / "seeds").glob("*.json"))
FACESWAP = ROOT / "seeds" / "faceswap-zao-style.json"
AS_OF = dt.date(2026, 11, 30)
TABLE_LINES_BEFORE = 594  # the faceswap seed's table before one row per rule (issue #13)


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


@cache
def checked(path: Path) -> Checked:
    text = path.read_text()
    report = default_evaluator().evaluate(product_from_data(parse_text(text, str(path)), str(path)), AS_OF)
    rel = str(path.relative_to(ROOT))
    return Checked(rel, report, lines=line_map(rel, text, report_paths(report)), seconds=0.01)


@cache
def sarif_validator() -> jsonschema.Validator:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_sarif_of_every_seed_is_valid_against_the_oasis_schema(
    seed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    ruleset = default_evaluator().ruleset
    log = json.loads(render_sarif([checked(seed)], ruleset, engine_version(), automation_id="regulint/ci/"))
    errors = sorted(sarif_validator().iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    run0 = log["runs"][0]
    assert run0["automationDetails"]["id"] == "regulint/ci/"
    rules = run0["tool"]["driver"]["rules"]
    assert rules and all(float(r["properties"]["security-severity"]) > 0 for r in rules)
    for result in run0["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact == {"uri": f"seeds/{seed.name}", "uriBaseId": "SRCROOT"}
        rule_id, product, subject = result["partialFingerprints"]["regulint/v1"].split("|")
        assert (rule_id, product) == (result["ruleId"], checked(seed).report.product_id)
        assert subject == result["properties"]["subject"]


def test_sarif_uri_outside_the_working_directory_is_an_absolute_file_uri(tmp_path: Path) -> None:
    from engine.report.sarif import artifact_uri

    inside = tmp_path / "my product.json"
    assert artifact_uri(str(inside), tmp_path) == ("my%20product.json", "SRCROOT")
    uri, base = artifact_uri("/elsewhere/x.json", tmp_path)
    assert uri == "file:///elsewhere/x.json" and base is None


def test_sarif_from_the_cli_over_several_files_is_valid() -> None:
    proc = run(
        "check",
        *[str(s.relative_to(ROOT)) for s in SEEDS[:4]],
        "-f",
        "sarif",
        "--as-of",
        "2026-11-30",
        "-j",
        "2",
    )
    assert proc.returncode in (0, 1), proc.stderr
    log = json.loads(proc.stdout)
    assert not list(sarif_validator().iter_errors(log))
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]
    }
    assert uris <= {f"seeds/{s.name}" for s in SEEDS[:4]} and uris


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_junit_of_every_seed_is_valid_against_the_jenkins_schema(seed: Path) -> None:
    started = dt.datetime(2026, 12, 6, 1, 2, 3, tzinfo=dt.UTC)
    xml = render_junit([checked(seed)], default_evaluator().ruleset, started, 1.25)
    xmlschema.XMLSchema(SCHEMAS / "junit-10.xsd").validate(xml)
    from xml.etree import ElementTree as ET

    root = ET.fromstring(xml.encode())
    assert root.get("time") == "1.250" and "skipped" not in root.attrib
    suite = root.find("testsuite")
    assert suite.get("timestamp") == "2026-12-06T01:02:03" and suite.get("time") == "0.010"
    report = checked(seed).report
    for case in root.iter("testcase"):
        skipped = case.find("skipped")
        undecided = [i for i in report.insufficient_information if i.rule_id == case.get("name")]
        if undecided and case.find("failure") is None:
            assert skipped is not None and all(m in skipped.get("message") for m in undecided[0].missing)


def test_github_annotations_one_per_rule_at_its_line() -> None:
    out = render_github([checked(FACESWAP)])
    lines = out.splitlines()
    annotations = [ln for ln in lines if ln.startswith("::")]
    rules = {v.rule_id for v in checked(FACESWAP).report.violations}
    assert len(annotations) == len(rules)
    assert all(
        re.match(r"::(error|warning|notice) file=seeds/faceswap-zao-style.json,line=\d+,title=", a)
        for a in annotations
    )
    assert "\n" not in "".join(a for a in annotations) and lines[-1].startswith("regulint: ")


def test_table_is_at_least_30_percent_shorter_and_keeps_every_finding() -> None:
    item = checked(FACESWAP)
    table = render_table([item], color=False, width=120)
    lines = table.splitlines()
    assert len(lines) <= 0.7 * TABLE_LINES_BEFORE, len(lines)
    rows: dict[str, str] = {}  # rule id -> the row's text, continuation lines joined
    current = None
    for line in lines:
        m = re.match(r"\s*(critical|high|medium|low)\s+(\S+) · ", line)
        if m:
            current = m.group(2)
            rows[current] = line
        elif current and line.startswith(" " * 5) and line.strip():
            rows[current] += " " + line.strip()
        else:
            current = None
    for v in item.report.violations:  # every finding of the JSON: its rule, with its subject on the row
        where = re.search(r" — at (.*?) fix: ", rows[v.rule_id])
        assert where and (v.subject.id in where.group(1) or v.subject.kind == "product"), v.rule_id


def test_table_in_80_columns_never_cuts_a_rule_id() -> None:
    table = render_table([checked(FACESWAP)], color=False, width=80)
    assert "…" not in table
    flat = re.sub(r"\s+", "", table)
    for v in checked(FACESWAP).report.violations:
        assert v.rule_id.replace("-", "") in flat.replace("-", "")


def test_summary_fits_one_80_by_40_screen() -> None:
    out = render_summary([checked(FACESWAP)])
    lines = out.splitlines()
    assert len(lines) <= 40 and max(map(len, lines)) <= 80, (len(lines), max(map(len, lines)))
    report = checked(FACESWAP).report
    assert (
        f"{len(report.violations)} violation(s)" in out and "By jurisdiction" in out and "Top findings" in out
    )
    for i in report.insufficient_information[:1]:
        assert i.missing[0] in out


def test_group_by_practice_and_fix() -> None:
    by_practice = run("check", str(FACESWAP), "--group-by", "practice", "--as-of", "2026-11-30")
    assert by_practice.returncode == 1
    assert "selfie-capture" in by_practice.stdout
    by_fix = run("check", str(FACESWAP), "--group-by", "fix", "--as-of", "2026-11-30")
    assert by_fix.returncode == 1 and "up to" in by_fix.stdout


def test_json_lines_one_report_per_line() -> None:
    proc = run("check", *map(str, SEEDS[:3]), "-f", "json-lines", "--as-of", "2026-11-30")
    lines = proc.stdout.splitlines()
    assert len(lines) == 3 and [json.loads(ln)["product_id"] for ln in lines]


def test_rules_show_is_readable_text_and_json_on_request() -> None:
    rule_id = checked(FACESWAP).report.violations[0].rule_id
    text = run("rules", "show", rule_id)
    assert text.returncode == 0 and not text.stdout.lstrip().startswith("{")
    assert rule_id in text.stdout and "Penalty" in text.stdout and "Condition" in text.stdout
    raw = run("rules", "show", rule_id, "--format", "json")
    assert json.loads(raw.stdout)["id"] == rule_id
