"""Adopting regulint in CI: configuration found upwards, baselines on stable fingerprints, reasoned
suppressions that expire, rulesets added rather than replaced, --fail-on-insufficient."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FACESWAP = ROOT / "seeds" / "faceswap-zao-style.json"
AS_OF = "2026-11-30"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def fingerprints(cwd: Path, *args: str) -> set[str]:
    report = json.loads(run("check", *args, "-f", "json", "--as-of", AS_OF, "--no-config", cwd=cwd).stdout)
    return {f"{v['rule_id']}|{report['product_id']}|{v['subject']['id']}" for v in report["violations"]}


def test_baseline_rerun_passes_and_a_new_violation_fails_alone(tmp_path: Path) -> None:
    product = tmp_path / "product.json"
    shutil.copy(FACESWAP, product)
    wrote = run("check", "product.json", "--as-of", AS_OF, "--write-baseline", "baseline.json", cwd=tmp_path)
    assert wrote.returncode == 0, wrote.stderr
    baseline = json.loads((tmp_path / "baseline.json").read_text())
    assert baseline["regulint_baseline"] == 1 and baseline["findings"]
    assert all("2026" not in f["fingerprint"] for f in baseline["findings"])  # no dates in the keys
    again = run("check", "product.json", "--as-of", AS_OF, "--baseline", "baseline.json", cwd=tmp_path)
    assert again.returncode == 0, again.stdout[-2000:]
    assert "baselined" in again.stdout

    before = fingerprints(tmp_path, "product.json")
    doc = json.loads(product.read_text())
    doc["synthetic_media"]["visible_label"] = True  # a label that may now be stripped by users
    product.write_text(json.dumps(doc, indent=2))
    new = fingerprints(tmp_path, "product.json") - before
    assert new, "the edit adds a finding"
    failed = run(
        "check", "product.json", "--as-of", AS_OF, "--baseline", "baseline.json", "-f", "github", cwd=tmp_path
    )
    assert failed.returncode == 1
    named = {ln.split("title=")[1].split(" ")[0] for ln in failed.stdout.splitlines() if ln.startswith("::")}
    assert named == {fp.split("|")[0] for fp in new}

    sarif = json.loads(
        run(
            "check",
            "product.json",
            "--as-of",
            AS_OF,
            "--baseline",
            "baseline.json",
            "-f",
            "sarif",
            cwd=tmp_path,
        ).stdout
    )
    results = sarif["runs"][0]["results"]
    assert {r["partialFingerprints"]["regulint/v1"] for r in results if r["baselineState"] == "new"} == new
    assert all(
        r["suppressions"][0]["kind"] == "external" for r in results if r["baselineState"] == "unchanged"
    )


def test_suppressions_accept_a_finding_until_they_expire(tmp_path: Path) -> None:
    shutil.copy(FACESWAP, tmp_path / "product.json")
    report = json.loads(run("check", "product.json", "-f", "json", "--as-of", AS_OF, cwd=tmp_path).stdout)
    target = report["violations"][0]
    config = tmp_path / ".regulint.yaml"

    def configure(expires: str) -> None:
        config.write_text(
            "as-of: 2026-11-30\n"
            "suppressions:\n"
            f"  - rule: {target['rule_id']}\n"
            f"    subject: {target['subject']['id']}\n"
            "    reason: label design under review with the regulator\n"
            "    approver: dpo@example.com\n"
            f"    expires: {expires}\n"
        )

    configure("2999-01-01")
    sarif = json.loads(run("check", "product.json", "-f", "sarif", cwd=tmp_path).stdout)
    suppressed = [r for r in sarif["runs"][0]["results"] if r.get("suppressions")]
    assert len(suppressed) == 1 and suppressed[0]["ruleId"] == target["rule_id"]
    assert "dpo@example.com" in suppressed[0]["suppressions"][0]["justification"]
    summary = run("check", "product.json", "--summary", cwd=tmp_path).stdout
    assert "suppressed 1" in summary

    configure("2020-01-01")
    expired = run("check", "product.json", "-f", "sarif", cwd=tmp_path)
    assert expired.returncode == 1
    assert "expired suppression" in expired.stderr and ".regulint.yaml:" in expired.stderr
    assert not [r for r in json.loads(expired.stdout)["runs"][0]["results"] if r.get("suppressions")]


def test_config_errors_name_file_and_line(tmp_path: Path) -> None:
    shutil.copy(FACESWAP, tmp_path / "product.json")
    (tmp_path / ".regulint.yaml").write_text("as-of: 2026-11-30\nfail-onn: high\n")
    proc = run("check", "product.json", cwd=tmp_path)
    assert (
        proc.returncode == 2
        and ".regulint.yaml:2: unknown key 'fail-onn'; did you mean 'fail-on'?" in proc.stderr
    )
    (tmp_path / ".regulint.yaml").write_text(
        "disabled-rules:\n  - id: eu-gdpr-dpia\n    reason: ok\n  - id: eu-gdpr-no-such-rule\n    reason: typo\n"
    )
    proc = run("check", "product.json", cwd=tmp_path)
    assert (
        proc.returncode == 2
        and ".regulint.yaml:4: disabled-rules[1].id: unknown rule id 'eu-gdpr-no-such-rule'" in proc.stderr
    )
    (tmp_path / ".regulint.yaml").write_text(
        "suppressions:\n  - {rule: eu-gdpr-dpia, subject: x, reason: y}\n"
    )
    proc = run("check", "product.json", cwd=tmp_path)
    assert proc.returncode == 2 and "missing approver, expires" in proc.stderr


def test_pyproject_table_found_from_a_subdirectory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.regulint]\nfail-on = "critical"\nmarkets = ["EU"]\nas-of = "2026-11-30"\n'
        "unknown = 1\n"
    )
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    shutil.copy(FACESWAP, sub / "product.json")
    proc = run("check", "product.json", "-f", "json", cwd=sub)
    assert proc.returncode == 2 and "pyproject.toml:8: unknown key 'unknown'" in proc.stderr
    text = (tmp_path / "pyproject.toml").read_text().replace("unknown = 1\n", "")
    (tmp_path / "pyproject.toml").write_text(text)
    proc = run("check", "product.json", "-f", "json", cwd=sub)
    report = json.loads(proc.stdout)
    assert report["markets"] == ["EU"] and report["as_of"] == "2026-11-30"
    worst = {v["severity"] for v in report["violations"]}
    assert proc.returncode == (1 if "critical" in worst else 0)
    assert run("check", "product.json", "--no-config", "-f", "json", cwd=sub).returncode == 1


def test_rulesets_add_to_the_shipped_ones_and_twice_adds_both(tmp_path: Path) -> None:
    shutil.copy(FACESWAP, tmp_path / "product.json")
    eu, cn = ROOT / "rulesets" / "eu", ROOT / "rulesets" / "cn"
    only = json.loads(run("check", "product.json", "-f", "json", "--no-config", "--no-default-rulesets",
                          "--rulesets", str(eu), "--as-of", AS_OF, cwd=tmp_path).stdout)  # fmt: skip
    both = json.loads(run("check", "product.json", "-f", "json", "--no-config", "--no-default-rulesets",
                          "--rulesets", str(eu), "--rulesets", str(cn), "--as-of", AS_OF, cwd=tmp_path).stdout)  # fmt: skip
    shipped_plus = json.loads(run("check", "product.json", "-f", "json", "--no-config", "--rulesets", str(eu),
                                  "--as-of", AS_OF, cwd=tmp_path).stdout)  # fmt: skip
    assert {v["jurisdiction"] for v in only["violations"]} == {"EU"}
    assert {v["jurisdiction"] for v in both["violations"]} == {"EU", "CN"}
    assert {v["jurisdiction"] for v in shipped_plus["violations"]} == {"EU", "CN", "US-CA"}
    none = run("check", "product.json", "--no-config", "--no-default-rulesets", cwd=tmp_path)
    assert none.returncode == 2 and "--rulesets" in none.stderr


def test_fail_on_insufficient(tmp_path: Path) -> None:
    doc = json.loads((ROOT / "seeds" / "compliant-us-ca.json").read_text())
    del doc["organization"]["annual_revenue"]  # CCPA applicability now undecided
    (tmp_path / "product.json").write_text(json.dumps(doc))
    lenient = run("check", "product.json", "--as-of", AS_OF, "--no-config", cwd=tmp_path)
    assert lenient.returncode == 0 and "organization.annual_revenue" in lenient.stdout
    strict = run(
        "check", "product.json", "--as-of", AS_OF, "--no-config", "--fail-on-insufficient", cwd=tmp_path
    )
    assert strict.returncode == 1 and "undecided" in strict.stderr
    (tmp_path / ".regulint.yaml").write_text("fail-on-insufficient: true\n")
    assert run("check", "product.json", "--as-of", AS_OF, cwd=tmp_path).returncode == 1


def test_readme_configuration_example_is_valid(tmp_path: Path) -> None:
    import re

    from api.cli.config import load_config
    from engine.law.loader import load_rulesets

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Configuration: `.regulint.yaml`") :]
    block = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    (tmp_path / "compliance" / "rules").mkdir(parents=True)
    (tmp_path / ".regulint.yaml").write_text(block)
    cfg = load_config(tmp_path / ".regulint.yaml")
    cfg.check_rule_ids(load_rulesets().rules_by_id)
    assert cfg.as_of and cfg.fail_on == "high" and len(cfg.suppressions) == 2
