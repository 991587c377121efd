"""Hypothesis strategies and compliance repair for users' property-based tests (``regulint[strategies]``).

``from engine.testing import products, compliant_products`` is the public entry; the modules beneath
are its implementation."""

from engine.testing.strategies import *  # noqa: F403 - the public names are the strategies module's __all__
from engine.testing.strategies import __all__  # noqa: F401
