"""Law model v2 (#10): dated parameters and tiers defined once, one rule per obligation with one id
forever, dated exceptions, and reports that tell new duties from re-priced ones."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from pathlib import Path

import pytest

from engine.core.resources import rulesets_dir
from engine.evaluate.evaluator import Evaluator
from engine.facts.inputs import product_from_data
from engine.law.loader import load_rulesets, ruleset_files
from engine.law.model import RuleSet
from engine.law.parameters import RulesetError

_YEAR = re.compile(r"-(19|20)\d\d$")


def test_no_rule_or_tier_id_carries_a_year_and_every_tier_is_defined_once(ruleset: RuleSet) -> None:
    assert not [r.id for r in ruleset.rules if _YEAR.search(r.id)]
    assert not [t for t in ruleset.tiers if _YEAR.search(t)]
    for path in ruleset_files():
        text = path.read_text(encoding="utf-8")
        assert "\npenalty_tiers:" not in text, f"{path}: tiers belong in rulesets/tiers, defined once"
        # no anchor on a rule or on one of its fields: no YAML copy of a rule (a list of dated
        # exceptions that several rules share, like the EU-US frameworks, is data, not a copy)
        rules = text[text.index("\nrules:") :]
        assert not re.search(r"^  - &|^    (?!exceptions)[a-z_]+: &", rules, re.MULTILINE), path
    citations = [t.citation for t in ruleset.tiers.values()]
    assert len(citations) == len(set(citations)), "two tiers cite the same provision"


def test_a_year_suffixed_rule_id_is_refused(tmp_path: Path) -> None:
    src = (rulesets_dir() / "eu" / "dsa.yaml").read_text(encoding="utf-8")
    first = re.search(r"- id: (\S+)", src).group(1)
    (tmp_path / "dsa.yaml").write_text(src.replace(f"- id: {first}", f"- id: {first}-2024", 1))
    with pytest.raises(RulesetError, match="ends in a year"):
        load_rulesets(tmp_path)


def _ids(report) -> set[tuple[str, str]]:
    return {(v.rule_id, v.subject.path) for v in report.violations}


@pytest.mark.parametrize("seed", ["adtech-sdk.json", "faceswap-zao-style.json", "kids-game.json"])
def test_an_unchanged_product_keeps_every_rule_id_across_the_2025_cpi_adjustment(
    seed: str, durable: Evaluator, load_seed
) -> None:
    product = product_from_data(load_seed(seed))
    before = durable.evaluate(product, dt.date(2024, 12, 31))
    after = durable.evaluate(product, dt.date(2025, 1, 1))
    ccpa = {k for k in _ids(before) | _ids(after) if k[0].startswith("us-ca-ccpa")}
    assert ccpa, "the seed should violate the CCPA on both days"
    assert _ids(before) == _ids(after)
    # the re-pricing is announced the day before, not as 'upcoming' duties
    assert not {u.rule_id for u in before.upcoming} & {v.rule_id for v in before.violations}
    repriced = {c.rule_id for c in before.upcoming_penalty_changes if c.effective_from == dt.date(2025, 1, 1)}
    assert repriced and repriced <= {v.rule_id for v in before.violations}


def test_faceswap_upcoming_lists_new_duties_only_and_penalty_changes_apart(
    durable: Evaluator, load_seed
) -> None:
    day = dt.date(2025, 10, 1)
    report = durable.evaluate(product_from_data(load_seed("faceswap-zao-style.json")), day)
    in_force = {v.rule_id for v in report.violations}
    assert report.upcoming, "the seed breaks duties that start later (AI Act Art. 50, SB 942)"
    for u in report.upcoming:
        assert u.rule_id not in in_force, u.rule_id
        assert u.effective_from > day
        rule = durable.ruleset.rules_by_id[u.rule_id]
        assert max(rule.effective.from_, durable.ruleset.instrument(rule.instrument_id).in_force) > day
    changes = report.upcoming_penalty_changes
    assert changes and {c.rule_id for c in changes} <= in_force
    cn = [c for c in changes if c.jurisdiction == "CN"]
    assert cn and all(c.effective_from == dt.date(2026, 1, 1) and c.new_max > c.old_max for c in cn)
    # the general security duty's maximum rises with the amended Cybersecurity Law; the content duty's
    # default (a fine on refusal to correct) does not, only its serious-cases ceiling (#18)
    csl = next(c for c in cn if c.tier == "cn-csl-general")
    assert (csl.old_max, csl.new_max) == (100_000, 2_000_000)
    assert not [c for c in cn if c.tier == "cn-csl-content-refusal"]


def test_faceswap_cn_exposure_counts_pipl_art_66_once(durable: Evaluator, load_seed) -> None:
    report = durable.evaluate(product_from_data(load_seed("faceswap-zao-style.json")), dt.date(2026, 3, 1))
    pipl = [v for v in report.violations if v.penalty.tier == "cn-pipl-66-1"]
    assert len({v.instrument for v in pipl}) > 1, "PIPL Art. 66 backs duties of several CN instruments"
    assert all(v.penalty.aggravated_tier == "cn-pipl-66-2" for v in pipl)  # the serious tier is the ceiling
    cn = [e for e in report.summary.exposure if e.jurisdiction == "CN"]
    holding = [e for e in cn if "cn-pipl-66-1" in e.tiers]
    assert len(holding) == 1
    assert {v.instrument for v in pipl} <= set(holding[0].instruments)
    cap = max(v.penalty.max for v in report.violations if v.instrument in holding[0].instruments)
    assert holding[0].max == cap
    # every violation is judged under a stated version of its rule
    for v in report.violations:
        assert v.period is not None and v.period.from_ <= dt.date(2026, 3, 1)
        assert v.period.until is None or v.period.until >= dt.date(2026, 3, 1)


def _eu_transfer(transfer: dict) -> dict:
    return {
        "id": "photo-app",
        "markets": ["EU"],
        "organization": {"name": "Example GmbH", "headquarters": "DE", "establishments": ["DE"]},
        "data_practices": [
            {
                "id": "account",
                "data_categories": ["user.contact.email"],
                "data_subjects": ["customer"],
                "purpose": "essential.service",
                "legal_basis": "contract",
                "transfers": [transfer],
            }
        ],
    }


def _transfer_findings(durable: Evaluator, transfer: dict, day: dt.date) -> set[str]:
    report = durable.evaluate(product_from_data(_eu_transfer(transfer)), day)
    return {v.rule_id for v in report.violations if v.subject.kind == "transfer"}


def test_japan_is_adequate_from_2019_01_23(durable: Evaluator) -> None:
    japan = {"to": "JP", "mechanism": "adequacy"}
    assert "eu-gdpr-transfer-safeguard" in _transfer_findings(durable, japan, dt.date(2018, 12, 1))
    assert "eu-gdpr-transfer-safeguard" not in _transfer_findings(durable, japan, dt.date(2019, 2, 1))


def test_privacy_shield_holds_until_schrems_ii(durable: Evaluator) -> None:
    shield = {"to": "US", "mechanism": "adequacy", "recipient_privacy_shield_certified": True}
    assert "eu-gdpr-transfer-safeguard" not in _transfer_findings(durable, shield, dt.date(2020, 1, 1))
    after = durable.evaluate(product_from_data(_eu_transfer(shield)), dt.date(2020, 8, 1))
    found = [v for v in after.violations if v.rule_id == "eu-gdpr-transfer-safeguard"]
    assert found and found[0].period.from_ == dt.date(2020, 7, 16)
    dpf = {"to": "US", "mechanism": "adequacy", "recipient_dpf_certified": True}
    assert "eu-gdpr-transfer-safeguard" in _transfer_findings(durable, dpf, dt.date(2023, 7, 9))
    assert "eu-gdpr-transfer-safeguard" not in _transfer_findings(durable, dpf, dt.date(2023, 7, 10))


def test_epochs_are_compiled_lazily_and_shared(ruleset: RuleSet) -> None:
    ev = Evaluator(ruleset, "reference")
    assert not ev._by_epoch
    a = ev.compiled_at(dt.date(2026, 3, 1))
    assert ev.compiled_at(dt.date(2026, 3, 2)) is a
    assert len(ev._by_epoch) == 1


_TIER_FILE = """
tiers:
  xx-fine:
    citation: Test Act Art. 9
    currency: EUR
    max:
      - {from: 2020-01-01, value: {amount: 1000, currency: EUR}, reference: https://eur-lex.europa.eu/x}
"""

_INSTRUMENT = """
instrument:
  id: xx-test
  title: Test Act
  short: Test Act
  jurisdiction: EU
  in_force: 2020-01-01
  source: https://eur-lex.europa.eu/x
  scope: {fact: product.markets, contains: EU}
aggregation: sum
rules:
  - id: xx-test-consent
    title: Consent
    citation: Test Act Art. 1
    source: https://eur-lex.europa.eu/x
    severity: high
    effective: {from: 2020-01-01}
    subject: practice
    when:
      all:
        - {fact: practice.consent.explicit, eq: false}
        - {fact: product.audience.min_age, lt: {param: xx.age}}
    exceptions:
      - from: 2022-01-01
        citation: Test Act Art. 2
        unless: {fact: practice.legal_basis, eq: contract}
    penalty: xx-fine
    remediation: Ask.
    examples:
      violating: [{id: a, markets: [EU], audience: {min_age: 10}, data_practices: [{id: p, consent: {explicit: false}}]}]
      compliant: [{id: a, markets: [EU], audience: {min_age: 10}, data_practices: [{id: p, consent: {explicit: true}}]}]
"""

_PARAMS = """
xx:
  age:
    description: An age.
    values:
      - {from: 2020-01-01, value: 13, reference: https://eur-lex.europa.eu/x}
      - {from: 2021-01-01, value: 16, reference: https://eur-lex.europa.eu/y}
"""


def _tmp_rulesets(tmp_path: Path, tier_file: str = _TIER_FILE) -> RuleSet:
    for name, text in (
        ("tiers/xx.yaml", tier_file),
        ("parameters/xx.yaml", _PARAMS),
        ("eu/xx.yaml", _INSTRUMENT),
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return load_rulesets(tmp_path)


def _doc(min_age: int, basis: str = "consent") -> dict:
    return {
        "id": "a",
        "markets": ["EU"],
        "audience": {"min_age": min_age},
        "data_practices": [{"id": "p", "legal_basis": basis, "consent": {"explicit": False}}],
    }


def test_dated_parameters_and_exceptions_apply_per_epoch(tmp_path: Path) -> None:
    ev = Evaluator(_tmp_rulesets(tmp_path), "durable")

    def fires(doc: dict, day: str) -> bool:
        report = ev.evaluate(product_from_data(doc), dt.date.fromisoformat(day))
        return any(v.rule_id == "xx-test-consent" for v in report.violations)

    assert not fires(_doc(14), "2020-06-01")  # the age was 13 then
    assert fires(_doc(14), "2021-06-01")  # 16 from 2021
    assert fires(_doc(10, "contract"), "2021-12-31")
    assert not fires(_doc(10, "contract"), "2022-01-01")  # the exception carves contracts out
    report = ev.evaluate(product_from_data(_doc(10)), dt.date(2021, 6, 1))
    assert report.violations[0].period.from_ == dt.date(2021, 1, 1)
    assert report.violations[0].period.until == dt.date(2021, 12, 31)


def test_the_fine_changed_on_a_date_is_one_line(tmp_path: Path) -> None:
    """The worked example of docs/ruleset-authoring.md: one dated value, and reports follow."""
    changed = (
        _TIER_FILE
        + "      - {from: 2024-07-01, value: {amount: 5000, currency: EUR}, reference: https://eur-lex.europa.eu/z}\n"
    )
    ev = Evaluator(_tmp_rulesets(tmp_path, changed), "durable")
    product = product_from_data(_doc(10))
    before = ev.evaluate(product, dt.date(2024, 6, 30))
    after = ev.evaluate(product, dt.date(2024, 7, 1))
    assert before.violations[0].penalty.max == 1000 and after.violations[0].penalty.max == 5000
    assert before.violations[0].rule_id == after.violations[0].rule_id
    (change,) = before.upcoming_penalty_changes
    assert (change.rule_id, change.effective_from, change.old_max, change.new_max) == (
        "xx-test-consent", dt.date(2024, 7, 1), 1000, 5000,
    )  # fmt: skip
    assert not before.upcoming


def test_unknown_parameter_is_a_ruleset_error_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "tiers").mkdir()
    (tmp_path / "tiers" / "xx.yaml").write_text(textwrap.dedent(_TIER_FILE))
    (tmp_path / "parameters").mkdir()
    (tmp_path / "parameters" / "xx.yaml").write_text(textwrap.dedent(_PARAMS))
    (tmp_path / "eu").mkdir()
    (tmp_path / "eu" / "xx.yaml").write_text(textwrap.dedent(_INSTRUMENT).replace("xx.age", "xx.agee"))
    with pytest.raises(RulesetError, match=r"unknown parameter 'xx.agee'") as exc:
        load_rulesets(tmp_path)
    assert exc.value.line > 1


def test_ccpa_history_sale_without_link_and_ignored_signals_in_2021(durable: Evaluator) -> None:
    doc = {
        "id": "ad-app",
        "markets": ["US-CA"],
        "organization": {"name": "Example Inc.", "headquarters": "US-CA",
                         "annual_revenue": {"amount": 40_000_000, "currency": "USD"}},
        "governance": {"do_not_sell_link": False, "honors_opt_out_signals": False, "privacy_policy_published": True},
        "data_practices": [{
            "id": "ads", "data_categories": ["user.device.cookie_id"], "data_subjects": ["customer"],
            "purpose": "marketing.advertising", "sold": True,
            "recipients": [{"name": "AdTech Partners LLC", "role": "third_party", "contract": True}],
        }],
    }  # fmt: skip
    product = product_from_data(doc)
    report = durable.evaluate(product, dt.date(2021, 6, 30))
    cited = " ".join(v.citation for v in report.violations if v.instrument == "us-ca-ccpa")
    for provision in ("1798.120", "1798.135", "11 CCR §999.315"):
        assert provision in cited, (provision, cited)
    signal = next(v for v in report.violations if v.rule_id == "us-ca-ccpa-opt-out-signal")
    assert signal.source.startswith("https://oag.ca.gov/")
    assert signal.period.from_ == dt.date(2020, 8, 14) and signal.period.until == dt.date(2022, 12, 31)
    # the original Act's civil penalty, per violation: no count of consumers given, so open-ended
    assert signal.penalty.max is None and signal.penalty.per_unit == 2500
    # the same rule ids before and after the CPRA and the CPPA regulations
    later = durable.evaluate(product, dt.date(2023, 6, 1))
    ids = {v.rule_id for v in later.violations}
    assert {"us-ca-ccpa-opt-out-link", "us-ca-ccpa-opt-out-signal"} <= ids
    assert "11 CCR §§7025" in next(
        v.citation for v in later.violations if v.rule_id == "us-ca-ccpa-opt-out-signal"
    )
    # nothing before the Act
    assert not [
        v for v in durable.evaluate(product, dt.date(2019, 12, 31)).violations if v.instrument == "us-ca-ccpa"
    ]


def test_a_rule_names_its_default_and_aggravated_tier(tmp_path: Path) -> None:
    tiers = (
        _TIER_FILE
        + textwrap.dedent("""
      xx-fine-serious:
        citation: Test Act Art. 9(2)
        currency: EUR
        max:
          - {from: 2020-01-01, value: {amount: 90000, currency: EUR}, reference: https://eur-lex.europa.eu/x}
    """)
        .replace("\n", "\n  ")
        .rstrip()
        + "\n"
    )
    rulesets = _tmp_rulesets(tmp_path, tiers)
    text = (tmp_path / "eu" / "xx.yaml").read_text(encoding="utf-8")
    (tmp_path / "eu" / "xx.yaml").write_text(
        text.replace(
            "penalty: xx-fine",
            'penalty: {tier: xx-fine, aggravated: xx-fine-serious, aggravated_when: "serious circumstances"}',
        ),
        encoding="utf-8",
    )
    rulesets = load_rulesets(tmp_path)
    rule = rulesets.rules_by_id["xx-test-consent"]
    assert (rule.penalty, rule.aggravated, rule.aggravated_when) == (
        "xx-fine",
        "xx-fine-serious",
        "serious circumstances",
    )
    report = Evaluator(rulesets, "reference").evaluate(product_from_data(_doc(10)), dt.date(2021, 6, 1))
    (v,) = report.violations
    assert v.penalty.tier == "xx-fine" and v.penalty.max == 1000  # priced at the default tier
    assert (v.penalty.aggravated_tier, v.penalty.aggravated_when) == (
        "xx-fine-serious",
        "serious circumstances",
    )
    (tmp_path / "eu" / "xx.yaml").write_text(
        text.replace("penalty: xx-fine", "penalty: {tier: xx-fine, aggravated: xx-fine-serious}"),
        encoding="utf-8",
    )
    with pytest.raises(RulesetError, match="go together"):
        load_rulesets(tmp_path)
