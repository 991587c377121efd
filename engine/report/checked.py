"""A checked file: its report, where it came from, line numbers of its subjects and its triage."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from json.decoder import scanstring

from engine.core.docpath import path_parts
from engine.core.yamlio import line_of, load_with_lines
from engine.report.findings import Triage, triage
from engine.report.model import Report


def line_map(source: str, text: str | None, paths: Iterable[str]) -> dict[str, int]:
    """1-based line of each JSON path in the submitted document: of the deepest part of the path the
    document has (its key in a mapping, its first character in a list); 1 when it cannot be parsed.
    Computed in the worker that read the file: nothing for a one-line file (every path is on line 1),
    a scan of the JSON text for JSON (:func:`json_lines`, ~0.1 ms for 4 KB), libyaml's composer for
    YAML (~1 ms) and the round-trip loader only for what libyaml refuses."""
    wanted = sorted({p for p in paths if p})
    if text is None or not wanted or _one_line(text):
        return {}
    if text.lstrip(" \t\n\r")[:1] in ("{", "[") and _json_breaks_only(text):
        found = json_lines(text, [path_parts(p) for p in wanted])
        if found is not None:
            return dict(zip(wanted, found, strict=True))
    try:
        import yaml

        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except Exception:  # noqa: BLE001 - not plain YAML/JSON for libyaml: the round-trip loader decides
        try:
            doc = load_with_lines(source, text)
        except Exception:  # any unparsable text just loses line numbers
            return {}
        return {p: line_of(doc, path_parts(p)) for p in wanted}
    return {p: _node_line(root, path_parts(p)) for p in wanted}


_YAML_BREAKS = ("\r", "\x85", "\u2028", "\u2029")  # line breaks for YAML besides \n


def _one_line(text: str) -> bool:
    body = text.rstrip()
    return "\n" not in body and not any(b in body for b in _YAML_BREAKS)


def _json_breaks_only(text: str) -> bool:
    """Lines are counted in \n: no break YAML would count that JSON text does not (a lone \r, NEL,
    the Unicode line and paragraph separators that JSON allows inside strings)."""
    return text.count("\r") == text.count("\r\n") and not any(b in text for b in _YAML_BREAKS[1:])


_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_JSON = json.JSONDecoder()


def json_lines(text: str, locs: Sequence[Sequence[str | int]]) -> list[int] | None:
    """The line of each location (a path's parts) in JSON ``text``, as :func:`line_map` defines it,
    found by one scan that descends only into the wanted members and lets the C decoder skip the
    rest; None when ``text`` is not JSON."""
    trie: dict = {}
    for loc in locs:
        node = trie
        for part in loc:
            node = node.setdefault(part, {})
    found: dict[tuple, int] = {}
    try:
        _scan(text, _JSON_SPACE.match(text, 0).end(), trie, (), found)  # type: ignore[union-attr]
    except (ValueError, IndexError, KeyError, RecursionError):
        return None
    out = []
    for loc in locs:
        pos = None
        for n in range(1, len(loc) + 1):
            if (hit := found.get(tuple(loc[:n]))) is None:
                break
            pos = hit
        out.append(1 if pos is None else text.count("\n", 0, pos) + 1)
    return out


def _scan(text: str, pos: int, trie: dict, prefix: tuple, found: dict[tuple, int]) -> int:
    """Record where each wanted member of the value at ``pos`` starts; the end of the value."""
    if not trie or text[pos] not in "{[":
        return _JSON.raw_decode(text, pos)[1]
    space = _JSON_SPACE.match
    closing = "}" if text[pos] == "{" else "]"
    pos = space(text, pos + 1).end()
    if text[pos] == closing:
        return pos + 1
    index = 0
    while True:
        if closing == "}":
            if text[pos] != '"':
                raise ValueError("expected a key")
            key_at = pos
            key, pos = scanstring(text, pos + 1)
            pos = space(text, pos).end()
            if text[pos] != ":":
                raise ValueError("expected ':'")
            pos = space(text, pos + 1).end()
            part: str | int = key
        else:
            key_at, part = pos, index
            index += 1
        here = (*prefix, part)
        if part in trie and here not in found:  # the first of duplicate keys, as the YAML composer
            found[here] = key_at
            pos = _scan(text, pos, trie[part], here, found)
        else:
            pos = _JSON.raw_decode(text, pos)[1]
        pos = space(text, pos).end()
        if text[pos] == closing:
            return pos + 1
        if text[pos] != ",":
            raise ValueError("expected ','")
        pos = space(text, pos + 1).end()


def _node_line(root: object, loc: list[str | int]) -> int:
    import yaml

    node, line = root, 1
    for key in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(key, str):
            hit = next(((k, v) for k, v in node.value if getattr(k, "value", None) == key), None)
            if hit is None:
                break
            line, node = hit[0].start_mark.line + 1, hit[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line


def report_paths(report: Report) -> set[str]:
    """Every subject path a renderer may locate."""
    paths = {v.subject.path for v in report.violations}
    paths |= {i.subject.path for i in report.insufficient_information if i.subject}
    return paths


@dataclass(frozen=True)
class Checked:
    """A report, the file it came from, and what CI made of its violations."""

    source: str
    report: Report
    text: str | None = None  # the submitted document, when no line map was computed
    lines: dict[str, int] | None = None  # subject path -> line, from the worker
    triage: Triage | None = None  # suppressions and baseline applied; None: every violation new
    seconds: float | None = None  # evaluation time of this file

    def line(self, path: str) -> int:
        if not path:
            return 1
        if self.lines is None:
            object.__setattr__(self, "lines", line_map(self.source, self.text, report_paths(self.report)))
        return self.lines.get(path, 1)  # type: ignore[union-attr]

    @property
    def triaged(self) -> Triage:
        if self.triage is None:
            object.__setattr__(self, "triage", triage(self.report))
        return self.triage  # type: ignore[return-value]
