"""The property suite's hypothesis profiles (``ci`` by default, ``thorough`` on request).

``pytest --hypothesis-profile=thorough`` (or ``REGULINT_HYPOTHESIS_PROFILE=thorough``) runs at
least 10,000 examples per property; tests/conftest.py registers the profiles too, so the option
works from the repository root.
"""

from __future__ import annotations

from engine.testing import register_profiles

register_profiles()
