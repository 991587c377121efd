"""Catalog search words: simple stemming and a few synonyms, so "kids" finds the rules on children."""

from __future__ import annotations

# Each group is one idea; a query word in a group matches any of its members.
SYNONYMS: tuple[frozenset[str], ...] = (
    frozenset({"kid", "child", "minor", "teen", "underage"}),
    frozenset({"face", "facial", "biometric"}),
    frozenset({"label", "watermark", "marking"}),
    frozenset({"delete", "erasure", "deletion"}),
)

_IRREGULAR = {"children": "child", "minors": "minor", "faces": "face", "people": "person"}
_SUFFIXES = ("ings", "ing", "ies", "ers", "ed", "es", "s")


def stem(word: str) -> str:
    """A crude stem: 'kids' -> 'kid', 'labels' -> 'label', 'labelling' -> 'label', 'children' -> 'child'."""
    w = word.casefold()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            base = w[: -len(suffix)]
            if suffix == "ies":
                return base + "y"
            if suffix in ("ing", "ings", "ed") and len(base) > 3 and base[-1] == base[-2]:
                base = base[:-1]  # labelling -> label
            return base
    return w


def alternatives(word: str) -> set[str]:
    """What one query word may match: its stem and its synonyms' (each as a substring)."""
    s = stem(word)
    out = {s}
    for group in SYNONYMS:
        if any(s.startswith(g) or g.startswith(s) for g in group if len(s) >= 3):
            out |= group
    return out


def matches(query: str, text: str) -> bool:
    """Every query word (or one of its alternatives) occurs in ``text``."""
    hay = text.casefold()
    return all(any(a in hay for a in alternatives(w)) for w in query.split())
