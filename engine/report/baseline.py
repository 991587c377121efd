"""Baseline files: the fingerprints of findings accepted as they are, so CI fails only on new ones.

The file is JSON, sorted and dated by nothing but its content, so it diffs cleanly in review::

    {"regulint_baseline": 1,
     "findings": [{"fingerprint": "eu-gdpr-dpia|faceswap-clips|selfie-capture",
                   "rule_id": "eu-gdpr-dpia", "product_id": "faceswap-clips", "subject": "selfie-capture"}]}
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from engine.report.findings import violation_fingerprint
from engine.report.model import Report

FORMAT_VERSION = 1
MAX_BYTES = 16 * 1024 * 1024


class BaselineError(ValueError):
    """A baseline file that cannot be read (the message names the file and what is wrong)."""


def read_baseline(path: Path) -> frozenset[str]:
    """The fingerprints in a baseline file."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise BaselineError(f"{path}: baseline larger than {MAX_BYTES} bytes")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read the baseline: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{path}: not a regulint baseline (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("regulint_baseline") != FORMAT_VERSION:
        raise BaselineError(f'{path}: not a regulint baseline (expected {{"regulint_baseline": 1, …}})')
    findings = data.get("findings")
    if not isinstance(findings, list):
        raise BaselineError(f"{path}: findings: expected a list, got {type(findings).__name__}")
    out = set()
    for n, item in enumerate(findings):
        fp = item.get("fingerprint") if isinstance(item, dict) else None
        if not isinstance(fp, str) or not fp:
            raise BaselineError(f"{path}: findings[{n}].fingerprint: expected a string")
        out.add(fp)
    return frozenset(out)


def baseline_text(reports: Iterable[Report]) -> str:
    """A baseline accepting every violation of ``reports``."""
    return baseline_json(f for rep in reports for f in baseline_findings(rep))


def baseline_findings(report: Report) -> list[dict[str, str]]:
    """A baseline entry per violation of one report (computed where the report is)."""
    return [
        {
            "fingerprint": violation_fingerprint(report, v),
            "rule_id": v.rule_id,
            "product_id": report.product_id,
            "subject": v.subject.id,
        }
        for v in report.violations
    ]


def baseline_json(findings: Iterable[dict[str, str]]) -> str:
    """The baseline file of these entries: one per fingerprint, sorted."""
    entries = {f["fingerprint"]: f for f in findings}
    body = {"regulint_baseline": FORMAT_VERSION, "findings": [entries[k] for k in sorted(entries)]}
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
