"""WAL checkpoints off the request path (SQLite).

SQLite copies the write-ahead log into the database inside the commit that takes the log past
``wal_autocheckpoint`` pages (1,000 by default): with a 227 KB answer stored per POST, every ~15th
request waited for 4 MB to be copied and the database file fsynced (commit p99 9.7 ms against a
median of 1.7 ms). Here a :class:`Checkpointer` thread runs a PASSIVE checkpoint after commits —
it copies what is committed without blocking writers or readers, while the next requests commit —
and the automatic checkpoint stays only as a backstop (:data:`BACKSTOP_PAGES`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("regulint.api.db")

#: The WAL pages after which a commit still checkpoints itself (64 MB with 4 KB pages): reached
#: only if the checkpointer falls behind or is not running.
BACKSTOP_PAGES = 16_384


class Checkpointer:
    """Runs ``checkpoint`` in its own thread after commits (:meth:`nudge`): at most once per
    ``interval`` seconds, so the commits of that interval share one checkpoint."""

    def __init__(self, checkpoint: Callable[[], None], interval: float = 0.05, name: str = "wal-checkpoint"):
        self._checkpoint = checkpoint
        self._interval = interval
        self._name = name
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self.runs = 0  # checkpoints run (tests)

    def nudge(self) -> None:
        """Something was committed: checkpoint soon."""
        if self._thread is None:
            with self._start:
                if self._thread is None and not self._stopping.is_set():
                    self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                    self._thread.start()
        self._wake.set()

    def close(self) -> None:
        """Stop the thread (a checkpoint under way finishes first)."""
        self._stopping.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join()
            self._thread = None

    def _run(self) -> None:
        while True:
            self._wake.wait()
            if self._stopping.is_set():
                return
            self._wake.clear()
            try:
                self._checkpoint()
                self.runs += 1
            except Exception as exc:  # noqa: BLE001 - the backstop checkpoints if this keeps failing
                log.warning("WAL checkpoint failed: %s", exc)
            if self._stopping.wait(self._interval):
                return
