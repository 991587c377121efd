"""Dated exchange rates (``rulesets/fx.yaml``) for reading amounts in another currency."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from engine.core.dated import newest_on
from engine.core.resources import read_yaml_resource


@dataclass(frozen=True)
class RateTable:
    """The rates of one day, as units of each currency per euro."""

    date: dt.date
    per_eur: dict[str, Decimal]

    def convert(self, amount: Decimal, src: str, dst: str) -> Decimal:
        """``amount`` of ``src`` in ``dst`` at these rates."""
        if src == dst:
            return amount
        try:
            return amount / self.per_eur[src] * self.per_eur[dst]
        except KeyError as exc:
            raise ValueError(
                f"no exchange rate for {exc.args[0]} in fx.yaml ({self.date}); known: "
                + ", ".join(sorted(self.per_eur))
            ) from None


@dataclass(frozen=True)
class FxRates:
    source: str
    tables: tuple[RateTable, ...]  # oldest first

    def table_for(self, as_of: dt.date) -> RateTable:
        """The newest table dated on or before ``as_of`` (else the oldest)."""
        return newest_on(self.tables, as_of, lambda t: t.date)

    def convert(self, amount: Decimal, src: str, dst: str, as_of: dt.date) -> Decimal:
        """``amount`` of ``src`` in ``dst`` at the rates in force on ``as_of``."""
        return self.table_for(as_of).convert(amount, src, dst)

    def currencies(self) -> frozenset[str]:
        return frozenset(self.tables[-1].per_eur)


@cache
def fx_rates() -> FxRates:
    """The shipped rates."""
    data = read_yaml_resource("fx.yaml")
    base = data["base"]
    tables = []
    for entry in data["rates"]:
        rates = {k: Decimal(str(v)) for k, v in entry.items() if k != "date"}
        rates[base] = Decimal(1)
        day = entry["date"] if isinstance(entry["date"], dt.date) else dt.date.fromisoformat(entry["date"])
        tables.append(RateTable(day, rates))
    tables.sort(key=lambda t: t.date)
    return FxRates(data["source"], tuple(tables))
