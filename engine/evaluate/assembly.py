"""The report of one evaluation, assembled from the decider's answers in named steps.

:func:`assemble` judges every instrument and decided rule (:mod:`engine.evaluate.verdicts`),
puts each list in its report order, prices the exposure (:mod:`engine.evaluate.exposure`),
adds what would bound an open-ended penalty, and sums up.
"""

from __future__ import annotations

from engine.core.jurisdictions import markets_of
from engine.evaluate.exposure import Priced, Pricing
from engine.evaluate.verdicts import Case, Judge
from engine.law.severity import SEVERITIES
from engine.report.model import EngineInfo, Exposure, Report, Summary


def assemble(case: Case, engine: EngineInfo) -> Report:
    """The report of ``case``: verdicts, then order, exposure and summary."""
    pricing = Pricing(case.law, case.product, case.as_of)
    findings = Judge(case, pricing).all()
    findings.sort()  # the violations in report order before they are priced together
    exposure = pricing.exposures(findings.priced)
    findings.insufficient += pricing.open_ended(exposure)
    findings.sort_insufficient()
    return Report(
        product_id=case.product.id,
        as_of=case.as_of,
        markets=markets_of(case.product.markets, offered=True),
        engine=engine,
        summary=summarise(case, findings.priced, exposure),
        violations=findings.violations,
        not_applicable=findings.not_applicable,
        insufficient_information=findings.insufficient,
        upcoming=findings.upcoming,
        upcoming_penalty_changes=pricing.changes(),
    )


def summarise(case: Case, violations: list[Priced], exposure: list[Exposure]) -> Summary:
    """Counts by severity and by jurisdiction (every jurisdiction of the rulesets), and the exposure."""
    by_jurisdiction = {j: 0 for j in sorted({i.jurisdiction for i in case.ruleset.instruments})}
    by_severity = {s: 0 for s in SEVERITIES}
    for v in violations:
        by_jurisdiction[v.dates.inst.jurisdiction] += 1
        by_severity[v.dates.rule.severity] += 1
    return Summary(
        violations=len(violations),
        by_severity=by_severity,
        by_jurisdiction=by_jurisdiction,
        exposure=exposure,
    )
