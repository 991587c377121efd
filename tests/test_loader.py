"""A ruleset that does not validate stops the load with file:line: message."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.core.yamlio import YamlError
from engine.law.loader import load_instrument
from engine.law.parameters import RulesetError

GOOD = """\
instrument:
  id: xx-test
  title: Test instrument
  short: TEST
  jurisdiction: EU
  in_force: 2020-01-01
  source: https://example.org/law
  scope: {fact: product.markets, contains: EU}
penalty_tiers:
  only:
    citation: Art. 1
    max: {amount: 100, currency: EUR}
aggregation: sum
rules:
  - id: xx-test-rule
    title: A rule
    citation: Art. 2
    source: https://example.org/law#2
    severity: low
    effective: {from: 2020-01-01}
    subject: practice
    when: {fact: practice.consent.explicit, eq: false}
    penalty: only
    remediation: Fix it.
    examples:
      violating: [{id: a, markets: [EU], data_practices: [{id: p}]}]
      compliant: [{id: a, markets: [EU], data_practices: [{id: p, consent: {explicit: true}}]}]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "test.yaml"
    path.write_text(text)
    return path


def test_good_ruleset_loads(tmp_path: Path) -> None:
    inst = load_instrument(_write(tmp_path, GOOD))
    assert [r.id for r in inst.rules] == ["xx-test-rule"]
    assert inst.rules[0].line == 15


@pytest.mark.parametrize(
    ("old", "new", "line", "fragment"),
    [
        (
            "when: {fact: practice.consent.explicit, eq: false}",
            "when: {fact: practice.consent.explicite, eq: false}",
            22,
            "unknown fact path 'practice.consent.explicite'",
        ),
        ("eq: false}", "eq: maybe}", 22, "true or false"),
        (
            "when: {fact: practice.consent.explicit, eq: false}",
            "when: {fact: practice.data_categories, contains: user.biometrix}",
            22,
            "unknown data-category key 'user.biometrix'",
        ),
        (
            "when: {fact: practice.consent.explicit, eq: false}",
            "when: {fact: practice.consent.explicit, like: false}",
            22,
            "unknown operator 'like'",
        ),
        ("penalty: only", "penalty: missing", 23, "penalty tier 'missing' is not defined"),
        ("severity: low", "severity: dire", 20, "severity"),
        (
            "effective: {from: 2020-01-01}",
            "effective: {from: 2020-01-01, until: 2019-01-01}",
            21,
            "before effective.from",
        ),
        ("source: https://example.org/law#2", "source: example.org", 19, "source"),
        (
            "source: https://example.org/law#2\n",
            "source: https://example.org/law#2\n    references: [{label: A note, url: not-a-url}]\n",
            20,
            "references.0.url",
        ),
        (
            "source: https://example.org/law#2\n",
            "source: https://example.org/law#2\n    references: [{url: https://example.org/n}]\n",
            20,
            "references.0.label",
        ),
        ("      compliant: [", "      compliant: []\n      x: [", 27, "examples"),
        ("  id: xx-test\n", "  id: xx-test\n  id2: 3\n", 3, "id2"),
        ("subject: practice", "subject: product", 22, "not available to subject 'product'"),
        (
            "when: {fact: practice.consent.explicit, eq: false}",
            "when: {fact: practice.retention_days, contains: 3}",
            22,
            "needs a list fact",
        ),
        ("when: {fact: practice.consent.explicit, eq: false}", "when: {all: []}", 22, "non-empty list"),
        (
            "when: {fact: practice.consent.explicit, eq: false}",
            "when: {fact: practice.consent.explicit, eq: !!python/object:os.system x}",
            22,
            "",
        ),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, old: str, new: str, line: int, fragment: str) -> None:
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises((RulesetError, YamlError)) as caught:
        load_instrument(path)
    err = caught.value
    assert err.file == str(path)
    assert str(err).startswith(f"{path}:{err.line}: ")
    assert abs(err.line - line) <= 1, (err.line, str(err))
    assert fragment in str(err)


def test_malformed_yaml_names_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("severity: low", "severity: [low"))
    with pytest.raises(YamlError) as caught:
        load_instrument(path)
    assert caught.value.line >= 20 and "invalid YAML" in str(caught.value)


def test_duplicate_rule_ids(tmp_path: Path) -> None:
    rule = GOOD[GOOD.index("  - id: xx-test-rule") :]
    path = _write(tmp_path, GOOD + rule)
    with pytest.raises(RulesetError, match="duplicate rule id 'xx-test-rule'"):
        load_instrument(path)


def test_fast_loader_reads_every_shipped_file_as_ruamel_does() -> None:
    from engine.core.resources import rulesets_dir
    from engine.core.yamlio import load_fast, load_with_lines, plain

    files = sorted(rulesets_dir().rglob("*.yaml"))
    assert files
    for path in files:
        text = path.read_text()
        assert load_fast(path, text) == plain(load_with_lines(path, text)), path


def test_yaml_1_2_scalars(tmp_path: Path) -> None:
    from engine.core.yamlio import load_fast

    data = load_fast("x.yaml", "a: [NO, yes, on, true, 1:20, 0.5, 2020-01-01, 010]")
    import datetime as dt

    assert data["a"] == ["NO", "yes", "on", True, "1:20", 0.5, dt.date(2020, 1, 1), 10]
