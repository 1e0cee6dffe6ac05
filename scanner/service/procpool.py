"""Killable worker processes for the embedded mode, on pebble's `ProcessPool`.

Interim: the project's shared pool (`scanner.workers`, built for `scan -j` and the gateways) had
not landed when the service did; this is the subset of its interface the service uses, on the same
library, to be replaced by an import of `scanner.workers` once that is on main.

Why processes and pebble: a scan runs native parsers that can crash or hang where no signal or
thread reaches; only a process can be killed.  `multiprocessing.Pool` waits forever for a dead
worker's result and `ProcessPoolExecutor` breaks entirely; pebble fails just that task
(`ProcessExpired`), replaces the worker, and kills a task past its timeout.  The scanner reaches
the workers by ``fork`` (copy-on-write), never pickled.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from typing import Any, Generic, TypeVar

from pebble import ProcessExpired, ProcessPool

S = TypeVar("S")
T = TypeVar("T")
_STATE: dict[int, Any] = {}


class WorkerCrashed(Exception):
    def __init__(self, exitcode: int | None) -> None:
        super().__init__(f"the worker process died (exit status {exitcode})")


class WorkerTimeout(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"not finished within {seconds:g}s; the worker was stopped")


class QueueFull(Exception):
    pass


def _init() -> None:
    # An asyncio parent (uvicorn) has a signal wake-up fd; a worker's SIGTERM (its deadline) must not
    # be written there, or the server would take it as its own.
    signal.set_wakeup_fd(-1)


def _run(key: int, function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    return function(_STATE[key], *args)


def _noop(state: object) -> None:
    return None


class WorkerPool(Generic[S]):
    """`submit(function, *args)` runs ``function(state, *args)`` in a forked worker process."""

    def __init__(self, state: S, workers: int, max_queue: int | None = None) -> None:
        self.workers, self.max_queue = max(1, workers), max_queue
        self._key = id(self)
        _STATE[self._key] = state
        self._lock = threading.Lock()
        self.pending = 0
        self._pool = ProcessPool(max_workers=self.workers, initializer=_init,
                                 context=multiprocessing.get_context("fork"))

    def start(self) -> WorkerPool[S]:
        """Fork the workers now (before the event loop and its threads exist)."""
        self.submit(_noop).result()
        return self

    def submit(self, function: Callable[..., T], *args: Any, timeout: float | None = None) -> Future[T]:
        with self._lock:
            if self.max_queue is not None and self.pending >= self.workers + self.max_queue:
                raise QueueFull(f"{self.pending} scans running or waiting")
            self.pending += 1
        out: Future[T] = Future()
        try:
            inner = self._pool.schedule(_run, args=(self._key, function, args), timeout=timeout or None)
        except RuntimeError:  # pebble's pool broke (a worker died idle): start a new one
            self._pool = ProcessPool(max_workers=self.workers, initializer=_init,
                                     context=multiprocessing.get_context("fork"))
            inner = self._pool.schedule(_run, args=(self._key, function, args), timeout=timeout or None)
        inner.add_done_callback(lambda f: self._settle(f, out, timeout))
        return out

    def _settle(self, inner: Future[Any], out: Future[Any], timeout: float | None) -> None:
        with self._lock:
            self.pending -= 1
        try:
            out.set_result(inner.result())
        except TimeoutError:
            out.set_exception(WorkerTimeout(timeout or 0.0))
        except ProcessExpired as exc:
            out.set_exception(WorkerCrashed(exc.exitcode))
        except CancelledError:
            out.cancel()
        except Exception as exc:  # noqa: BLE001 - the task's own error, or a broken pool
            out.set_exception(WorkerCrashed(None) if type(exc).__name__ == "BrokenProcessPool" else exc)

    def close(self) -> None:
        """Let queued tasks finish, then end the workers (in the background)."""
        self._pool.close()  # type: ignore[no-untyped-call]
        threading.Thread(target=self._pool.join, daemon=True).start()

    def stop(self) -> None:
        self._pool.stop()  # type: ignore[no-untyped-call]
        self._pool.join()
        _STATE.pop(self._key, None)
