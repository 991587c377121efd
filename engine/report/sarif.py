"""SARIF 2.1.0 for code-scanning UIs (GitHub, GitLab, Azure DevOps): one result per violation at the
practice's line, GitHub's ``security-severity`` on every rule, stable ``partialFingerprints``,
suppressed and baselined findings under ``suppressions``, URIs relative to ``SRCROOT`` (the
working directory) where the file is under it, else absolute ``file://`` URIs."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from engine.law.model import RuleSet
from engine.law.severity import per_severity
from engine.law.sources import source_fields
from engine.report.checked import Checked
from engine.report.findings import Triaged

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_LEVEL = per_severity(("error", "error", "warning", "note"))
# GitHub's scale (0.0-10.0): >= 9.0 critical, >= 7.0 high, >= 4.0 medium, else low
SECURITY_SEVERITY = per_severity(("9.5", "8.0", "5.5", "3.0"))
INFORMATION_URI = "https://github.com/regulint/regulint"


def artifact_uri(source: str, root: Path | None = None) -> tuple[str, str | None]:
    """(uri, uriBaseId): a relative, percent-encoded URI under ``root`` (default the working
    directory), else an absolute ``file://`` URI; standard input is ``stdin``."""
    if source == "-":
        return "stdin", None
    root = (root or Path.cwd()).resolve()
    path = Path(source).resolve()
    try:
        rel = path.relative_to(root)
    except ValueError:
        return path.as_uri(), None
    return quote(rel.as_posix()), "SRCROOT"


def _rule_descriptor(rule, instrument) -> dict:  # noqa: ANN001 - engine.law.model.Rule, Instrument
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.requirement or rule.title},
        "helpUri": rule.source,
        "help": {"text": rule.remediation, "markdown": f"**{rule.citation}** — {rule.remediation}"},
        "defaultConfiguration": {"level": SARIF_LEVEL[rule.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "precision": "high" if rule.confirmed else "medium",
            "tags": ["security", "privacy", "compliance", rule.jurisdiction, instrument.short],
            "citation": rule.citation, "citations": list(rule.provisions()), "severity": rule.severity,
            "instrument": rule.instrument_id, "jurisdiction": rule.jurisdiction,
            **{k: v for k, v in source_fields(rule.source, rule.references).items() if k != "source"},
        },
    }  # fmt: skip


def _suppressions(t: Triaged, baseline_name: str | None) -> list[dict]:
    if t.status == "suppressed" and t.suppression is not None:
        s = t.suppression
        why = s.reason + (f" (approved by {s.approver})" if s.approver else "")
        why += f"; expires {s.expires}" if s.expires else ""
        return [{
            "kind": "external", "status": "accepted", "justification": why,
            "properties": {"approver": s.approver, "expires": str(s.expires) if s.expires else None,
                           "origin": s.origin, "type": s.kind},
        }]  # fmt: skip
    if t.status == "baselined":
        return [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"in the baseline {baseline_name or ''}".rstrip(),
            }
        ]
    return []


def rule_index(ruleset: RuleSet) -> dict[str, int]:
    """Every rule's position in ``tool.driver.rules`` (all rules of the rulesets, in their order), so a
    worker process can write ``ruleIndex`` without knowing the other files' results."""
    return {r.id: n for n, r in enumerate(ruleset.rules)}


def sarif_results(
    item: Checked, index: dict[str, int], baseline_name: str | None = None, root: Path | None = None
) -> list[dict]:
    """The results of one checked file (rendered where the file was evaluated)."""
    uri, base = artifact_uri(item.source, root)
    artifact = {"uri": uri, **({"uriBaseId": base} if base else {})}
    results = []
    for t in item.triaged.items:
        v = t.violation
        result = {
            "ruleId": v.rule_id,
            "ruleIndex": index[v.rule_id],
            "level": SARIF_LEVEL[v.severity],
            "message": {"text": f"{v.title} ({v.citation}) at {v.subject.path or v.subject.id}. {v.remediation}"},
            "locations": [{
                "physicalLocation": {"artifactLocation": artifact, "region": {"startLine": item.line(v.subject.path)}},
                "logicalLocations": [{"fullyQualifiedName": v.subject.path or v.subject.id, "kind": v.subject.kind}],
            }],
            "partialFingerprints": {"regulint/v1": t.fingerprint},
            "properties": {
                "severity": v.severity, "instrument": v.instrument, "jurisdiction": v.jurisdiction,
                "product": item.report.product_id, "subject": v.subject.id,
                "penalty": v.penalty.model_dump(mode="json"),
                "evidence": [e.model_dump(mode="json") for e in v.evidence],
            },
        }  # fmt: skip
        suppressions = _suppressions(t, baseline_name)
        if suppressions:
            result["suppressions"] = suppressions
        if baseline_name is not None:
            result["baselineState"] = "unchanged" if t.status == "baselined" else "new"
        results.append(result)
    return results


def results_fragment(results: list[dict]) -> str:
    """Results as compact JSON, to be joined by :func:`assemble_sarif`."""
    return json.dumps(results, ensure_ascii=False, separators=(",", ":"))


def render_sarif(
    items: Sequence[Checked],
    ruleset: RuleSet,
    version: str,
    *,
    automation_id: str = "regulint/check/",
    baseline_name: str | None = None,
    started: dt.datetime | None = None,
    ended: dt.datetime | None = None,
    root: Path | None = None,
) -> str:
    """One run; a result per violation. ``baseline_name`` (a baseline was applied) adds ``baselineState``."""
    index = rule_index(ruleset)
    fragments = [results_fragment(sarif_results(i, index, baseline_name, root)) for i in items]
    return assemble_sarif(
        fragments, ruleset, version, automation_id=automation_id, started=started, ended=ended, root=root
    )


def assemble_sarif(
    fragments: Sequence[str],
    ruleset: RuleSet,
    version: str,
    *,
    automation_id: str = "regulint/check/",
    started: dt.datetime | None = None,
    ended: dt.datetime | None = None,
    root: Path | None = None,
) -> str:
    """The SARIF log around the files' result fragments (each a JSON list), without re-parsing them."""
    rules = [_rule_descriptor(r, ruleset.instrument(r.instrument_id)) for r in ruleset.rules]
    invocation: dict = {"executionSuccessful": True}
    if started:
        invocation["startTimeUtc"] = started.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if ended:
        invocation["endTimeUtc"] = ended.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    base_root = (root or Path.cwd()).resolve()
    marker = "__regulint_results__"
    run: dict = {
        "tool": {"driver": {"name": "regulint", "version": version, "semanticVersion": version,
                            "informationUri": INFORMATION_URI, "rules": rules}},
        "automationDetails": {"id": automation_id},
        "originalUriBaseIds": {"SRCROOT": {"uri": base_root.as_uri().rstrip("/") + "/"}},
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": marker,
    }  # fmt: skip
    # compact: json's C encoder only runs without indent (an indented log of 500 files took ~30 s)
    log = json.dumps(
        {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    joined = "[" + ",".join(f[1:-1] for f in fragments if f != "[]") + "]"
    return log.replace(f'"{marker}"', joined, 1)
