"""Hypothesis strategies and compliance repair for users' property-based tests (``regulint[strategies]``).

``from engine.testing import products, compliant_products`` is the public entry; the modules beneath
are its implementation: :mod:`engine.testing.strategies` (hypothesis strategies) and
:mod:`engine.testing.repair` (the compliance-repair search, which needs no hypothesis). The
strategies are imported on first use, so ``engine.testing.repair`` works without hypothesis.
"""

from typing import Any

from engine.testing.repair import compliant_seed, problems_in, repair, seed_path

_STRATEGIES = ("products", "product_models", "compliant_products")

__all__ = [*_STRATEGIES, "compliant_seed", "repair", "problems_in", "seed_path"]


def __getattr__(name: str) -> Any:
    if name in _STRATEGIES:
        from engine.testing import strategies

        return getattr(strategies, name)
    raise AttributeError(f"module 'engine.testing' has no attribute {name!r}")
