"""The shipped snapshot of fideslang's default keys (read at start-up instead of importing fideslang)."""

from __future__ import annotations

import json
from importlib import metadata

from engine.core import taxonomy


def test_snapshot_matches_the_installed_fideslang() -> None:
    snap = json.loads(taxonomy.SNAPSHOT.read_text(encoding="utf-8"))
    assert snap["fideslang"] == metadata.version("fideslang"), (
        "fideslang was upgraded: run python -c 'from engine.core.taxonomy import write_snapshot; write_snapshot()'"
    )
    fresh = taxonomy._from_fideslang()
    for kind in taxonomy.KINDS:
        assert snap[kind] == fresh[kind], kind


def test_keys_are_fideslang_keys_plus_regulint_keys() -> None:
    fresh = taxonomy._from_fideslang()
    for kind in taxonomy.KINDS:
        assert taxonomy.keys(kind) == frozenset(fresh[kind]) | frozenset(taxonomy.REGULINT_KEYS[kind])
