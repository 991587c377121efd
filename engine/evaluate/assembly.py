"""The report of one evaluation, assembled from the decider's answers in named steps.

:func:`assemble` judges every instrument and decided rule (:mod:`engine.evaluate.verdicts`),
puts each list in its report order, prices the exposure (:mod:`engine.evaluate.exposure`),
adds what would bound an open-ended penalty, and sums up.
"""

from __future__ import annotations

from engine.core.jurisdictions import markets_of
from engine.evaluate.exposure import Pricing, open_ended
from engine.evaluate.verdicts import Case, Judge
from engine.law.severity import SEVERITIES
from engine.report.model import EngineInfo, Exposure, Report, Summary, Violation


def assemble(case: Case, engine: EngineInfo) -> Report:
    """The report of ``case``: verdicts, then order, exposure and summary."""
    pricing = Pricing(case.law, case.product, case.as_of)
    findings = Judge(case, pricing).all()
    findings.sort()  # the violations in report order before they are priced together
    exposure = pricing.exposures(findings.violations)
    findings.insufficient += open_ended(exposure)
    findings.sort()
    return Report(
        product_id=case.product.id,
        as_of=case.as_of,
        markets=markets_of(case.product.markets, offered=True),
        engine=engine,
        summary=summarise(case, findings.violations, exposure),
        violations=findings.violations,
        not_applicable=findings.not_applicable,
        insufficient_information=findings.insufficient,
        upcoming=findings.upcoming,
        upcoming_penalty_changes=pricing.changes(),
    )


def summarise(case: Case, violations: list[Violation], exposure: list[Exposure]) -> Summary:
    """Counts by severity and by jurisdiction (every jurisdiction of the rulesets), and the exposure."""
    by_jurisdiction = {j: 0 for j in sorted({i.jurisdiction for i in case.ruleset.instruments})}
    for v in violations:
        by_jurisdiction[v.jurisdiction] += 1
    return Summary(
        violations=len(violations),
        by_severity={s: sum(1 for v in violations if v.severity == s) for s in SEVERITIES},
        by_jurisdiction=by_jurisdiction,
        exposure=exposure,
    )
