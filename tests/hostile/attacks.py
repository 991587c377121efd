"""The attack payloads, shared by the API and CLI tests."""

from __future__ import annotations

import json

# 9 levels of 9 aliases each: ~470 bytes that expand to 9**9 (387 million) strings when walked
ALIAS_BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{b}: &{b} [{','.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)
BINARY_TAG = "id: !!binary aGVsbG8=\nmarkets: [EU]\nsynthetic_media: {}\n"
SET_TAG = "id: x\nmarkets: !!set {EU, CN}\nsynthetic_media: {}\n"
CONTROL_CHAR = "id: x\x01y\nmarkets: [EU]\nsynthetic_media: {}\n"
PYTHON_TAG = "id: !!python/object/apply:os.system ['true']\nmarkets: [EU]\n"


def many_practices(n: int) -> bytes:
    """A description with n (near-empty) practices: 70,000 fit in 1 MiB."""
    practices = ",".join(f'{{"id":"{i:x}"}}' for i in range(n))
    return ('{"id":"x","markets":["EU"],"data_practices":[' + practices + "]}").encode()


def wide_practices(n: int) -> bytes:
    """n practices with data categories: 4,000 of them made a 58 MiB report before the cap."""
    practice = {"data_categories": ["user.contact.email"], "purpose": "marketing.advertising"}
    doc = {"id": "x", "markets": ["EU"], "data_practices": [{"id": f"p{i}", **practice} for i in range(n)]}
    return json.dumps(doc, separators=(",", ":")).encode()
