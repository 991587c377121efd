"""JUnit XML that the Jenkins/xunit JUnit schema accepts: a suite per checked file, a test case per
rule of the rulesets (failure = a new violation; skipped = not applicable, undecided for want of
facts (named), suppressed or baselined), with the run's real timestamp and times."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from xml.etree import ElementTree as ET

from engine.law.model import RuleSet
from engine.report.checked import Checked


def _seconds(value: float | None) -> str:
    return f"{value or 0.0:.3f}"


def render_junit(
    items: Sequence[Checked],
    ruleset: RuleSet,
    started: dt.datetime | None = None,
    seconds: float | None = None,
) -> str:
    """``started``: when the run began (default now); ``seconds``: its wall time (default the files' sum)."""
    started = started or dt.datetime.now(dt.UTC)
    suites = [junit_suite(item, ruleset, started) for item in items]
    total = seconds if seconds is not None else sum(i.seconds or 0.0 for i in items)
    return assemble_junit(
        [s.xml for s in suites], sum(s.tests for s in suites), sum(s.failures for s in suites), total
    )


@dataclass(frozen=True)
class Suite:
    """One file's ``<testsuite>``, serialised as it sits in the document, and its counts."""

    xml: str
    tests: int
    failures: int


def assemble_junit(suites: Sequence[str], tests: int, failures: int, seconds: float) -> str:
    """The document around the files' suites (each rendered where its file was evaluated)."""
    root = ET.Element("testsuites", name="regulint")
    root.set("tests", str(tests))
    root.set("failures", str(failures))
    root.set("errors", "0")
    root.set("time", _seconds(seconds))
    if not suites:
        return _DECLARATION + ET.tostring(root, encoding="unicode")
    marker = "\x00suites\x00"  # cannot occur in XML text
    root.text = marker
    body = "\n  " + "\n  ".join(suites) + "\n"
    return _DECLARATION + ET.tostring(root, encoding="unicode").replace(marker, body, 1)


def junit_suite(item: Checked, ruleset: RuleSet, started: dt.datetime) -> Suite:
    """One file's suite, indented as the second level of the document."""
    stamp = started.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    rep = item.report
    suite = ET.Element(
        "testsuite", name=f"{rep.product_id} ({item.source})", timestamp=stamp,
        hostname=_hostname(), time=_seconds(item.seconds), file=item.source,
    )  # fmt: skip
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("as_of", str(rep.as_of)), ("markets", ",".join(rep.markets)), ("engine", rep.engine.version),
    ):  # fmt: skip
        ET.SubElement(props, "property", name=name, value=value)
    na = {n.instrument: n.reason for n in rep.not_applicable}
    by_rule: dict[str, list] = {}
    for t in item.triaged.items:
        by_rule.setdefault(t.violation.rule_id, []).append(t)
    n_tests = n_fail = n_skip = 0
    for inst in ruleset.instruments:
        for rule in inst.rules:
            n_tests += 1
            case = ET.SubElement(suite, "testcase", name=rule.id, classname=f"{inst.jurisdiction}.{inst.id}")
            found = by_rule.get(rule.id, [])
            new = [t for t in found if t.status == "new"]
            if new:
                n_fail += 1
                _failure(case, rule, new)
                continue
            if found:
                n_skip += 1
                notes = sorted({_quiet_note(t) for t in found})
                ET.SubElement(case, "skipped", message="; ".join(notes))
                continue
            if inst.id in na:
                n_skip += 1
                ET.SubElement(case, "skipped", message=f"not applicable: {na[inst.id]}")
                continue
            missing = [
                i for i in rep.insufficient_information
                if i.rule_id == rule.id or (i.rule_id is None and i.instrument == inst.id)
            ]  # fmt: skip
            if missing:
                n_skip += 1
                facts = sorted({m for i in missing for m in i.missing})
                ET.SubElement(
                    case, "skipped",
                    message="insufficient information: needs " + (", ".join(facts) or missing[0].reason),
                )  # fmt: skip
            elif any(u.rule_id == rule.id for u in rep.upcoming):
                out = ET.SubElement(case, "system-out")
                out.text = "would be violated once in force (see upcoming)"
    suite.set("tests", str(n_tests))
    suite.set("failures", str(n_fail))
    suite.set("errors", "0")
    suite.set("skipped", str(n_skip))
    ET.indent(suite, level=1)
    return Suite(ET.tostring(suite, encoding="unicode"), n_tests, n_fail)


@cache
def _hostname() -> str:
    return socket.gethostname() or "localhost"


_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _quiet_note(t) -> str:  # noqa: ANN001 - engine.report.findings.Triaged
    if t.status == "suppressed" and t.suppression is not None:
        return f"suppressed at {t.violation.subject.id}: {t.suppression.reason}"
    return f"in the baseline at {t.violation.subject.id}"


def _failure(case: ET.Element, rule, found: list) -> None:  # noqa: ANN001 - engine.law.model.Rule, Triaged
    where = ", ".join(t.violation.subject.path or t.violation.subject.id for t in found)
    fail = ET.SubElement(
        case,
        "failure",
        message=f"{rule.title} ({rule.citation}) at {where}",
        type=found[0].violation.severity,
    )
    lines = []
    for t in found:
        v = t.violation
        lines.append(f"{v.subject.path or v.subject.id}:")
        for e in v.evidence:  # the values as the report's JSON has them (enum members as their values …)
            data = e.model_dump(mode="json", include={"expected", "actual"})
            lines.append(f"  {e.fact} {e.op} {data['expected']!r} (actual {data['actual']!r})")
    lines.append(f"fix: {rule.remediation}")
    lines.append(f"penalty: {found[0].violation.penalty.explanation}")
    fail.text = "\n".join(lines)
