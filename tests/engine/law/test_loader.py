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


def test_the_reader_reads_every_shipped_file_as_pyyaml_does() -> None:
    """The one reader agrees with PyYAML's safe loader told that only true/false are booleans (YAML
    1.2: NO is Norway, which the EU rules name); the shipped files have no octal-looking numbers."""
    import re

    import yaml

    from engine.core.resources import rulesets_dir
    from engine.core.yamlio import load_with_lines, plain

    class Yaml12Booleans(yaml.SafeLoader):
        yaml_implicit_resolvers = {
            first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
            for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }

    Yaml12Booleans.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    files = sorted(rulesets_dir().rglob("*.yaml"))
    assert files
    norway = 0
    for path in files:
        text = path.read_text()
        expected = yaml.load(text, Loader=Yaml12Booleans)  # noqa: S506 - a safe loader
        assert plain(load_with_lines(path, text)) == expected, path
        norway += expected != yaml.safe_load(text)
    assert norway  # YAML 1.1 would read some file differently: the comparison can tell them apart


def test_yaml_1_2_scalars() -> None:
    import datetime as dt

    from engine.core.yamlio import load_untrusted, load_with_lines

    text = "a: [NO, yes, on, true, 1:20, 0.5, 2020-01-01, 010, 0x1F, 0o17, ~]"
    expected = ["NO", "yes", "on", True, "1:20", 0.5, dt.date(2020, 1, 1), 10, 31, 15, None]
    assert load_with_lines("x.yaml", text)["a"] == expected
    expected[6] = "2020-01-01"  # a description holds no dates: it stays text
    assert load_untrusted("x.yaml", text)["a"] == expected


def test_positions_are_kept_for_every_key_and_item() -> None:
    from engine.core.spans import Span
    from engine.core.yamlio import YamlMap, line_of, load_with_lines, span_of

    text = "top:\n  list:\n    - one\n    - {k: v}\n    -\n      - deep\n  other: 1\n"
    doc = load_with_lines("f.yaml", text)
    assert isinstance(doc, YamlMap) and doc == {"top": {"list": ["one", {"k": "v"}, ["deep"]], "other": 1}}
    assert span_of(doc, ["top"]) == Span("f.yaml", 1, 1)
    assert span_of(doc, ["top", "list", 1]) == Span("f.yaml", 4, 7)
    assert span_of(doc, ["top", "list", 1, "k"]) == Span("f.yaml", 4, 8)
    assert span_of(doc, ["top", "list", 2, 0]) == Span("f.yaml", 6, 9)
    assert line_of(doc, ["top", "other"]) == 7
    assert line_of(doc, ["top", "missing", "deeper"]) == 1  # the deepest part the document has
    assert str(span_of(doc, ["top", "list"])) == "f.yaml:2"


def test_anchors_merge_keys_and_an_alias_bomb_in_a_trusted_file() -> None:
    from engine.core.yamlio import TRUSTED, Policy, YamlError, line_of, load_with_lines, read

    doc = load_with_lines("f.yaml", "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\nagain: *b\n")
    assert doc == {"base": {"x": 1, "y": 2}, "use": {"x": 1, "y": 3}, "again": {"x": 1, "y": 2}}
    assert (
        list(doc["use"]) == ["x", "y"] and line_of(doc, ["use", "y"]) == 4 and line_of(doc, ["use", "x"]) == 1
    )
    # every alias counts the values it stands for: 9 levels of 9 aliases are refused, not walked
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{b}: &{b} [{','.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    )
    with pytest.raises(YamlError, match="more than 2000000 values"):
        load_with_lines("bomb.yaml", bomb)
    small = Policy(True, True, True, 100, TRUSTED.max_nodes, TRUSTED.max_depth, "this file")
    with pytest.raises(YamlError, match="larger than 100 bytes"):
        read("big.yaml", "a: " + "x" * 200, small)
    with pytest.raises(YamlError, match="nested more than 128"):
        load_with_lines("deep.yaml", "[" * 200 + "]" * 200)
    with pytest.raises(YamlError, match="appears twice"):
        load_with_lines("dup.yaml", "when: 1\nwhen: 2\n")
    with pytest.raises(YamlError, match="is not accepted"):
        load_with_lines("tag.yaml", "a: !!python/object/apply:os.system ['true']\n")


def test_a_rule_and_its_examples_carry_their_spans(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    inst = load_instrument(path)
    rule = inst.rules[0]
    assert (rule.span.file, rule.span.line, rule.span.column) == (str(path), 15, 5)
    assert [e.span.line for e in (*rule.violating, *rule.compliant)] == [26, 27]
    assert inst.span.line == 1 and inst.penalty_tiers["only"].span.line == 10
