"""YAML that remembers where each value came from, for ``file:line: message`` errors."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError


class YamlError(ValueError):
    """A YAML file that cannot be read, with the line where it fails."""

    def __init__(self, file: str, line: int, message: str):
        self.file, self.line, self.message = file, line, message
        super().__init__(f"{file}:{line}: {message}")


def load_with_lines(path: Path | str, text: str | None = None) -> Any:
    """Load YAML (round-trip mode, so nodes keep their line numbers); never evaluates tags."""
    path = str(path)
    if text is None:
        text = Path(path).read_text(encoding="utf-8")
    yaml = YAML(typ="rt")
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlError(path, line, f"invalid YAML: {exc.problem or exc.context}") from None


def line_of(root: Any, loc: Sequence[str | int]) -> int:
    """1-based line of the deepest node along ``loc`` that the document has."""
    node, line = root, 1
    for key in loc:
        try:
            if isinstance(node, CommentedMap) and key in node:
                line = node.lc.key(key)[0] + 1
                node = node[key]
            elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
                line = node.lc.item(key)[0] + 1
                node = node[key]
            else:
                break
        except (KeyError, IndexError, TypeError):  # a key inherited through a merge (<<) has no line
            node = node[key]
    return line


def plain(node: Any) -> Any:
    """Convert ruamel containers to plain dicts and lists (dates and numbers are kept)."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node


# --- fast path -------------------------------------------------------------------------------
# ruamel's round-trip loader keeps line numbers but is ~20x slower than libyaml. Rulesets are
# read with libyaml (PyYAML's C loader) under YAML 1.2 core-schema resolution, and re-read with
# ruamel only when an error needs its line.

import re as _re  # noqa: E402

import yaml as _pyyaml  # noqa: E402

_BaseLoader = getattr(_pyyaml, "CSafeLoader", _pyyaml.SafeLoader)


class _Yaml12Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """libyaml with YAML 1.2 core-schema scalars: only true/false are booleans (NO stays
    Norway), no sexagesimal numbers; dates stay dates."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (
        "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for first, resolvers in _pyyaml.SafeLoader.yaml_implicit_resolvers.items()
}  # fmt: skip
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", _re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", _re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    _re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)


def load_fast(path: Path | str, text: str) -> Any:
    """Plain data from YAML text, quickly; syntax errors are reported as by :func:`load_with_lines`."""
    try:
        return _pyyaml.load(text, Loader=_Yaml12Loader)  # noqa: S506 - a safe loader
    except _pyyaml.YAMLError as exc:
        load_with_lines(path, text)  # raises YamlError with ruamel's line and message, if it fails too
        mark = getattr(exc, "problem_mark", None)  # e.g. a tag the safe loader refuses to construct
        problem = getattr(exc, "problem", None) or "cannot be read"
        raise YamlError(str(path), mark.line + 1 if mark else 1, f"invalid YAML: {problem}") from None


class LazyLines:
    """Line numbers of a YAML document, parsed (slowly) only when first asked for."""

    def __init__(self, path: Path | str, text: str):
        self.path, self.text = str(path), text
        self._root: Any = None

    def line(self, loc: Sequence[str | int]) -> int:
        if self._root is None:
            self._root = load_with_lines(self.path, self.text)
        return line_of(self._root, loc)


def _construct_int_1_2(loader: Any, node: Any) -> int:
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    return int(text, 16) if text.startswith("0x") else int(text)  # "010" is ten in YAML 1.2


_Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int_1_2)


# --- untrusted documents ---------------------------------------------------------------------
# A product description comes from a stranger. It is built here from libyaml's events in one
# pass, so the work is linear in the text: anchors and aliases are refused (an alias bomb of a
# few hundred bytes would otherwise expand to gigabytes when walked), so are tags beyond the
# core schema (!!binary, !!set, !!python/…), duplicate keys, more than one document, nesting
# deeper than ``max_depth`` and more than ``max_nodes`` nodes. Scalars resolve as in YAML 1.2's
# core schema, except that dates stay strings (no description field is a date).

DESCRIPTION_MAX_NODES = 200_000
DESCRIPTION_MAX_DEPTH = 32

_NULL = _re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = _re.compile(r"^(?:true|True|TRUE)$")
_FALSE = _re.compile(r"^(?:false|False|FALSE)$")
_INT = _re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = _re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT = _re.compile(r"^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_STR_TAGS = frozenset({None, "!", "tag:yaml.org,2002:str"})
_MAP_TAGS = frozenset({None, "tag:yaml.org,2002:map"})
_SEQ_TAGS = frozenset({None, "tag:yaml.org,2002:seq"})


def _scalar(event: Any, path: str) -> Any:
    value = event.value
    if event.tag not in _STR_TAGS:
        raise YamlError(path, event.start_mark.line + 1, f"the tag {event.tag!r} is not accepted here")
    if event.tag is not None or event.style or not event.implicit[0]:
        return value  # quoted, block or explicitly tagged: a string
    if _NULL.match(value):
        return None
    if _TRUE.match(value):
        return True
    if _FALSE.match(value):
        return False
    try:
        if _INT.match(value):
            return _construct_int_text(value)
        if _FLOAT.match(value):
            number = float(value)
            if number in (float("inf"), float("-inf")):
                raise ValueError
            return number
    except ValueError:
        raise YamlError(path, event.start_mark.line + 1, f"the number {value[:40]} is out of range") from None
    if _SPECIAL_FLOAT.match(value):
        raise YamlError(path, event.start_mark.line + 1, f"{value} is not a number regulint accepts")
    return value


def _construct_int_text(text: str) -> int:
    if text.startswith("0o"):
        return int(text[2:], 8)
    return int(text, 16) if text.startswith("0x") else int(text)


def load_untrusted(
    path: Path | str,
    text: str,
    *,
    max_nodes: int = DESCRIPTION_MAX_NODES,
    max_depth: int = DESCRIPTION_MAX_DEPTH,
) -> Any:
    """Plain data (dicts, lists, str, int, float, bool, None) from untrusted YAML, in linear time.

    Raises :class:`YamlError` (with the line) for a syntax error and for anything refused above.
    """
    path = str(path)
    events = _pyyaml.parse(text, Loader=_BaseLoader)
    root: Any = None
    # each open container: [container, pending key (for a mapping), line of the container]
    stack: list[list[Any]] = []
    nodes = 0
    documents = 0

    def fail(event: Any, message: str) -> YamlError:
        return YamlError(path, event.start_mark.line + 1, message)

    def attach(value: Any, event: Any) -> None:
        nonlocal root
        if not stack:
            root = value
            return
        top = stack[-1]
        container = top[0]
        if isinstance(container, list):
            container.append(value)
        elif top[1] is _NO_KEY:
            if isinstance(value, (dict, list)):
                raise fail(event, "a mapping key must be a plain value, not a mapping or a list")
            key = event.value if isinstance(event, _pyyaml.ScalarEvent) else str(value)
            if key in container:
                raise fail(event, f"the key {key!r} appears twice in one mapping")
            top[1] = key
        else:
            container[top[1]] = value
            top[1] = _NO_KEY

    try:
        for event in events:
            kind = type(event)
            if kind in (_pyyaml.StreamStartEvent, _pyyaml.StreamEndEvent, _pyyaml.DocumentEndEvent):
                continue
            if kind is _pyyaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise fail(event, "one document expected, found a second (---)")
                continue
            if kind is _pyyaml.AliasEvent:
                raise fail(event, f"aliases (*{event.anchor}) are not accepted in a product description")
            if getattr(event, "anchor", None) is not None:
                raise fail(event, f"anchors (&{event.anchor}) are not accepted in a product description")
            if kind in (_pyyaml.MappingEndEvent, _pyyaml.SequenceEndEvent):
                value = stack.pop()[0]
                attach(value, event)
                continue
            nodes += 1
            if nodes > max_nodes:
                raise fail(event, f"the document has more than {max_nodes} values")
            if kind is _pyyaml.ScalarEvent:
                attach(_scalar(event, path), event)
                continue
            if len(stack) >= max_depth:
                raise fail(event, f"the document is nested more than {max_depth} levels deep")
            if kind is _pyyaml.MappingStartEvent:
                if event.tag not in _MAP_TAGS:
                    raise fail(event, f"the tag {event.tag!r} is not accepted here")
                if stack and isinstance(stack[-1][0], dict) and stack[-1][1] is _NO_KEY:
                    raise fail(event, "a mapping key must be a plain value, not a mapping or a list")
                stack.append([{}, _NO_KEY])
            else:  # SequenceStartEvent
                if event.tag not in _SEQ_TAGS:
                    raise fail(event, f"the tag {event.tag!r} is not accepted here")
                if stack and isinstance(stack[-1][0], dict) and stack[-1][1] is _NO_KEY:
                    raise fail(event, "a mapping key must be a plain value, not a mapping or a list")
                stack.append([[], _NO_KEY])
    except _pyyaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlError(path, mark.line + 1 if mark else 1, f"invalid YAML: {problem}") from None
    return root


_NO_KEY = object()
