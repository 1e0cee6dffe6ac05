"""A per-check deadline.

In the main thread of a process (the CLI, and every scan worker process of
`scan` and the gateways, see `workers/`) SIGALRM interrupts a check that runs
too long.  Elsewhere (a library caller's own threads) signals are unavailable,
so the deadline is a no-op there and long checks rely on their own bounds
(libyara's timeout, size limits).  Native code deaf to SIGALRM is stopped by the
worker's per-file deadline, which kills the process.

`shielded()` defers the deadline over code that must not be interrupted: a
native extension's module initialisation (LIEF's nanobind aborts the whole
process when a Python exception arrives while it initialises).  A deadline
that fires inside it is raised as soon as the shielded block ends.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class CheckTimeout(Exception):
    pass


_state = threading.local()


def _raise(signum: int, frame: FrameType | None) -> None:
    if getattr(_state, "shield", 0):
        _state.pending = True
        return
    raise CheckTimeout()


@contextmanager
def shielded() -> Iterator[None]:
    """Defer a deadline that fires inside the block to the end of the block."""
    _state.shield = getattr(_state, "shield", 0) + 1
    try:
        yield
    finally:
        _state.shield -= 1
    if not _state.shield and getattr(_state, "pending", False):
        _state.pending = False
        raise CheckTimeout()


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    _state.pending = False
    previous = signal.signal(signal.SIGALRM, _raise)
    old_delay, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if old_delay:
            signal.setitimer(signal.ITIMER_REAL, old_delay)
