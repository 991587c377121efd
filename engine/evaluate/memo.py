"""A bounded memo for values an evaluator keeps across evaluations (penalties, evidence)."""

from __future__ import annotations

from typing import Any


class BoundedMemo(dict):  # type: ignore[type-arg]
    """A dict that forgets everything when it grows past ``limit`` entries: a memo that cannot
    grow without bound, whatever the inputs (each entry is a pure function of its key)."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: Any, value: Any) -> None:
        if len(self) >= self.limit:
            self.clear()
        super().__setitem__(key, value)
