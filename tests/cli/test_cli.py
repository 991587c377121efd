"""The command line: formats, exit codes, and bad input answered without a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "seeds").glob("*.json"))
REGULINT = [sys.executable, "-m", "api.cli"]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*REGULINT, *args], capture_output=True, text=True, input=stdin, cwd=ROOT, timeout=120
    )


def test_check_all_seeds_as_json_has_every_contract_field() -> None:
    proc = run("check", *map(str, SEEDS), "--format", "json", "--as-of", "2026-11-30")
    assert proc.returncode in (0, 1), proc.stderr
    reports = json.loads(proc.stdout)
    assert isinstance(reports, list) and len(reports) == len(SEEDS)
    assert [r["product_id"] for r in reports] == [json.loads(p.read_text())["id"] for p in SEEDS]
    for report in reports:
        assert set(report) >= {
            "product_id",
            "as_of",
            "engine",
            "summary",
            "violations",
            "not_applicable",
            "insufficient_information",
            "upcoming",
        }
        assert report["engine"]["backend"] == "durable_rules"
        assert all(r["digest"].startswith("sha256:") for r in report["engine"]["rulesets"])
        assert set(report["summary"]) >= {"violations", "by_severity", "by_jurisdiction", "exposure"}
        for v in report["violations"]:
            assert set(v) >= {
                "rule_id",
                "instrument",
                "jurisdiction",
                "citation",
                "title",
                "severity",
                "subject",
                "evidence",
                "remediation",
                "penalty",
                "source",
            }
            assert v["evidence"], v["rule_id"]
            for e in v["evidence"]:
                assert e["fact"] and e["op"]
            assert set(v["penalty"]) >= {"currency", "min", "max", "basis", "citation", "explanation"}
            assert v["penalty"]["max"] is None or v["penalty"]["min"] <= v["penalty"]["max"]
    found = {v["jurisdiction"] for r in reports for v in r["violations"]}
    assert found >= {"CN", "EU", "US-CA"}, "the seeds together show violations in every market"


def test_evidence_points_into_the_submitted_document() -> None:
    seed = ROOT / "seeds" / "faceswap-zao-style.json"
    doc = json.loads(seed.read_text())
    report = json.loads(run("check", str(seed), "-f", "json").stdout)
    for v in report["violations"]:
        if v["subject"]["kind"] == "practice":
            index = int(v["subject"]["path"].split("[")[1].split("]")[0])
            assert doc["data_practices"][index]["id"] == v["subject"]["id"]
        for e in v["evidence"]:
            assert e["fact"].split(".")[0].split("[")[0] in doc or e["fact"].split(".")[0].split("[")[0] in {
                "organization",
                "audience",
                "governance",
                "synthetic_media",
                "data_practices",
                "markets",
            }


def test_exit_codes_follow_fail_on() -> None:
    seed = str(ROOT / "seeds" / "faceswap-zao-style.json")
    report = json.loads(run("check", seed, "-f", "json").stdout)
    severities = {v["severity"] for v in report["violations"]}
    assert run("check", seed, "-f", "json").returncode == 1
    worst = next(s for s in ("critical", "high", "medium", "low") if s in severities)
    assert run("check", seed, "-f", "json", "--fail-on", worst).returncode == 1
    if "critical" not in severities:
        assert run("check", seed, "-f", "json", "--fail-on", "critical").returncode == 0


def test_market_restriction() -> None:
    seed = str(ROOT / "seeds" / "faceswap-zao-style.json")
    report = json.loads(run("check", seed, "-f", "json", "--market", "EU").stdout)
    assert {v["jurisdiction"] for v in report["violations"]} == {"EU"}
    assert any(n["jurisdiction"] == "CN" for n in report["not_applicable"])


def test_sarif_is_valid_2_1_0_with_locations() -> None:
    seed = str(ROOT / "seeds" / "faceswap-zao-style.json")
    sarif = json.loads(run("check", seed, "-f", "sarif").stdout)
    assert sarif["version"] == "2.1.0"
    run0 = sarif["runs"][0]
    rule_ids = [r["id"] for r in run0["tool"]["driver"]["rules"]]
    assert run0["results"]
    for result in run0["results"]:
        assert result["ruleId"] in rule_ids
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        loc = result["locations"][0]
        assert loc["physicalLocation"]["artifactLocation"] == {  # relative to the working directory
            "uri": "seeds/faceswap-zao-style.json",
            "uriBaseId": "SRCROOT",
        }
        assert loc["physicalLocation"]["region"]["startLine"] >= 1
    practice_lines = {
        r["locations"][0]["physicalLocation"]["region"]["startLine"]
        for r in run0["results"]
        if r["locations"][0]["logicalLocations"][0]["kind"] == "practice"
    }
    text = Path(seed).read_text().splitlines()
    for line in practice_lines:  # the practice's own lines in the file
        assert "{" in text[line - 1] or '"id"' in text[line - 1]
    for rule in run0["tool"]["driver"]["rules"]:
        assert rule["properties"]["citation"] and rule["help"]["text"]


def test_junit_has_a_case_per_rule_and_failures_for_violations() -> None:
    seed = str(ROOT / "seeds" / "faceswap-zao-style.json")
    root = ET.fromstring(run("check", seed, "-f", "junit").stdout)
    report = json.loads(run("check", seed, "-f", "json").stdout)
    rules = json.loads(run("rules", "--format", "json").stdout)
    cases = root.findall(".//testcase")
    assert len(cases) == len(rules)
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == {v["rule_id"] for v in report["violations"]}


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("{not json", ["line 1 column 2", "malformed JSON"]),
        (
            '{"id": "x", "markets": ["EU"], "data_practices": [{"id": "a", "data_categories": ["user.biometrics"]}]}',
            ["data_practices[0].data_categories[0]", "user.biometrics", "did you mean 'user.biometric'"],
        ),
        (
            '{"id": "x", "markets": ["EU"], "data_practices": [{"id": "a", "retention_days": "forever"}]}',
            ["data_practices[0].retention_days", "a whole number", "'forever'"],
        ),
        (
            '{"id": "x", "markets": ["EU"], "data_practices": [{"id": "a", "consent": {"explicit": "yes"}}]}',
            ["data_practices[0].consent.explicit", "true or false"],
        ),
        ('{"id": "x", "markets": ["ZZ"], "synthetic_media": {}}', ["markets[0]", "unknown place code 'ZZ'"]),
        ('{"markets": ["EU"], "synthetic_media": {}}', ["id", "required"]),
        ('{"id": "x", "markets": ["EU"]}', ["at least one of data_practices or synthetic_media"]),
        (
            '{"id": "x", "markets": ["EU"], "synthetic_media": {"modalities": ["smell"]}}',
            ["synthetic_media.modalities[0]", "'smell'"],
        ),
    ],
)
def test_bad_input_exits_2_naming_the_path(text: str, fragments: list[str], tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    proc = run("check", str(path))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in proc.stderr, (fragment, proc.stderr)
    assert proc.stdout == ""


def test_bad_file_among_good_ones_still_reports_the_good_ones(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    good = str(ROOT / "seeds" / "faceswap-zao-style.json")
    proc = run("check", good, str(bad), "-f", "json")
    assert proc.returncode == 2
    assert json.loads(proc.stdout)[0]["product_id"] == "faceswap-clips"
    assert "bad.json" in proc.stderr


def test_usage_errors_exit_2() -> None:
    assert run("check").returncode == 2
    assert run("check", str(SEEDS[0]), "--as-of", "30/11/2026").returncode == 2
    assert run("check", str(SEEDS[0]), "--format", "pdf").returncode == 2
    assert run("check", "/nonexistent.json").returncode == 2


def test_yaml_input_and_stdin(tmp_path: Path) -> None:
    seed = json.loads((ROOT / "seeds" / "faceswap-zao-style.json").read_text())
    as_json = json.loads(run("check", "-", "-f", "json", stdin=json.dumps(seed)).stdout)
    import yaml  # PyYAML ships with the test dependencies' dependencies

    ypath = tmp_path / "p.yaml"
    ypath.write_text(yaml.safe_dump(seed))
    as_yaml = json.loads(run("check", str(ypath), "-f", "json").stdout)
    assert [v["rule_id"] for v in as_json["violations"]] == [v["rule_id"] for v in as_yaml["violations"]]


def test_jobs_give_the_same_reports_as_one_process(tmp_path: Path) -> None:
    files = [str(p) for p in SEEDS] * 3
    one = run("check", *files, "-f", "json", "--as-of", "2026-11-30")
    two = run("check", *files, "-f", "json", "--as-of", "2026-11-30", "--jobs", "2")
    assert one.returncode == two.returncode
    assert json.loads(one.stdout) == json.loads(two.stdout)


def test_rules_listing_and_show() -> None:
    rules = json.loads(run("rules", "--format", "json").stdout)
    assert len(rules) >= 40
    assert {r["jurisdiction"] for r in rules} >= {"CN", "EU", "US-CA"}
    eu = json.loads(run("rules", "--jurisdiction", "EU", "--format", "json").stdout)
    assert eu and all(r["jurisdiction"] == "EU" for r in eu)
    shown = json.loads(run("rules", "show", rules[0]["id"], "--format", "json").stdout)
    assert shown["id"] == rules[0]["id"] and shown["examples"]["violating"]
    missing = run("rules", "show", rules[0]["id"] + "x")
    assert missing.returncode == 2 and "did you mean" in missing.stderr
    markdown = run("rules", "--format", "markdown").stdout
    assert markdown.startswith("# regulint rule catalog") and rules[0]["id"] in markdown


def test_lint_passes_on_shipped_rulesets() -> None:
    proc = run("lint")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_generated_docs_are_current() -> None:
    assert (ROOT / "docs" / "facts.md").read_text() == run("facts").stdout
    assert (ROOT / "docs" / "catalog.md").read_text() == run("rules", "--format", "markdown").stdout


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[" * 100_000, "nested too deeply"),
        ('{"id": "x", "n": ' + "9" * 5000 + "}", "4300 digits"),
        ('{"id": "x", "n": 1e999}', "out of range"),
        ('{"id": "x", "n": NaN}', "NaN"),
    ],
)
def test_pathological_documents_exit_2(text: str, fragment: str, tmp_path: Path) -> None:
    path = tmp_path / "odd.json"
    path.write_text(text)
    proc = run("check", str(path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert fragment in proc.stderr


def test_currency_without_a_rate_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(
        '{"id": "x", "markets": ["EU"], "organization": {"annual_revenue": '
        '{"amount": 5, "currency": "ABC"}}, "synthetic_media": {}}'
    )
    proc = run("check", str(path))
    assert proc.returncode == 2 and "organization.annual_revenue.currency" in proc.stderr
    assert "no exchange rate for 'ABC'" in proc.stderr and "Traceback" not in proc.stderr


def test_the_cli_severities_are_the_law_models() -> None:
    """``--fail-on`` offers the severity vocabulary of engine/law/severity.py, gravest first."""
    from api.cli.common import SEVERITIES, Severity
    from engine.law.severity import SEVERITIES as LAW

    assert SEVERITIES == LAW == ("critical", "high", "medium", "low")
    assert [s.value for s in Severity] == list(LAW)
