"""Citations as provisions: ``GDPR Arts. 12(1), 13(1)-(2)`` -> ``GDPR Art. 12(1)``, ``GDPR Art. 13(1)``, ...

A rule's ``citation`` is written the way lawyers write it (ranges, several articles, remarks in
parentheses). Regulators' decisions are matched provision by provision, so the report carries
each rule's ``citations``: one entry per provision, in a normal form ``<instrument> Art. N(p)(q)``
or ``<code> §N(p)``, or an authority (``CJEU C-252/21``) as written. :func:`provisions` expands a
citation string into that list; :func:`article_of` and :func:`paragraph_of` give the keys a
decision is compared at.
"""

from __future__ import annotations

import re

_UNIT = re.compile(r"^(?P<prefix>.*?)(?P<kind>Arts?\.|§§?)\s*(?P<body>.*)$")
_REMARK = re.compile(
    r"\s*\((?:[^()]*\s[^()]*|[^()]*\d{4}[^()]*)\)"
)  # "(effective 2026-01-01)", "(last paragraph)"
_NUMBER = re.compile(r"^(?P<num>\d+[a-z]?(?:\.\d+)*[a-z]?)(?P<parts>(?:\([0-9a-zA-Z]+\))*)")
_GROUP = re.compile(r"\(([0-9a-zA-Z]+)\)")
_WORDS = re.compile(
    r"\b(et seq\.?|first|second|third|subparagraph|sentence|point|new|ex-Art\.?\s*\d+)\b", re.I
)


def _kind_of(token: str) -> str:
    return (
        "digit"
        if token.isdigit()
        else ("roman" if re.fullmatch(r"[ivx]+", token) and len(token) > 1 else "letter")
    )


def _range(a: str, b: str) -> list[str]:
    if a.isdigit() and b.isdigit() and int(a) <= int(b) and int(b) - int(a) < 40:
        return [str(n) for n in range(int(a), int(b) + 1)]
    if len(a) == len(b) == 1 and a.isalpha() and b.isalpha() and a <= b:
        return [chr(c) for c in range(ord(a), ord(b) + 1)]
    return [a, b]


def _expand_item(item: str, previous: tuple[str, list[str]] | None) -> list[tuple[str, list[str]]]:
    """One comma-separated item: ``13(1)-(2)``, ``33-34``, ``(e)`` (continues the previous one)."""
    item = item.strip()
    if not item:
        return []
    if item.startswith("(") and previous is not None:  # "(e)" after "9(2)(b)": same article
        num, groups = previous
        new = _GROUP.findall(item.split("-")[0])
        if not new:
            return []
        kind = _kind_of(new[0])
        idx = max((i for i, g in enumerate(groups) if _kind_of(g) == kind), default=len(groups))
        base = groups[:idx]
        if "-" in item:
            lo, hi = (_GROUP.findall(p) for p in item.split("-", 1))
            if lo and hi:
                return [(num, base + [g]) for g in _range(lo[0], hi[0])]
        return [(num, base + new)]
    m = _NUMBER.match(item)
    if not m:
        return []
    num, groups = m.group("num"), _GROUP.findall(m.group("parts"))
    rest = item[m.end() :].strip()
    if rest.startswith("-"):
        rest = rest[1:].strip()
        if rest.startswith("("):  # 13(1)-(2)
            hi = _GROUP.findall(rest)
            if groups and hi:
                return [(num, groups[:-1] + [g]) for g in _range(groups[-1], hi[0])]
        m2 = _NUMBER.match(rest)
        if m2 and not groups:  # 33-34, 7071-7072, 1798.105-1798.110 (kept as two ends)
            hi_num = m2.group("num")
            if num.isdigit() and hi_num.isdigit():
                return [(n, []) for n in _range(num, hi_num)]
            return [(num, []), (hi_num, [])]
    return [(num, groups)]


def provisions(citation: str) -> list[str]:
    """The provisions a citation string names, one per entry, in normal form, in order."""
    out: list[str] = []
    for segment in _REMARK.sub("", citation).split(";"):
        segment = _WORDS.sub("", segment).strip(" ,")
        if not segment:
            continue
        m = _UNIT.match(segment)
        if not m:
            out.append(segment)  # an authority: "CJEU C-252/21 Meta Platforms", "GB 45438-2025"
            continue
        prefix = m.group("prefix").strip(" ,")
        sign = "§" if m.group("kind").startswith("§") else "Art."
        previous: tuple[str, list[str]] | None = None
        body = m.group("body")
        # "Art. 17(1)(d), Art. 25" inside one segment: treat each Art./§ as a new item
        body = re.sub(r"\s*(?:Arts?\.|§§?)\s*", " ", body)
        for item in body.split(","):
            for num, groups in _expand_item(item, previous):
                previous = (num, groups)
                head = f"{prefix} {sign}" if sign == "Art." else f"{prefix} §"
                sep = " " if sign == "Art." else ""
                out.append(f"{head}{sep}{num}{''.join(f'({g})' for g in groups)}".strip())
    return list(dict.fromkeys(out))


_PROVISION = re.compile(
    r"^(?P<head>.*?(?:Art\. |§))(?P<num>\d+[a-z]?(?:\.\d+)*[a-z]?)(?P<first>\([0-9a-zA-Z]+\))?"
)


def article_of(provision: str) -> str:
    """``GDPR Art. 13(1)(a)`` -> ``GDPR Art. 13``; an authority stays as it is."""
    m = _PROVISION.match(provision)
    return m.group("head") + m.group("num") if m else provision


def paragraph_of(provision: str) -> str:
    """``GDPR Art. 13(1)(a)`` -> ``GDPR Art. 13(1)``; an article without paragraphs stays as it is."""
    m = _PROVISION.match(provision)
    return m.group("head") + m.group("num") + (m.group("first") or "") if m else provision


def all_provisions(citation: str, more: list[str] | tuple[str, ...] = ()) -> tuple[str, ...]:
    """A rule's provisions: those of its citation, then those it also cites, without repeats."""
    out = provisions(citation)
    for extra in more:
        out += provisions(extra)
    return tuple(dict.fromkeys(out))
