"""Citations expand into the provisions regulators' decisions are matched against."""

from __future__ import annotations

import pytest

from engine.law.citations import all_provisions, article_of, paragraph_of, provisions


@pytest.mark.parametrize(
    ("citation", "expected"),
    [
        ("GDPR Arts. 12(1), 13(1)-(2)", ["GDPR Art. 12(1)", "GDPR Art. 13(1)", "GDPR Art. 13(2)"]),
        ("GDPR Art. 9(2)(b), (e)", ["GDPR Art. 9(2)(b)", "GDPR Art. 9(2)(e)"]),
        ("GDPR Arts. 44-46", ["GDPR Art. 44", "GDPR Art. 45", "GDPR Art. 46"]),
        ("GDPR Art. 46(1); CJEU C-311/18 Schrems II", ["GDPR Art. 46(1)", "CJEU C-311/18 Schrems II"]),
        (
            "Civ. Code §§1798.120(a)-(b), 1798.135(a)(1), (b); 11 CCR §7026(a)(1)",
            [
                "Civ. Code §1798.120(a)",
                "Civ. Code §1798.120(b)",
                "Civ. Code §1798.135(a)(1)",
                "Civ. Code §1798.135(b)",
                "11 CCR §7026(a)(1)",
            ],
        ),  # fmt: skip
        ("11 CCR §7150 et seq. (effective 2026-01-01)", ["11 CCR §7150"]),
        ("Bus. & Prof. Code §22757.3.1(a) (AB 853; from 2027-01-01)", ["Bus. & Prof. Code §22757.3.1(a)"]),
        ("AI Act Art. 50(4) first subparagraph, Art. 3(60)", ["AI Act Art. 50(4)", "AI Act Art. 3(60)"]),
    ],
)
def test_provisions(citation: str, expected: list[str]) -> None:
    assert provisions(citation) == expected


def test_article_and_paragraph_keys() -> None:
    assert article_of("GDPR Art. 13(1)(a)") == "GDPR Art. 13"
    assert paragraph_of("GDPR Art. 13(1)(a)") == "GDPR Art. 13(1)"
    assert paragraph_of("Civ. Code §1798.135(a)(1)") == "Civ. Code §1798.135(a)"
    assert article_of("11 CCR §7026(d)") == "11 CCR §7026"
    assert article_of("CJEU C-252/21") == "CJEU C-252/21"


def test_a_rule_adds_what_regulators_cite(ruleset) -> None:
    rule = ruleset.rules_by_id["eu-gdpr-notice-direct-collection"]
    assert {"GDPR Art. 5(1)(a)", "GDPR Art. 12(1)", "GDPR Art. 13(1)"} <= set(rule.provisions())
    assert rule.citation_practice
    assert all_provisions("GDPR Art. 6(1)", ["GDPR Art. 6(1)", "GDPR Art. 9(1)"]) == (
        "GDPR Art. 6(1)",
        "GDPR Art. 9(1)",
    )


def test_every_rule_cites_at_least_its_own_citation(ruleset) -> None:
    for rule in ruleset.rules:
        assert rule.provisions(), rule.id
        assert set(provisions(rule.citation)) <= set(rule.provisions()), rule.id
