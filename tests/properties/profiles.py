"""regulint's own hypothesis profiles: ``ci`` (default) and ``thorough``, and the ``budget`` decorator.

Select with ``pytest --hypothesis-profile=thorough`` or ``REGULINT_HYPOTHESIS_PROFILE``.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings

#: Examples per property in the ``thorough`` profile.
THOROUGH_EXAMPLES = 10_000


def register_profiles() -> str:
    """Register regulint's hypothesis profiles and load the selected one; returns its name.

    - ``ci`` (default): each property runs the examples its ``@budget(n)`` asks for, the same
      ones every run (``budget`` derandomizes, so CI never fails by chance); no deadline
      (evaluations on a busy CI machine vary in time).
    - ``thorough``: at least ``THOROUGH_EXAMPLES`` (10,000) fresh random examples per property.
    """
    quiet = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
    settings.register_profile(
        "ci", max_examples=50, deadline=None, suppress_health_check=quiet, print_blob=True
    )
    settings.register_profile(
        "thorough",
        max_examples=THOROUGH_EXAMPLES,
        deadline=None,
        suppress_health_check=quiet,
        print_blob=True,
    )
    name = os.environ.get("REGULINT_HYPOTHESIS_PROFILE", "ci")
    settings.load_profile(name)
    return name


def budget(ci_examples: int) -> Any:
    """A ``@settings`` decorator: ``ci_examples`` examples under the ``ci`` profile, at least
    ``THOROUGH_EXAMPLES`` under ``thorough``, or ``REGULINT_HYPOTHESIS_EXAMPLES`` when that is
    set (read when the test module is imported)."""
    if os.environ.get("REGULINT_HYPOTHESIS_EXAMPLES"):  # an explicit count, for exploring
        return settings(max_examples=int(os.environ["REGULINT_HYPOTHESIS_EXAMPLES"]))
    if settings.get_current_profile_name() == "thorough":
        return settings(max_examples=max(THOROUGH_EXAMPLES, ci_examples))
    # under ci the same examples every run: a shared branch must not fail by chance
    return settings(max_examples=ci_examples, derandomize=True)
