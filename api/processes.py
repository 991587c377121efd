"""Child processes that do not outlive their parent.

``regulint check --jobs`` workers and ``regulint serve --workers`` children call
:func:`die_with_parent` when they start: on Linux the kernel then sends them SIGTERM when the
process that started them dies, even by SIGKILL (``PR_SET_PDEATHSIG``), so no orphan keeps a
CPU busy or the port bound. Elsewhere a watcher thread notices the parent is gone within a second.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1
PARENT_ENV = "REGULINT_PARENT_PID"  # set by `regulint serve` for its worker children


def die_with_parent(parent: int) -> None:
    """End this process (SIGTERM) when ``parent`` dies (at once if it already has)."""
    armed = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
        except (OSError, AttributeError):  # pragma: no cover - no prctl
            armed = False
    if os.getppid() != parent:  # the parent died before the signal was armed
        os.kill(os.getpid(), signal.SIGTERM)
    if not armed:  # pragma: no cover - not Linux
        threading.Thread(target=_watch, args=(parent,), daemon=True, name="parent-watch").start()


def _watch(parent: int) -> None:  # pragma: no cover - not Linux
    while os.getppid() == parent:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)


def die_with_serving_parent() -> None:
    """In a ``serve --workers`` child (``REGULINT_PARENT_PID`` names its supervisor), follow it."""
    raw = os.environ.get(PARENT_ENV, "")
    if raw.isdigit() and os.getpid() != int(raw):
        die_with_parent(int(raw))
