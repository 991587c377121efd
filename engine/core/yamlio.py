"""The one YAML reader: plain data (or data that remembers where each value was written), bounded.

Every YAML document regulint reads — rulesets, parameters and tiers, configuration, Fides
manifests, product descriptions — goes through :func:`read` here, built from libyaml's events in
one pass, so the work is linear in the text and no tag is ever evaluated as code:

- Scalars resolve as in YAML 1.2's core schema: only ``true``/``false`` are booleans (``NO`` stays
  Norway), ``010`` is ten, ``1:20`` is text; ``2020-01-01`` is a date where the policy keeps dates.
- Tags beyond the core schema (``!!binary``, ``!!set``, ``!!python/…``), duplicate keys and a
  second document are refused; so is text longer than ``max_bytes``, nesting deeper than
  ``max_depth`` and more than ``max_nodes`` values, where an alias counts every value it stands
  for (an alias bomb of a few hundred bytes would otherwise expand to gigabytes when walked).
- :data:`TRUSTED` documents (our own files and the user's configuration) may use anchors, aliases
  and merge keys (``<<``), and their mappings and lists are :class:`YamlMap` and :class:`YamlSeq`,
  which keep the :class:`Span` (file, line, column) of every key and item for ``file:line``
  messages: see :func:`span_of` and :func:`line_of`. :data:`UNTRUSTED` documents (a product
  description from a stranger) refuse anchors and aliases and are plain dicts and lists.

Any problem is a :class:`YamlError` with the line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml as _pyyaml

from engine.core.spans import LocatedError, Span

_BaseLoader = getattr(_pyyaml, "CSafeLoader", _pyyaml.SafeLoader)


class YamlError(LocatedError):
    """A YAML file that cannot be read, with the line where it fails."""


class YamlMap(dict):  # type: ignore[type-arg]
    """A mapping read from YAML, with the position of itself and of each of its keys."""

    __slots__ = ("file", "position", "key_positions")

    def span(self, key: Any = None) -> Span:
        """Where ``key`` was written (where the mapping starts, for ``None`` or a key it lacks)."""
        line, column = self.key_positions.get(key, self.position) if key is not None else self.position
        return Span(self.file, line, column)


class YamlSeq(list):  # type: ignore[type-arg]
    """A list read from YAML, with the position of itself and of each of its items."""

    __slots__ = ("file", "position", "item_positions")

    def span(self, index: Any = None) -> Span:
        """Where item ``index`` was written (where the list starts, for ``None`` or an index it lacks)."""
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(self.item_positions):
            line, column = self.item_positions[index]
        else:
            line, column = self.position
        return Span(self.file, line, column)


@dataclass(frozen=True)
class Policy:
    """What a document may contain and what it is read into."""

    positions: bool  # YamlMap/YamlSeq with spans, else plain dicts and lists
    trusted: bool  # anchors, aliases, merge keys, .inf and .nan accepted (each alias counted in max_nodes)
    dates: bool  # 2020-01-01 read as a date, else as text
    max_bytes: int
    max_nodes: int
    max_depth: int
    what: str  # how an error names the document ("a product description")


DESCRIPTION_MAX_NODES = 200_000
DESCRIPTION_MAX_DEPTH = 32

#: Our own files and the user's configuration: anchors allowed, dates kept, positions recorded.
TRUSTED = Policy(True, True, True, 16 * 1024 * 1024, 2_000_000, 128, "this file")
#: A product description from a stranger: no anchors, dates stay text, plain data.
UNTRUSTED = Policy(
    False,
    False,
    False,
    64 * 1024 * 1024,
    DESCRIPTION_MAX_NODES,
    DESCRIPTION_MAX_DEPTH,
    "a product description",
)

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT = re.compile(r"^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_TIMESTAMP = re.compile(
    r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?$"
)
_TAG = "tag:yaml.org,2002:"
_STR_TAGS = frozenset({None, "!", _TAG + "str"})
_MAP_TAGS = frozenset({None, _TAG + "map"})
_SEQ_TAGS = frozenset({None, _TAG + "seq"})
_NO_KEY = object()


def _int(text: str) -> int:
    if text.startswith("0o"):
        return int(text[2:], 8)
    return int(text, 16) if text.startswith("0x") else int(text)  # "010" is ten in YAML 1.2


def _scalar(event: Any, policy: Policy, fail: Any) -> Any:
    """The value of a scalar event under the YAML 1.2 core schema."""
    value, tag = event.value, event.tag
    if tag not in _STR_TAGS:
        raise fail(event, f"the tag {tag!r} is not accepted here")
    if tag is not None or event.style or not event.implicit[0]:
        return value  # quoted, block or explicitly tagged: a string
    if _NULL.match(value):
        return None
    if _TRUE.match(value):
        return True
    if _FALSE.match(value):
        return False
    try:
        if _INT.match(value):
            return _int(value)
        if _FLOAT.match(value):
            number = float(value)
            if number in (float("inf"), float("-inf")):
                raise ValueError
            return number
    except ValueError:
        raise fail(event, f"the number {value[:40]} is out of range") from None
    special = _SPECIAL_FLOAT.match(value)
    if special:
        if not policy.trusted:  # a description: no infinities or NaN in any fact
            raise fail(event, f"{value} is not a number regulint accepts")
        return float(value.lower().replace(".", ""))  # inf, -inf, nan
    if policy.dates and value[:1].isdigit():
        try:
            if _DATE.match(value):
                return dt.date.fromisoformat(value)
            if _TIMESTAMP.match(value):
                node = _pyyaml.ScalarNode(_TAG + "timestamp", value)
                return _pyyaml.constructor.SafeConstructor().construct_yaml_timestamp(node)
        except ValueError:
            raise fail(event, f"{value} is not a valid date") from None
    return value


def read(path: Path | str, text: str | None = None, policy: Policy = TRUSTED) -> Any:
    """The document in ``text`` (read from ``path`` when not given) under ``policy``.

    Raises :class:`YamlError` (with the line) for a syntax error and for anything refused.
    """
    path = str(path)
    if text is None:
        text = Path(path).read_text(encoding="utf-8")
    if len(text) > policy.max_bytes:  # characters: at least as many bytes in UTF-8
        raise YamlError(path, 1, f"the document is larger than {policy.max_bytes} bytes")
    positions, anchors_ok = policy.positions, policy.trusted
    root: Any = None
    stack: list[_Open] = []
    anchors: dict[str, tuple[Any, int]] = {}
    nodes = 0
    documents = 0

    def fail(event: Any, message: str) -> YamlError:
        return YamlError(path, event.start_mark.line + 1, message)

    def attach(value: Any, event: Any, mark: Any) -> None:
        """Put ``value`` (written at ``mark``) into the open container, or make it the root."""
        nonlocal root
        if not stack:
            root = value
            return
        top = stack[-1]
        container = top.container
        if isinstance(container, list):
            container.append(value)
            if positions:
                container.item_positions.append((mark.line + 1, mark.column + 1))
        elif top.key is _NO_KEY:
            if isinstance(value, dict | list):
                raise fail(event, "a mapping key must be a plain value, not a mapping or a list")
            if anchors_ok and value == "<<" and isinstance(event, _pyyaml.ScalarEvent) and not event.style:
                top.key, top.key_mark = _MERGE, mark
                return
            key = (
                value
                if policy.dates
                else event.value
                if isinstance(event, _pyyaml.ScalarEvent)
                else str(value)
            )
            if key in container:
                raise fail(event, f"the key {key!r} appears twice in one mapping")
            top.key, top.key_mark = key, mark
        else:
            key, top.key = top.key, _NO_KEY
            if key is _MERGE:
                sources = value if isinstance(value, list) else [value]
                if not all(isinstance(s, dict) for s in sources):
                    raise YamlError(
                        path, top.key_mark.line + 1, "a merge key (<<) takes a mapping or mappings"
                    )
                top.merges.extend(sources)
                return
            container[key] = value
            if positions:
                container.key_positions[key] = (top.key_mark.line + 1, top.key_mark.column + 1)

    try:
        for event in _pyyaml.parse(text, Loader=_BaseLoader):
            kind = type(event)
            if kind in (_pyyaml.StreamStartEvent, _pyyaml.StreamEndEvent, _pyyaml.DocumentEndEvent):
                continue
            if kind is _pyyaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise fail(event, "one document expected, found a second (---)")
                continue
            if kind is _pyyaml.AliasEvent:
                if not anchors_ok:
                    raise fail(event, f"aliases (*{event.anchor}) are not accepted in {policy.what}")
                if event.anchor not in anchors:
                    raise fail(event, f"the alias *{event.anchor} has no complete anchor before it")
                value, size = anchors[event.anchor]
                nodes += size
                if nodes > policy.max_nodes:
                    raise fail(
                        event, f"the document has more than {policy.max_nodes} values (aliases counted)"
                    )
                attach(value, event, event.start_mark)
                continue
            if kind in (_pyyaml.MappingEndEvent, _pyyaml.SequenceEndEvent):
                done = stack.pop()
                _merge(done, positions)
                if done.anchor is not None:
                    anchors[done.anchor] = (done.container, nodes - done.before + 1)
                attach(done.container, event, done.mark)
                continue
            anchor = event.anchor
            if anchor is not None and not anchors_ok:
                raise fail(event, f"anchors (&{anchor}) are not accepted in {policy.what}")
            nodes += 1
            if nodes > policy.max_nodes:
                raise fail(event, f"the document has more than {policy.max_nodes} values")
            if kind is _pyyaml.ScalarEvent:
                value = _scalar(event, policy, fail)
                if anchor is not None:
                    anchors[anchor] = (value, 1)
                attach(value, event, event.start_mark)
                continue
            if len(stack) >= policy.max_depth:
                raise fail(event, f"the document is nested more than {policy.max_depth} levels deep")
            if stack and isinstance(stack[-1].container, dict) and stack[-1].key is _NO_KEY:
                raise fail(event, "a mapping key must be a plain value, not a mapping or a list")
            mapping = kind is _pyyaml.MappingStartEvent
            if event.tag not in (_MAP_TAGS if mapping else _SEQ_TAGS):
                raise fail(event, f"the tag {event.tag!r} is not accepted here")
            container: Any
            if positions:
                container = YamlMap() if mapping else YamlSeq()
                container.file = path
                container.position = (event.start_mark.line + 1, event.start_mark.column + 1)
                if mapping:
                    container.key_positions = {}
                else:
                    container.item_positions = []
            else:
                container = {} if mapping else []
            stack.append(_Open(container, event.start_mark, nodes, anchor))
    except _pyyaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlError(path, mark.line + 1 if mark else 1, f"invalid YAML: {problem}") from None
    return root


class _Open:
    """A mapping or list being read: its pending key, where it starts, its anchor and merges."""

    __slots__ = ("container", "mark", "before", "anchor", "key", "key_mark", "merges")

    def __init__(self, container: Any, mark: Any, before: int, anchor: str | None):
        self.container, self.mark, self.before, self.anchor = container, mark, before, anchor
        self.key: Any = _NO_KEY
        self.key_mark: Any = None
        self.merges: list[Any] = []


def _merge(done: _Open, positions: bool) -> None:
    """Keys from merge sources (``<<``) first, as PyYAML orders them; explicit keys win, then
    earlier sources over later ones."""
    if not done.merges:
        return
    container = done.container
    explicit = list(container.items())
    explicit_positions = dict(container.key_positions) if positions else {}
    container.clear()
    for source in reversed(done.merges):
        container.update(source)
        if positions and isinstance(source, YamlMap):
            container.key_positions.update({k: source.key_positions.get(k, source.position) for k in source})
    container.update(explicit)
    if positions:
        container.key_positions.update(explicit_positions)


_MERGE = object()


def load_with_lines(path: Path | str, text: str | None = None) -> Any:
    """A trusted document (:data:`TRUSTED`) whose mappings and lists keep their positions."""
    return read(path, text, TRUSTED)


def load_untrusted(
    path: Path | str,
    text: str,
    *,
    max_nodes: int = DESCRIPTION_MAX_NODES,
    max_depth: int = DESCRIPTION_MAX_DEPTH,
) -> Any:
    """Plain data (dicts, lists, str, int, float, bool, None) from untrusted YAML, in linear time."""
    policy = UNTRUSTED
    if (max_nodes, max_depth) != (policy.max_nodes, policy.max_depth):
        policy = Policy(False, False, False, policy.max_bytes, max_nodes, max_depth, policy.what)
    return read(path, text, policy)


def span_of(root: Any, loc: Sequence[str | int], file: str | None = None) -> Span:
    """Where the deepest value along ``loc`` that the document has was written (the key's position
    for a mapping entry, the item's for a list item); line 1 of ``file`` for a plain document."""
    node: Any = root
    span = node.span() if isinstance(node, YamlMap | YamlSeq) else Span(file or "", 1, 1)
    for key in loc:
        if isinstance(node, YamlMap) and key in node:
            span, node = node.span(key), node[key]
        elif isinstance(node, YamlSeq) and isinstance(key, int) and 0 <= key < len(node):
            span, node = node.span(key), node[key]
        else:
            break
    return span


def line_of(root: Any, loc: Sequence[str | int]) -> int:
    """1-based line of the deepest value along ``loc`` that the document has."""
    return span_of(root, loc).line


def plain(node: Any) -> Any:
    """The document as plain dicts and lists (keys as text; dates and numbers are kept)."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node
