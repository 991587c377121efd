"""Penalty formulas: statutory amounts, turnover shares and their combinations, in ``Decimal``.

A formula in a ruleset is one of::

    {amount: 20000000, currency: EUR}
    {turnover_pct: 4}                       # of the preceding year's worldwide turnover
    {greater_of: [f, f, ...]}  {lesser_of: [f, f, ...]}
    {per_violation: f}                      # f times the violations counted (e.g. consumers)
    {per_day: f, days: 30}                  # f times days in violation (1 when not given)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from engine.core.fx import RateTable, fx_rates


@dataclass(frozen=True)
class Amount:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class TurnoverPct:
    pct: Decimal


@dataclass(frozen=True)
class GreaterOf:
    items: tuple[Formula, ...]


@dataclass(frozen=True)
class LesserOf:
    items: tuple[Formula, ...]


@dataclass(frozen=True)
class PerViolation:
    item: Formula


@dataclass(frozen=True)
class PerDay:
    item: Formula
    days: int | None = None


Formula = Amount | TurnoverPct | GreaterOf | LesserOf | PerViolation | PerDay


def _dec(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(f"{what} must be a number, got {value!r}")
    out = Decimal(str(value))
    if out < 0:
        raise ValueError(f"{what} must not be negative, got {value!r}")
    return out


def parse_formula(node: Any) -> Formula:
    """Parse a penalty formula from YAML data (raises ValueError with what was expected)."""
    if isinstance(node, Amount | TurnoverPct | GreaterOf | LesserOf | PerViolation | PerDay):
        return node
    if not isinstance(node, dict):
        raise ValueError(
            f"a penalty formula is a mapping (amount, turnover_pct, greater_of, lesser_of, "
            f"per_violation, per_day), got {node!r}"
        )
    keys = set(node)
    if keys == {"amount", "currency"}:
        cur = node["currency"]
        if not isinstance(cur, str) or len(cur) != 3 or not cur.isupper():
            raise ValueError(f"currency must be an ISO 4217 code such as EUR, got {cur!r}")
        return Amount(_dec(node["amount"], "amount"), cur)
    if keys == {"turnover_pct"}:
        pct = _dec(node["turnover_pct"], "turnover_pct")
        if pct > 100:
            raise ValueError(f"turnover_pct is a percentage (0-100), got {pct}")
        return TurnoverPct(pct)
    for key, cls in (("greater_of", GreaterOf), ("lesser_of", LesserOf)):
        if keys == {key}:
            items = node[key]
            if not isinstance(items, list) or len(items) < 2:
                raise ValueError(f"{key} takes a list of at least two formulas")
            return cls(tuple(parse_formula(i) for i in items))
    if keys == {"per_violation"}:
        return PerViolation(parse_formula(node["per_violation"]))
    if keys in ({"per_day"}, {"per_day", "days"}):
        days = node.get("days")
        if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 1):
            raise ValueError(f"days must be a positive whole number, got {days!r}")
        return PerDay(parse_formula(node["per_day"]), days)
    raise ValueError(
        f"unknown penalty formula keys {sorted(keys)}; expected amount+currency, turnover_pct, "
        "greater_of, lesser_of, per_violation or per_day"
    )


@dataclass(frozen=True)
class PenaltyContext:
    """What a formula is computed against."""

    currency: str  # the tier's currency
    revenue: Decimal | None  # worldwide turnover in that currency, None when unknown
    count: int | None = 1  # violations counted by per_violation; None when the description gives no count
    count_label: str = "violation"
    as_of: dt.date = dt.date(2026, 1, 1)
    count_path: str | None = None  # the JSON path that would give the count
    rates: RateTable | None = None  # the evaluation's exchange rates; None: fx.yaml's on ``as_of``

    def in_currency(self, amount: Decimal, currency: str) -> Decimal:
        """``amount`` of ``currency`` in the tier's currency."""
        return (self.rates or fx_rates().table_for(self.as_of)).convert(amount, currency, self.currency)


def money(value: Decimal, currency: str) -> str:
    """EUR 20,000,000 (cents only where there are any)."""
    q = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{q:,.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    return f"{currency} {text}"


def compute(formula: Formula, ctx: PenaltyContext) -> tuple[Decimal, str]:
    """The formula's value in ``ctx.currency`` and a one-line explanation of the arithmetic."""
    if isinstance(formula, Amount):
        value = ctx.in_currency(formula.amount, formula.currency)
        if formula.currency != ctx.currency:
            return value, f"{money(formula.amount, formula.currency)} (= {money(value, ctx.currency)})"
        return value, money(value, ctx.currency)
    if isinstance(formula, TurnoverPct):
        if ctx.revenue is None:
            raise _UnknownTurnover(formula.pct)
        value = ctx.revenue * formula.pct / 100
        return (
            value,
            f"{formula.pct.normalize():f}% of turnover {money(ctx.revenue, ctx.currency)} = {money(value, ctx.currency)}",
        )
    if isinstance(formula, GreaterOf | LesserOf):
        pick = max if isinstance(formula, GreaterOf) else min
        word = "greater" if isinstance(formula, GreaterOf) else "lesser"
        parts: list[tuple[Decimal, str]] = []
        unknown: list[Decimal] = []
        for item in formula.items:
            try:
                parts.append(compute(item, ctx))
            except _UnknownTurnover as exc:
                unknown.append(exc.pct)
        if not parts:
            raise _UnknownTurnover(unknown[0])
        value, _ = pick(parts, key=lambda p: p[0])
        text = f"{word} of " + " and ".join(p[1] for p in parts)
        if unknown:
            pcts = ", ".join(f"{u.normalize():f}%" for u in unknown)
            if isinstance(formula, GreaterOf):
                text += (
                    f" (turnover unknown: the {pcts} of turnover term is left out, so the cap may be higher)"
                )
            else:
                text += (
                    f" (turnover unknown: the {pcts} of turnover term is left out; this is an upper bound)"
                )
        return value, text
    if isinstance(formula, PerViolation):
        unit, text = compute(formula.item, ctx)
        count = 1 if ctx.count is None else ctx.count  # a finding is at least one violation
        total = unit * count
        return total, f"{text} per {ctx.count_label} x {count:,} = {money(total, ctx.currency)}"
    if isinstance(formula, PerDay):
        unit, text = compute(formula.item, ctx)
        days = formula.days or 1
        total = unit * days
        shown = f"{days:,} days" if formula.days else "1 day shown (each day in violation counts)"
        return total, f"{text} per day x {shown} = {money(total, ctx.currency)}"
    raise TypeError(formula)  # pragma: no cover


class _UnknownTurnover(Exception):
    def __init__(self, pct: Decimal):
        self.pct = pct


def evaluate_formula(formula: Formula, ctx: PenaltyContext) -> tuple[Decimal, str]:
    """Like :func:`compute`, but a bare turnover share with unknown turnover gives 0 and says so."""
    try:
        return compute(formula, ctx)
    except _UnknownTurnover as exc:
        return Decimal(
            0
        ), f"{exc.pct.normalize():f}% of turnover, turnover unknown (give organization.annual_revenue)"


def basis_of(formula: Formula) -> str:
    """The outermost kind of a formula (``greater_of``, ``amount``, ...), for reports."""
    return {
        Amount: "amount", TurnoverPct: "turnover_pct", GreaterOf: "greater_of", LesserOf: "lesser_of",
        PerViolation: "per_violation", PerDay: "per_day",
    }[type(formula)]  # fmt: skip


def describe(formula: Formula | None) -> str:
    """A formula in words: ``greater of EUR 20,000,000 and 4% of turnover``."""
    if formula is None:
        return "0"
    if isinstance(formula, Amount):
        return money(formula.amount, formula.currency)
    if isinstance(formula, TurnoverPct):
        return f"{formula.pct.normalize():f}% of turnover"
    if isinstance(formula, GreaterOf | LesserOf):
        word = "greater" if isinstance(formula, GreaterOf) else "lesser"
        return f"{word} of " + " and ".join(describe(i) for i in formula.items)
    if isinstance(formula, PerViolation):
        return f"{describe(formula.item)} per violation"
    if isinstance(formula, PerDay):
        return f"{describe(formula.item)} per day" + (f" x {formula.days} days" if formula.days else "")
    raise TypeError(formula)  # pragma: no cover


@dataclass(frozen=True)
class Bound:
    """A maximum as far as the description bounds it.

    ``value`` is None when the maximum is open-ended: a turnover share with unknown turnover, or an
    amount per unit (consumer, day) with no count. ``at_least`` is then what the maximum is known
    to reach, and ``missing`` the JSON paths that would bound it. ``product_of_maxima`` marks a value
    that multiplies a statutory maximum by a count: a theoretical ceiling, not an expected fine.
    """

    value: Decimal | None
    at_least: Decimal
    text: str
    missing: tuple[str, ...] = ()
    per_unit: Decimal | None = None
    unit: str | None = None
    product_of_maxima: bool = False


def bound(formula: Formula, ctx: PenaltyContext) -> Bound:
    """The maximum a formula gives on ``ctx``, open-ended where the description leaves it so."""
    if isinstance(formula, TurnoverPct) and ctx.revenue is None:
        pct = f"{formula.pct.normalize():f}%"
        return Bound(
            None, Decimal(0), f"{pct} of turnover (turnover unknown)", ("organization.annual_revenue",)
        )
    if isinstance(formula, GreaterOf | LesserOf):
        parts = [bound(i, ctx) for i in formula.items]
        known = [p for p in parts if p.value is not None]
        missing = tuple(dict.fromkeys(m for p in parts for m in p.missing))
        word = "greater" if isinstance(formula, GreaterOf) else "lesser"
        text = f"{word} of " + " and ".join(p.text for p in parts)
        if isinstance(formula, LesserOf) and known:  # the known terms cap it from above
            value = min(p.value for p in known)  # type: ignore[type-var]
            note = " (a term is unknown: this is an upper bound)" if len(known) < len(parts) else ""
            return Bound(value, value, text + note)
        if len(known) == len(parts):
            value = (
                max(p.value for p in known) if isinstance(formula, GreaterOf) else min(p.value for p in known)
            )  # type: ignore[type-var]
            return Bound(value, value, text)
        floor = max(p.value if p.value is not None else p.at_least for p in parts)
        return Bound(
            None, floor, f"{text}: at least {money(floor, ctx.currency)}, open-ended until "
            + ", ".join(missing) + " is given", missing,
        )  # fmt: skip
    if isinstance(formula, PerViolation):
        unit = bound(formula.item, ctx)
        if unit.value is None:
            return unit
        if ctx.count is None:
            path = (ctx.count_path,) if ctx.count_path else ()
            give = f" (give {ctx.count_path})" if ctx.count_path else ""
            return Bound(
                None, unit.value, f"{unit.text} per {ctx.count_label}; how many is not given{give}",
                path, unit.value, ctx.count_label,
            )  # fmt: skip
        total = unit.value * ctx.count
        text = f"{unit.text} per {ctx.count_label} x {ctx.count:,} = {money(total, ctx.currency)}"
        if ctx.count > 1:
            text += " (a theoretical ceiling: every one counted at the statutory maximum)"
        return Bound(
            total, total, text, per_unit=unit.value, unit=ctx.count_label, product_of_maxima=ctx.count > 1
        )
    if isinstance(formula, PerDay):
        unit = bound(formula.item, ctx)
        if unit.value is None or formula.days is None:
            floor = unit.value if unit.value is not None else unit.at_least
            return Bound(
                None, floor, f"{unit.text} per day in violation; the days are not described",
                unit.missing, unit.value, "day",
            )  # fmt: skip
        total = unit.value * formula.days
        return Bound(
            total, total, f"{unit.text} per day x {formula.days:,} days = {money(total, ctx.currency)}"
        )
    value, text = compute(formula, ctx)
    return Bound(value, value, text)


def money_or_open(amount: Decimal | None, currency: str) -> str:
    """``money``, or "open-ended" for a maximum the description leaves unbounded."""
    return "open-ended" if amount is None else money(amount, currency)


def penalty_text(p: Any) -> str:
    """A violation's maximum for a table cell: the amount, '≥ floor (open)', per unit, or conditional."""
    if p.max is not None:
        text = money(p.max, p.currency) + (" (theoretical ceiling)" if p.theoretical_ceiling else "")
    elif p.per_unit is not None:
        text = f"{money(p.per_unit, p.currency)} per {p.unit}, count unknown"
    else:
        text = f"≥ {money(p.max_at_least or Decimal(0), p.currency)} (open-ended)"
    return text + (" if the event occurs" if p.conditional else "")
