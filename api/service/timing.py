"""The ``Server-Timing`` header of the evaluation endpoints: where a request's time went.

``wait`` (for an evaluation slot), ``evaluate`` (read, parse, validate, evaluate and write the
report, or find a replay) and ``store`` (until the group commit holding its rows is on disk), in
milliseconds. Browsers show it in their developer tools; ``bench/loadgen.py`` reads it to tell the
server's share of a request's latency from the network's and the client's.
"""

from __future__ import annotations

import time


class ServerTiming:
    """Phases timed one after another from the moment it is made."""

    def __init__(self) -> None:
        self._last = time.perf_counter()
        self._phases: list[tuple[str, float]] = []

    def lap(self, name: str) -> None:
        """End the phase ``name`` now (the next one starts)."""
        now = time.perf_counter()
        self._phases.append((name, now - self._last))
        self._last = now

    def header(self) -> str:
        """``wait;dur=0.012, evaluate;dur=1.234``: each phase so far, in milliseconds."""
        return ", ".join(f"{name};dur={seconds * 1000:.3f}" for name, seconds in self._phases)
