"""The personal-data vocabulary: fideslang's default taxonomy plus regulint's own keys.

Keys are hierarchical (``user.biometric.voice`` is under ``user.biometric``); facts carry
every ancestor of a given key so a rule on a parent matches all its children.
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from importlib import metadata
from pathlib import Path

KINDS = ("data_category", "data_use", "data_subject")

#: Keys regulint adds under existing fideslang parents (documented in the README).
REGULINT_KEYS: dict[str, tuple[str, ...]] = {
    "data_category": (
        "user.biometric.face",  # facial geometry / face templates
        "user.biometric.face.likeness",  # a recognisable likeness used to synthesise media
        "user.biometric.voice.clone",  # voice prints used to clone a voice
        "user.content.self_image.minor",  # photos of a child uploaded by a parent
        "user.location.precise.whereabouts",  # continuous tracking (PIPL "行踪轨迹")
    ),
    "data_use": (),
    "data_subject": ("child",),
}


class UnknownKey(ValueError):
    """A taxonomy key that is neither fideslang's nor regulint's."""

    def __init__(self, kind: str, key: str, suggestion: str | None):
        self.kind, self.key, self.suggestion = kind, key, suggestion
        hint = f"; did you mean {suggestion!r}?" if suggestion else ""
        super().__init__(f"unknown {kind.replace('_', '-')} key {key!r}{hint}")


#: fideslang's default keys, written by :func:`write_snapshot` and read instead of importing
#: fideslang when the installed version is the one it was taken from (importing fideslang
#: builds its pydantic models: about a third of the cold start). tests/engine/core/test_taxonomy_snapshot.py
#: holds it equal to fideslang.
SNAPSHOT = Path(__file__).with_name("taxonomy_keys.json")


def _from_fideslang() -> dict[str, list[str]]:
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    return {kind: sorted(item.fides_key for item in getattr(DEFAULT_TAXONOMY, kind)) for kind in KINDS}


@cache
def _fideslang_keys() -> dict[str, list[str]]:
    try:
        snap = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
        if snap.get("fideslang") == metadata.version("fideslang"):
            return {kind: snap[kind] for kind in KINDS}
    except (OSError, ValueError, KeyError, metadata.PackageNotFoundError):
        pass
    return _from_fideslang()


def write_snapshot() -> None:
    """Rewrite :data:`SNAPSHOT` from the installed fideslang (``python -c 'from engine.core.taxonomy
    import write_snapshot; write_snapshot()'`` after upgrading fideslang)."""
    data = {"fideslang": metadata.version("fideslang"), **_from_fideslang()}
    SNAPSHOT.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


@cache
def keys(kind: str) -> frozenset[str]:
    """Every valid key of one kind."""
    return frozenset(_fideslang_keys()[kind] + list(REGULINT_KEYS[kind]))


def nearest(kind: str, key: str) -> str | None:
    """The known key closest to ``key`` (for "did you mean" hints)."""
    found = difflib.get_close_matches(key, sorted(keys(kind)), n=1, cutoff=0.5)
    if found:
        return found[0]
    # a misspelt leaf under a valid parent: suggest the parent
    parts = key.split(".")
    while parts:
        parts.pop()
        if ".".join(parts) in keys(kind):
            return ".".join(parts)
    return None


def check_key(kind: str, key: str) -> str:
    """Return ``key`` if valid; raise :class:`UnknownKey` with a suggestion otherwise."""
    if key not in keys(kind):
        raise UnknownKey(kind, key, nearest(kind, key))
    return key


def with_ancestors(key_list: list[str] | tuple[str, ...]) -> list[str]:
    """The keys and all their ancestors, sorted and without repeats."""
    out: set[str] = set()
    for key in key_list:
        parts = key.split(".")
        for i in range(1, len(parts) + 1):
            out.add(".".join(parts[:i]))
    return sorted(out)
