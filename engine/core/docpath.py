"""Document paths: ``data_practices[0].consent.explicit`` read, set and removed in a JSON document.

The one helper for the paths reports, rule examples, fix plans and the test strategies name.
"""

from __future__ import annotations

import re
from typing import Any

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def path_parts(path: str) -> list[str | int]:
    """``data_practices[0].consent`` -> ``['data_practices', 0, 'consent']``."""
    return [m.group(1) if m.group(1) is not None else int(m.group(2)) for m in _PART.finditer(path)]


def get_path(doc: Any, path: str) -> Any:
    """The value at a document path (KeyError, IndexError or TypeError when absent)."""
    node = doc
    for p in path_parts(path):
        node = node[p]
    return node


def set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    """Set a document path, creating missing (or null) objects and lists on the way."""
    parts = path_parts(path)
    node: Any = doc
    for part, after in zip(parts, parts[1:], strict=False):
        if isinstance(part, str) and (part not in node or node[part] is None):
            node[part] = [] if isinstance(after, int) else {}
        node = node[part]
    node[parts[-1]] = value


def delete_path(doc: dict[str, Any], path: str) -> None:
    """Remove a key or a list item (nothing happens when the path is absent)."""
    parts = path_parts(path)
    node: Any = doc
    for part in parts[:-1]:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
        elif isinstance(part, str) and isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return  # the parent is absent, so the path is already unset
    last = parts[-1]
    if isinstance(node, dict):
        node.pop(last, None)  # type: ignore[call-overload]
    elif isinstance(node, list) and isinstance(last, int) and last < len(node):
        del node[last]


__all__ = ["delete_path", "get_path", "path_parts", "set_path"]
