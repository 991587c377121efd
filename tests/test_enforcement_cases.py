"""A public enforcement corpus: regulint finds what regulators found, cites what they cited and
prices what it cost.

Each file in tests/cases/ is one published final decision (EU DPAs and EDPB-driven DPC decisions,
CAC and local Chinese authorities, the California Attorney General and the CPPA): ``decision``
(authority, reference, date, link to the authority's page as recorded; the links were not opened
in this session), ``cited`` (the provisions the decision cites, one per entry), ``instruments``
(regulint ids of the instruments it applied), ``fine`` (or null), ``product`` (a description of
what the decision established) and ``remedied`` (a set-patch: the same product with the failings
fixed). Each product is evaluated against the law in force on ``DAY`` (regulint does not encode
the CCPA's 2020-2022 text), and the test prints, and holds above the targets of issue #11:

- article recall: share of the cited articles found among the reported violations' citations;
- paragraph recall: the same at paragraph level (``Art. 13(1)``; an article cited without a
  paragraph is matched at article level);
- instrument recall: share of the applied instruments with at least one violation;
- fines in range: the fine lies inside the computed exposure of the instrument (an open-ended
  maximum counts only when the description gives no figure that would bound it);
- twins clean: the remedied product has no violation at all.

No case has a rule of its own: each passes because a general rule covers it.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from engine.core.docpath import set_path
from engine.core.fx import fx_rates
from engine.evaluate.evaluator import Evaluator
from engine.facts.inputs import product_from_data
from engine.law.citations import article_of, paragraph_of, provisions
from engine.report.model import Report

CASES = Path(__file__).parent / "cases"
DAY = dt.date(2026, 11, 30)
TARGETS = {"article": 0.95, "paragraph": 0.85, "instrument": 1.0}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def remedied(case: dict) -> dict:
    doc = copy.deepcopy(case["product"])
    for path, value in case["remedied"].get("set", {}).items():
        set_path(doc, path, value)
    return doc


def _keys(cited: list[str]) -> tuple[set[str], set[str]]:
    arts, paras = set(), set()
    for c in cited:
        for p in provisions(c):
            arts.add(article_of(p))
            paras.add(paragraph_of(p))
    return arts, paras


def _in_range(report: Report, case: dict) -> bool | None:
    fine = case.get("fine")
    if not fine:
        return None
    for exp in report.summary.exposure:
        if exp.instrument not in case["instruments"]:
            continue
        amount = fx_rates().convert(Decimal(str(fine["amount"])), fine["currency"], exp.currency, DAY)
        # an open-ended maximum (max null) bounds nothing: the case description gives every figure the
        # decision gives (turnover, consumers affected), so it is open only where the decision is too.
        # Where the law reserves a higher tier for aggravated cases (PIPL Art. 66(2): "serious
        # circumstances"), the report shows that ceiling beside the default; a decision that found the
        # aggravation is measured against it.
        mine = [
            v.penalty
            for v in report.violations
            if v.instrument in exp.instruments and v.penalty.aggravated_tier
        ]
        ceilings = [exp.max] + [p.aggravated_max for p in mine]
        high = None if any(c is None for c in ceilings) else max(ceilings)
        if exp.min <= amount and (high is None or amount <= high * Decimal("1.000001")):
            return True
    return False


@dataclass
class Tally:
    articles: list[int] = field(default_factory=lambda: [0, 0])
    paragraphs: list[int] = field(default_factory=lambda: [0, 0])
    instruments: list[int] = field(default_factory=lambda: [0, 0])
    fines: list[int] = field(default_factory=lambda: [0, 0])
    twins: list[int] = field(default_factory=lambda: [0, 0])
    misses: list[str] = field(default_factory=list)
    fines_out: set[str] = field(default_factory=set)


@pytest.fixture(scope="module")
def tally(durable: Evaluator) -> Tally:
    t = Tally()
    for path in sorted(CASES.glob("*.json")):
        case = load(path)
        report = durable.evaluate(product_from_data(case["product"]), DAY)
        found = [c for v in report.violations for c in (v.citations or provisions(v.citation))]
        f_arts, f_paras = _keys(found)
        arts, _ = _keys(case["cited"])
        for c in case["cited"]:
            for p in provisions(c):
                art, para = article_of(p), paragraph_of(p)
                t.articles[1] += 1
                t.paragraphs[1] += 1
                if art in f_arts:
                    t.articles[0] += 1
                else:
                    t.misses.append(f"{path.stem}: article {art}")
                if para in f_paras or (para == art and art in f_arts):
                    t.paragraphs[0] += 1
                else:
                    t.misses.append(f"{path.stem}: paragraph {para}")
        hit = {v.instrument for v in report.violations}
        for inst in case["instruments"]:
            t.instruments[1] += 1
            if inst in hit:
                t.instruments[0] += 1
            else:
                t.misses.append(f"{path.stem}: instrument {inst}")
        ok = _in_range(report, case)
        if ok is not None:
            t.fines[1] += 1
            t.fines[0] += ok
            if not ok:
                t.fines_out.add(path.stem)
                t.misses.append(
                    f"{path.stem}: fine {case['fine']} outside {[(e.instrument, str(e.min), str(getattr(e, 'max', None))) for e in report.summary.exposure]}"
                )
        twin = durable.evaluate(product_from_data(remedied(case)), DAY)
        t.twins[1] += 1
        t.twins[0] += not twin.violations
        if twin.violations:
            t.misses.append(f"{path.stem}: twin not clean: {sorted({v.rule_id for v in twin.violations})}")
    return t


def _rate(pair: list[int]) -> float:
    return pair[0] / pair[1] if pair[1] else 1.0


def test_corpus_size() -> None:
    cases = [load(p) for p in CASES.glob("*.json")]
    assert len(cases) >= 40
    markets = {m for c in cases for m in c["product"]["markets"]}
    assert {"CN", "US-CA"} <= markets and markets & {"EU", "FR", "IT", "IE", "NL", "DE", "ES", "GR", "LT"}
    for c in cases:
        assert c["decision"]["url"].startswith("http") and c["decision"]["date"], c["decision"]
        assert c["instruments"] and c["remedied"]["set"], c["decision"]["reference"]


def test_corpus_metrics(tally: Tally) -> None:
    print(
        f"\ncorpus: article recall {_rate(tally.articles):.1%} ({tally.articles[0]}/{tally.articles[1]}), "
        f"paragraph recall {_rate(tally.paragraphs):.1%} ({tally.paragraphs[0]}/{tally.paragraphs[1]}), "
        f"instrument recall {_rate(tally.instruments):.1%} ({tally.instruments[0]}/{tally.instruments[1]}), "
        f"fines in range {tally.fines[0]}/{tally.fines[1]}, twins clean {tally.twins[0]}/{tally.twins[1]}"
    )
    for miss in tally.misses:
        print("  miss:", miss)
    assert _rate(tally.articles) >= TARGETS["article"]
    assert _rate(tally.paragraphs) >= TARGETS["paragraph"]
    assert _rate(tally.instruments) >= TARGETS["instrument"]
    assert not tally.fines_out, sorted(tally.fines_out)
    assert tally.twins[0] == tally.twins[1]
