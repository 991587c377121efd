"""The property suite's hypothesis profiles (``ci`` by default, ``thorough`` on request).

``pytest --hypothesis-profile=thorough`` (or ``REGULINT_HYPOTHESIS_PROFILE=thorough``) runs at
least 10,000 examples per property; tests/conftest.py registers the profiles too, so the option
works from the repository root.
"""

from __future__ import annotations

from profiles import register_profiles

register_profiles()


def pytest_collection_modifyitems(config, items) -> None:  # noqa: ANN001 - pytest hook
    """Tests marked ``thorough`` (exhaustive, minutes long) run only under the thorough profile;
    otherwise they are deselected, not skipped."""
    from hypothesis import settings

    if settings.get_current_profile_name() == "thorough":
        return
    keep = [item for item in items if item.get_closest_marker("thorough") is None]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item.get_closest_marker("thorough")])
        items[:] = keep
