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
