"""A bounded memo for values an evaluator keeps across evaluations (penalties, evidence, violations)."""

from __future__ import annotations

from typing import Self


class BoundedMemo(dict):  # type: ignore[type-arg]
    """A dict of values that are each a pure function of their key, emptied by :meth:`trim` once
    it has grown past ``limit`` entries. Trimmed once per evaluation (which adds at most a few
    hundred), so every lookup and store stays a plain dict operation and the memo stays bounded."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def trim(self) -> Self:
        if len(self) > self.limit:
            self.clear()
        return self
