"""Applicability: which of the product's markets are evaluated, and whether each instrument applies.

An instrument outside the markets selected, or whose scope is false for the product, is reported
as not applicable, with the reason; one whose scope is unknown is reported as insufficient
information about its applicability, with the rules it would be violating if it applied.
"""

from __future__ import annotations

from enum import Enum

from engine.core.jurisdictions import jurisdictions, market_of, within
from engine.decide.protocol import Decision
from engine.evaluate.evidence import Explained, Explainer
from engine.facts.product import Product
from engine.facts.registry import Subject
from engine.law import conditions
from engine.law.model import Instrument
from engine.report.model import Insufficient, NotApplicable


class MarketSelectionError(ValueError):
    """A market selection that leaves none of the product's markets: nothing would be evaluated."""

    def __init__(self, product: Product, markets: list[str]):
        self.product_markets = sorted(product.markets)
        self.selected = sorted(markets)
        super().__init__(
            f"none of the product's markets ({', '.join(self.product_markets)}) falls under the markets "
            f"selected ({', '.join(self.selected)})"
        )


def restrict_markets(product: Product, markets: list[str] | None) -> tuple[Product, set[str] | None]:
    """Keep only the product's markets that fall under ``markets`` (DE under EU, US-CA under US),
    and the markets selected that lie within one of the product's (US-CA of a product offered in
    the US, DE of one offered in the EU).

    Raises :class:`MarketSelectionError` when none does: an evaluation of nothing would read as
    compliant.
    """
    if not markets:
        return product, None
    wanted = {m.strip().upper() for m in markets}
    kept = [m for m in product.markets if any(within(m, w) for w in wanted)]
    kept += sorted(w for w in wanted if w not in kept and any(within(w, m) for m in product.markets))
    if not kept:
        raise MarketSelectionError(product, markets)
    selected = {market_of(m) or m for m in wanted} | {
        code for code in jurisdictions() if any(within(code, w) for w in wanted)
    }
    return product.model_copy(update={"markets": kept}), selected


class Applicability(Enum):
    """Whether an instrument applies to the product evaluated."""

    NOT_SELECTED = "not selected"  # its jurisdiction is outside the markets selected
    NO = "no"  # its scope is false
    UNKNOWN = "unknown"  # its scope turns on facts the description does not give
    YES = "yes"


def scope_key(inst: Instrument) -> str:
    """The key under which the decider answers an instrument's scope."""
    return f"scope:{inst.id}"


def applicability(inst: Instrument, selected: set[str] | None, product_decision: Decision) -> Applicability:
    """Whether ``inst`` applies, from the market selection and the product's decision."""
    if selected is not None and inst.jurisdiction not in selected:
        return Applicability.NOT_SELECTED
    key = scope_key(inst)
    if key in product_decision.unknown:
        return Applicability.UNKNOWN
    return Applicability.YES if key in product_decision.true else Applicability.NO


def not_applicable(
    inst: Instrument,
    why: Applicability,
    scope: Explained,
    product: Product,
    selected: set[str] | None,
) -> NotApplicable:
    """The entry for an instrument that does not apply (``why`` is NOT_SELECTED or NO); ``scope``:
    its scope, prepared."""
    if why is Applicability.NOT_SELECTED:
        reason = (
            f"{inst.jurisdiction} is not among the markets selected ({', '.join(sorted(selected or ()))})"
        )
    else:
        reason = (
            f"{inst.short} applies when "
            + scope.text
            + f"; this product does not (markets: {', '.join(sorted(product.markets))})"
        )
    return NotApplicable(instrument=inst.id, jurisdiction=inst.jurisdiction, reason=reason)


def undecided_applicability(
    inst: Instrument,
    scope: conditions.Condition,
    product_subject: Subject,
    would: list[str],
    explainer: Explainer,
) -> Insufficient:
    """The entry for an instrument whose scope is unknown; ``would`` lists the rules it would violate."""
    return Insufficient(
        rule_id=None, about="applicability", instrument=inst.id, jurisdiction=inst.jurisdiction,
        missing=explainer.missing(scope, product_subject),
        reason=f"whether {inst.short} applies depends on facts the description does not give: "
        + explainer.prepared(scope).text,
        would_violate=sorted(set(would)),
    )  # fmt: skip
