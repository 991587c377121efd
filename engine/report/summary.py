"""``regulint check --summary``: one screen (80×40) per product — counts by severity, jurisdiction
and instrument, the top findings by severity and exposure, and the facts that would decide the rest."""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

from engine.core.fx import fx_rates
from engine.law.penalties import money, penalty_text
from engine.law.severity import SEVERITIES, SEVERITY_RANK
from engine.report.checked import Checked
from engine.report.findings import group

TOP = 8


def _usd(amount: Decimal, currency: str, day) -> Decimal:  # noqa: ANN001 - datetime.date
    try:
        return fx_rates().convert(amount, currency, "USD", day)
    except ValueError:  # a currency without a rate sorts last, it is not dropped
        return Decimal(0)


def _wrap(head: str, parts: list[str], width: int) -> list[str]:
    return textwrap.wrap(head + " · ".join(parts), width, subsequent_indent="  ") or [head]


def render_summary(items: Sequence[Checked], width: int = 80) -> str:
    """One screen per file, in the order given (each file's :func:`summary_section`)."""
    return "\n".join(summary_section(item, width) for item in items).rstrip("\n")


def summary_section(item: Checked, width: int = 80) -> str:
    """One file's screen, ending with an empty line."""
    out: list[str] = []
    rep, tri = item.report, item.triaged
    rules = len({v.rule_id for v in rep.violations})
    out += textwrap.wrap(
        f"{rep.product_id} ({item.source}) as of {rep.as_of}, markets {', '.join(rep.markets)}", width
    )
    sev = Counter(v.severity for v in rep.violations)
    out.append(
        f"{len(rep.violations)} violation(s) of {rules} rule(s): "
        + ", ".join(f"{sev[s]} {s}" for s in SEVERITIES if sev[s])
    )
    out.append(
        f"  new {tri.count('new')} · suppressed {tri.count('suppressed')} · baselined {tri.count('baselined')}"
        + (f" · expired suppressions {len(tri.expired)}" if tri.expired else "")
    )
    out += _wrap(
        "By jurisdiction: ", [f"{k} {n}" for k, n in sorted(rep.summary.by_jurisdiction.items())], width
    )
    inst = Counter(v.instrument for v in rep.violations)
    out += _wrap("By instrument: ", [f"{k} {n}" for k, n in inst.most_common()], width)
    if rep.violations:
        out.append(f"Top findings (severity, then exposure; {len(group(tri.items))} rows in the table):")
        groups = sorted(
            group(tri.new or tri.items),
            key=lambda g: (
                SEVERITY_RANK[g.severity],
                -_usd(g.first.penalty.max or 0, g.first.penalty.currency, rep.as_of),
            ),
        )
        for g in groups[:TOP]:
            v = g.first
            where = ", ".join(g.subjects)
            line = f"  {g.severity:<8} {v.rule_id}  {penalty_text(v.penalty)}  ({where})"
            out += textwrap.wrap(line, width, subsequent_indent=" " * 11)
    exposure = [
        f"{e.instrument} {money(e.max, e.currency) if e.max is not None else 'open-ended'}"
        for e in rep.summary.exposure
    ]
    if exposure:
        out += _wrap("Exposure (theoretical statutory maximum per instrument): ", exposure, width)
    missing = Counter(m for i in rep.insufficient_information for m in i.missing)
    if missing:
        out.append(f"Missing facts ({len(rep.insufficient_information)} undecided):")
        for fact, n in missing.most_common(5):
            out += textwrap.wrap(f"  {fact} ({n})", width)
        if len(missing) > 5:
            out.append(f"  … and {len(missing) - 5} more (see the table or JSON)")
    if rep.upcoming:
        first = min(u.effective_from for u in rep.upcoming)
        out.append(f"Upcoming: {len(rep.upcoming)} duty(ies), the first from {first}")
    out.append("")
    return "\n".join(out)
