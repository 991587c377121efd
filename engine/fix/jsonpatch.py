"""RFC 6902 JSON Patch: the patch between two documents, and applying one (add/remove/replace/test).

Only what fix plans need: :func:`diff` writes ``add``/``replace``/``remove`` operations (an
object's new keys are added whole; a list that only grew at its end gets ``/-`` appends, any
other changed list of values is replaced whole; lists of objects of the same length are
patched item by item); :func:`apply` applies any patch of those operations and ``test``.
"""

from __future__ import annotations

import copy
from typing import Any


class PatchError(ValueError):
    """A patch that does not apply: the operation's index and why."""


def pointer(parts: list[str | int]) -> str:
    """A JSON Pointer (RFC 6901) for a list of keys and indices."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _unpointer(ptr: str) -> list[str]:
    if ptr == "":
        return []
    if not ptr.startswith("/"):
        raise PatchError(f"a JSON Pointer starts with '/', got {ptr!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in ptr[1:].split("/")]


def diff(old: Any, new: Any, at: list[str | int] | None = None) -> list[dict[str, Any]]:
    """The operations that turn ``old`` into ``new``."""
    at = at or []
    if isinstance(old, dict) and isinstance(new, dict):
        ops: list[dict[str, Any]] = []
        for k in old:
            if k not in new:
                ops.append({"op": "remove", "path": pointer(at + [k])})
        for k, v in new.items():
            if k not in old:
                ops.append({"op": "add", "path": pointer(at + [k]), "value": copy.deepcopy(v)})
            elif old[k] != v or type(old[k]) is not type(v):
                ops += diff(old[k], v, at + [k])
        return ops
    if isinstance(old, list) and isinstance(new, list):
        if len(old) == len(new) and all(isinstance(x, dict) for x in old + new):
            return [op for i, (a, b) in enumerate(zip(old, new, strict=True)) for op in diff(a, b, at + [i])]
        if len(new) > len(old) and new[: len(old)] == old:
            return [
                {"op": "add", "path": pointer(at + ["-"]), "value": copy.deepcopy(v)} for v in new[len(old) :]
            ]
    if old == new and type(old) is type(new):
        return []
    return [{"op": "replace", "path": pointer(at), "value": copy.deepcopy(new)}]


def apply(doc: Any, patch: list[dict[str, Any]]) -> Any:
    """A copy of ``doc`` with ``patch`` applied; :class:`PatchError` names the failing operation."""
    out = copy.deepcopy(doc)
    for i, op in enumerate(patch):
        try:
            out = _apply_one(out, op)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise PatchError(f"operation {i} ({op.get('op')} {op.get('path')}): {exc}") from None
    return out


def _apply_one(doc: Any, op: dict[str, Any]) -> Any:
    parts = _unpointer(op["path"])
    kind = op["op"]
    if not parts:
        if kind in ("add", "replace"):
            return copy.deepcopy(op["value"])
        raise PatchError(f"cannot {kind} the whole document")
    parent: Any = doc
    for p in parts[:-1]:
        parent = parent[int(p)] if isinstance(parent, list) else parent[p]
    last = parts[-1]
    if isinstance(parent, list):
        if kind == "add":
            index = len(parent) if last == "-" else int(last)
            if not 0 <= index <= len(parent):
                raise IndexError(f"index {index} out of range")
            parent.insert(index, copy.deepcopy(op["value"]))
        elif kind == "replace":
            parent[int(last)] = copy.deepcopy(op["value"])
        elif kind == "remove":
            del parent[int(last)]
        elif kind == "test":
            if parent[int(last)] != op["value"]:
                raise ValueError("test failed")
        else:
            raise PatchError(f"unsupported operation {kind!r}")
        return doc
    if kind == "add":
        parent[last] = copy.deepcopy(op["value"])
    elif kind == "replace":
        if last not in parent:
            raise KeyError(f"{last!r} does not exist (replace needs an existing member)")
        parent[last] = copy.deepcopy(op["value"])
    elif kind == "remove":
        del parent[last]
    elif kind == "test":
        if parent[last] != op["value"]:
            raise ValueError("test failed")
    else:
        raise PatchError(f"unsupported operation {kind!r}")
    return doc
