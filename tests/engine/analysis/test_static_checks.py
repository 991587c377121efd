"""``regulint lint`` static checks (engine/analysis/static_checks.py), each on a small ruleset."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from engine.analysis import static_checks
from engine.analysis.lint import lint
from engine.law.loader import load_rulesets

HEAD = """\
instrument:
  id: xx-test
  title: Test instrument
  short: TEST
  jurisdiction: EU
  in_force: 2020-01-01
  source: https://eur-lex.europa.eu/eli/reg/2016/679/oj
  scope: {fact: product.markets, contains: EU}
penalty_tiers:
  only:
    citation: Art. 1
    source: https://eur-lex.europa.eu/eli/reg/2016/679/oj#art_83
    max: {amount: 100, currency: EUR}
aggregation: sum
rules:
"""

EXAMPLES = """\
    examples:
      violating: [{id: a, markets: [EU], data_practices: [{id: p}]}]
      compliant: [{id: a, markets: [EU], data_practices: [{id: p, consent: {explicit: true}}]}]
"""


def rule(
    rid: str,
    when: str,
    citation: str = "Art. 2",
    subject: str = "practice",
    start: str = "2020-01-01",
    source: str = "https://eur-lex.europa.eu/eli/reg/2016/679/oj#art_2",
) -> str:
    body = f"""\
  - id: {rid}
    title: A rule
    citation: {citation}
    source: {source}
    severity: low
    effective: {{from: {start}}}
    subject: {subject}
    when:
{textwrap.indent(textwrap.dedent(when).strip(), "      ")}
    penalty: only
    remediation: Fix it.
"""
    return body + EXAMPLES


def findings(tmp_path: Path, *rules: str, head: str = HEAD) -> list:
    path = tmp_path / "test.yaml"
    path.write_text(head + "".join(rules))
    return static_checks.run(load_rulesets(path))


def codes(found: list) -> list[tuple[str, str, int]]:
    return [(f.code, f.level, f.line) for f in found]


@pytest.mark.parametrize(
    "when, conflict",
    [
        (
            """
            all:
              - {fact: practice.consent.explicit, eq: true}
              - {fact: practice.consent.explicit, eq: false}
            """,
            ["practice.consent.explicit eq True", "practice.consent.explicit eq False"],
        ),
        (
            """
            all:
              - {fact: product.organization.employees, gt: 10}
              - {fact: product.organization.employees, lt: 5}
            """,
            ["employees gt 10", "employees lt 5"],
        ),
        (
            """
            all:
              - {fact: practice.legal_basis, in: [consent, contract]}
              - {fact: practice.legal_basis, in: [none, legitimate_interests]}
            """,
            ["in ('consent', 'contract')", "in ('none', 'legitimate_interests')"],
        ),
        (
            """
            all:
              - {fact: practice.data_categories, contains: user.biometric}
              - {fact: practice.data_categories, contains_none: [user.biometric]}
            """,
            ["contains 'user.biometric'", "contains_none ('user.biometric',)"],
        ),
        (
            """
            all:
              - {fact: practice.data_categories, contains: user.biometric.face}
              - {fact: practice.data_categories, contains_none: [user.biometric]}
            """,
            ["user.biometric.face", "contains_none ('user.biometric',)"],
        ),
        (
            """
            all:
              - {fact: practice.retention_days, eq: null}
              - {fact: practice.retention_days, gt: 5}
            """,
            ["eq None", "gt 5"],
        ),
        (
            """
            all:
              - {fact: product.audience.min_age, missing: true}
              - {fact: product.audience.min_age, ne: 5}
            """,
            ["min_age missing", "min_age ne 5"],
        ),
        (
            """
            all:
              - {fact: practice.retention_days, lt: 0}
            """,
            ["retention_days lt 0"],
        ),
    ],
)
def test_conditions_that_can_never_hold_are_errors_naming_the_conflict(
    tmp_path: Path, when: str, conflict: list[str]
) -> None:
    found = findings(tmp_path, rule("xx-test-never", when))
    assert [(f.code, f.level) for f in found] == [("condition-unsatisfiable", "error")]
    assert found[0].line == HEAD.count("\n") + 8  # the `when:` line
    for part in conflict:
        assert part in found[0].message, found[0].message
    assert "line " in found[0].message  # each conflicting atom with its line


def test_satisfiable_conditions_are_not_flagged(tmp_path: Path) -> None:
    when = """
    all:
      - {fact: practice.retention_days, eq: null}
      - not: {fact: practice.retention_days, gt: 0}
      - {fact: practice.data_categories, contains: user.biometric.face}
      - {fact: practice.data_categories, contains_none: [user.health_and_medical]}
      - {fact: product.organization.employees, gte: 250}
    """
    assert findings(tmp_path, rule("xx-test-fine", when)) == []


def test_a_condition_outside_the_instruments_scope_is_an_error(tmp_path: Path) -> None:
    when = "{fact: product.markets, contains_none: [EU]}"
    found = findings(tmp_path, rule("xx-test-outside", when))
    assert [(f.code, f.level) for f in found] == [("condition-out-of-scope", "error")]
    assert "scope" in found[0].message


def test_a_dead_branch_is_a_warning_on_its_line(tmp_path: Path) -> None:
    when = """
    all:
      - {fact: practice.consent.explicit, eq: true}
      - any:
          - {fact: practice.consent.explicit, eq: false}
          - {fact: practice.sold, eq: true}
    """
    found = findings(tmp_path, rule("xx-test-dead", when))
    assert codes(found) == [("condition-dead-branch", "warning", HEAD.count("\n") + 12)]
    assert "practice.consent.explicit eq True" in found[0].message


def test_a_rule_subsumed_by_another_with_the_same_citation_is_a_warning(tmp_path: Path) -> None:
    narrow = """
    all:
      - {fact: practice.consent.explicit, eq: false}
      - {fact: practice.data_categories, contains: user.biometric.face}
    """
    broad = """
    all:
      - {fact: practice.consent.explicit, eq: false}
      - {fact: practice.data_categories, contains_any: [user.biometric, user.health_and_medical]}
    """
    found = findings(tmp_path, rule("xx-test-narrow", narrow), rule("xx-test-broad", broad))
    assert [(f.code, f.level) for f in found] == [("rule-subsumed", "warning")]
    assert found[0].line == HEAD.count("\n") + 1  # the narrow rule's id line
    assert "xx-test-narrow is subsumed by rule xx-test-broad" in found[0].message


def test_subsumption_needs_the_same_citation_and_the_broader_rule_in_force(tmp_path: Path) -> None:
    when = "{fact: practice.consent.explicit, eq: false}"
    assert findings(tmp_path, rule("xx-test-a", when), rule("xx-test-b", when, citation="Art. 3")) == []
    # b starts later: a covers b (reported), b does not cover a (a applies in 2020 alone)
    found = findings(tmp_path, rule("xx-test-a", when), rule("xx-test-b", when, start="2021-01-01"))
    assert [f.message.split()[1] for f in found] == ["xx-test-b"]
    assert "is subsumed by rule xx-test-a" in found[0].message


def test_a_rule_that_can_never_fire_is_not_also_reported_as_subsumed(tmp_path: Path) -> None:
    never = """
    all:
      - {fact: product.organization.employees, gt: 10}
      - {fact: product.organization.employees, lt: 5}
    """
    found = findings(
        tmp_path, rule("xx-test-never", never), rule("xx-test-other", "{fact: practice.sold, eq: true}")
    )
    assert [f.code for f in found] == ["condition-unsatisfiable"]


def test_equivalent_rules_are_reported_once_on_the_later(tmp_path: Path) -> None:
    when = "{fact: practice.consent.explicit, eq: false}"
    same = "{fact: practice.consent.explicit, ne: true}"
    found = findings(tmp_path, rule("xx-test-first", when), rule("xx-test-second", same))
    assert [(f.code, f.message.split()[1]) for f in found] == [("rule-subsumed", "xx-test-second")]
    assert "equivalent" in found[0].message


def test_unused_penalty_tier_is_a_warning_on_its_line(tmp_path: Path) -> None:
    head = HEAD.replace(
        "aggregation: sum",
        "  spare:\n    citation: Art. 9\n    source: https://eur-lex.europa.eu/eli/reg/2016/679/oj#art_9\n"
        "    max: {amount: 5, currency: EUR}\naggregation: sum",
    )
    found = findings(tmp_path, rule("xx-test-r", "{fact: practice.consent.explicit, eq: false}"), head=head)
    assert codes(found) == [("penalty-tier-unused", "warning", 14)]


def test_a_rule_testing_another_markets_presence_is_a_warning(tmp_path: Path) -> None:
    when = """
    all:
      - {fact: practice.consent.explicit, eq: false}
      - {fact: product.markets, contains: CN}
    """
    found = findings(tmp_path, rule("xx-test-isolation", when))
    assert [(f.code, f.level) for f in found] == [("market-reference", "warning")]


def _with_exception(rule_text: str, start: str, until: str | None, unless: str) -> str:
    """``rule_text`` with one exception (carve-out) in force from ``start`` (to ``until``)."""
    lines = (
        [f"      - from: {start}"]
        + ([f"        until: {until}"] if until else [])
        + [
            "        citation: Art. 3",
            "        source: https://eur-lex.europa.eu/eli/reg/2016/679/oj#art_3",
            f"        unless: {unless}",
        ]
    )
    return rule_text.replace(
        "    penalty: only\n", "    exceptions:\n" + "\n".join(lines) + "\n    penalty: only\n"
    )


def test_an_earlier_version_that_can_never_hold_is_a_warning_naming_its_days(tmp_path: Path) -> None:
    """The latest version is fine; in 2021 an exception carved out the whole condition."""
    when = "{fact: practice.consent.explicit, eq: false}"
    text = _with_exception(
        rule("xx-test-suspended", when),
        "2021-01-01",
        "2021-12-31",
        "{fact: practice.consent.explicit, eq: false}",
    )
    found = findings(tmp_path, text)
    assert codes(found) == [("condition-version-never-holds", "warning", HEAD.count("\n") + 8)]
    assert "its version of 2021-01-01 to 2021-12-31 can never hold where xx-test applies" in found[0].message
    assert "practice.consent.explicit eq False" in found[0].message  # the conflict, with its lines


def test_earlier_versions_that_can_hold_and_the_latest_version_are_not_reported_twice(tmp_path: Path) -> None:
    when = "{fact: practice.consent.explicit, eq: false}"
    narrower = _with_exception(  # 2021 carves out sold data only: that version can still hold
        rule("xx-test-narrower", when), "2021-01-01", "2021-12-31", "{fact: practice.sold, eq: true}"
    )
    assert findings(tmp_path, narrower) == []
    forever = _with_exception(  # no end: the latest version never holds, an error reported once
        rule("xx-test-forever", when), "2021-01-01", None, "{fact: practice.consent.explicit, eq: false}"
    )
    assert [(f.code, f.level) for f in findings(tmp_path, forever)] == [("condition-unsatisfiable", "error")]


def test_lint_runs_the_static_checks(tmp_path: Path) -> None:
    path = tmp_path / "test.yaml"
    path.write_text(
        HEAD
        + rule(
            "xx-test-never",
            """
            all:
              - {fact: practice.consent.explicit, eq: true}
              - {fact: practice.consent.explicit, eq: false}
            """,
        )
    )
    found = lint(path)
    assert any(f.code == "condition-unsatisfiable" and f.file == str(path) for f in found)
    assert any(
        str(f).startswith(f"{path}:{HEAD.count(chr(10)) + 8}: error: [condition-unsatisfiable]")
        for f in found
    )


def test_the_shipped_rulesets_have_no_static_errors() -> None:
    found = static_checks.run(load_rulesets())
    errors = [str(f) for f in found if f.level == "error"]
    assert errors == []


def test_an_official_source_lints_clean_and_keeps_its_references(tmp_path: Path) -> None:
    body = rule("xx-test-r", "{fact: practice.consent.explicit, eq: false}").replace(
        "    severity:",
        '    references: [{label: "A commentary", url: "https://blog.example.com/a"}]\n    severity:',
    )
    path = tmp_path / "test.yaml"
    path.write_text(HEAD + body)
    assert [f for f in static_checks.run(load_rulesets(path)) if f.code.startswith("source-")] == []
    refs = load_rulesets(path).rules[0].references
    assert [(r.label, r.url) for r in refs] == [("A commentary", "https://blog.example.com/a")]


@pytest.mark.parametrize(
    ("old", "new", "what"),
    [
        ("    source: https://eur-lex", "    source: https://blog.example.com/x#", "rule xx-test-r"),
        (
            "    source: https://eur-lex",
            "    source: https://curia.europa.eu/juris/x#",
            "xx-test: penalty tier 'only'",
        ),
        ("  source: https://eur-lex", "  source: http://fliphtml5.com/gdpr#", "instrument xx-test"),
    ],
)
def test_lint_rejects_a_source_outside_the_official_sites_at_its_line(
    tmp_path: Path, old: str, new: str, what: str
) -> None:
    text = HEAD + rule("xx-test-r", "{fact: practice.consent.explicit, eq: false}")
    if what.startswith("rule"):
        head, _, tail = text.partition("rules:\n")
        text = head + "rules:\n" + tail.replace(old, new, 1)
    else:
        text = text.replace(old, new, 1)
    path = tmp_path / "test.yaml"
    path.write_text(text)
    found = [str(f) for f in lint(path) if f.code.startswith("source-")]
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith(new))
    assert len(found) == 1, found
    assert found[0].startswith(f"{path}:{line}: error: [source-not-official] {what}: ")
    assert "list this URL under references" in found[0]


def test_lint_rejects_a_penalty_tier_without_a_source(tmp_path: Path) -> None:
    head = HEAD.replace("    source: https://eur-lex.europa.eu/eli/reg/2016/679/oj#art_83\n", "")
    found = findings(tmp_path, rule("xx-test-r", "{fact: practice.consent.explicit, eq: false}"), head=head)
    assert [(f.code, f.line, f.message) for f in found] == [
        (
            "source-missing",
            10,
            "xx-test: penalty tier 'only' has no source: link the official text (law-reference §9)",
        )
    ]
