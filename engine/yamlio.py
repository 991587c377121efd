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
