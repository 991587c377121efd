"""Dated values: the one in force on a day is the newest dated on or before it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def newest_on(items: Sequence[T], day: dt.date, date_of: Callable[[T], dt.date]) -> T:
    """The item of ``items`` (oldest first) dated last on or before ``day``; before all, the oldest."""
    chosen = items[0]
    for item in items:
        if date_of(item) <= day:
            chosen = item
    return chosen
