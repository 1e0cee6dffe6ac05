"""Killable scan workers: every scan of `scan -j` and of the gateways runs in a worker process.

Why processes, and why pebble: a scan runs native parsers (libyara, LIEF, decoders) that can crash
the process or loop without ever returning to Python, where no signal or thread can stop them.  Only
a separate process can be killed.  The standard library's pools cannot do it: `multiprocessing.Pool`
waits forever for the result of a worker that died, and `concurrent.futures.ProcessPoolExecutor`
breaks the whole pool (every pending future fails) and has no per-task deadline.  pebble's
`ProcessPool` (PyPI ``pebble``) has exactly what is needed: a per-task timeout counted from the
moment a worker *starts* the task (queue time does not count), the worker killed (SIGTERM, then
SIGKILL) when it passes, a dead worker's task failed with `ProcessExpired` while the others go on,
a replacement worker forked at once, recycling after ``max_tasks`` tasks, and workers that ignore
SIGINT so Ctrl-C reaches only the parent.

What is ours: the state a task runs against (a `Scanner` with compiled rules) is handed to the
workers by ``fork``, copy-on-write, never pickled; each pool registers its state under a token, so
workers forked later for an older pool (a replacement after a reload) still find that pool's state.
pebble's failures are mapped onto two exceptions of ours, `WorkerCrashed` and `WorkerTimeout`, and
a bounded queue refuses work at once (`QueueFull`) instead of letting waits grow without end.
Each task gets a temp folder of its own, made and removed by the parent: a worker killed at its
deadline never cleans up, and what it was extracting (a disk image's files, up to the scan's size
budget, from 7-Zip) stayed in /tmp, so a stream of images that time out would fill the disk.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from typing import Any, Generic, TypeVar

from pebble import ProcessExpired, ProcessPool

log = logging.getLogger("scamscan.workers")

S = TypeVar("S")
T = TypeVar("T")

_STATES: dict[int, Any] = {}  # token -> state, inherited by every worker forked after registration
_TOKENS = itertools.count(1)


class WorkerCrashed(Exception):
    """The worker process died while it ran the task (native crash, killed, out of memory)."""

    def __init__(self, exitcode: int | None) -> None:
        self.exitcode = exitcode
        super().__init__(f"the worker process died ({describe_exit(exitcode)})")


class WorkerTimeout(Exception):
    """The task ran past its deadline; its worker was killed."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"not finished within {seconds:g}s; the worker was stopped")


class QueueFull(Exception):
    """Every worker is busy and the waiting queue is full: the caller should answer 'try later'."""


def describe_exit(code: int | None) -> str:
    if code is None:
        return "no exit status"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _run(token: int, folder: str, function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """In the worker: the task, with `folder` (the parent's, removed after the task whatever
    happens to this process) as the temp folder of everything it writes through `tempfile`."""
    saved = tempfile.tempdir
    tempfile.tempdir = folder
    try:
        return function(_STATES[token], *args)
    finally:
        tempfile.tempdir = saved


def _noop(state: object) -> None:
    return None


def _worker_init() -> None:
    """Drop what a forked worker must not share with a daemon parent.

    The signal wake-up fd: an asyncio parent (the clamd daemon) sets one, and the worker's SIGTERM
    at its deadline would be written there and stop the daemon as if it were its own.  Sockets: a
    worker forked while a client is connected would hold that connection open after the daemon
    closed it, and the client would wait for an end that never comes.  A worker needs no socket
    (pebble talks to it over pipes); stdin/stdout/stderr stay."""
    signal.set_wakeup_fd(-1)
    try:
        fds = [int(n) for n in os.listdir("/proc/self/fd")]
    except OSError:
        return
    for fd in fds:
        if fd > 2:
            try:
                if stat.S_ISSOCK(os.fstat(fd).st_mode):
                    os.close(fd)
            except OSError:
                pass


class WorkerPool(Generic[S]):
    """`submit(function, *args)` runs ``function(state, *args)`` in a forked worker process.

    `workers` processes at most; each is replaced after `max_tasks` tasks (0: never).  At most
    `max_queue` tasks wait for a worker beyond those running (None: unbounded).
    """

    def __init__(self, state: S, workers: int, max_tasks: int = 0, max_queue: int | None = None) -> None:
        if not fork_available():
            raise RuntimeError("worker processes need the 'fork' start method")
        self.state = state
        self.workers = max(1, workers)
        self.max_tasks = max_tasks
        self.max_queue = max_queue
        self._token = next(_TOKENS)
        _STATES[self._token] = state
        self._lock = threading.Lock()
        self._pending = 0
        self._tmp = tempfile.mkdtemp(prefix="scamscan-workers-")
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPool:
        return ProcessPool(max_workers=self.workers, max_tasks=self.max_tasks, initializer=_worker_init,
                           context=multiprocessing.get_context("fork"))

    def start(self) -> WorkerPool[S]:
        """Fork the workers now and wait until one answers: daemons call it before they serve, so
        the first workers are forked before the connection threads and the event loop exist."""
        self.submit(_noop).result()
        return self

    @property
    def pending(self) -> int:
        """Tasks submitted and not finished (running or waiting)."""
        return self._pending

    def full(self, reserved: int = 0) -> bool:
        """No room for one more task, besides `reserved` ones the caller will submit."""
        return self.max_queue is not None and self._pending + reserved >= self.workers + self.max_queue

    def submit(self, function: Callable[..., T], *args: Any, timeout: float | None = None) -> Future[T]:
        """Queue a task; its future fails with WorkerTimeout/WorkerCrashed, or raises QueueFull now."""
        with self._lock:
            if self.full():
                raise QueueFull(f"{self._pending} scans running or waiting")
            self._pending += 1
        out: Future[T] = Future()
        folder = self._folder()
        try:
            inner = self._schedule((folder, function, args), timeout)
        except BaseException:
            self._discard(folder)
            self._finished()
            raise
        inner.add_done_callback(lambda f: self._settle(f, out, timeout, folder))
        return out

    def _folder(self) -> str:
        try:
            return tempfile.mkdtemp(prefix="task-", dir=self._tmp)
        except OSError:  # the pool's folder removed under it, or a full disk: the system's temp folder
            return tempfile.gettempdir()

    def _discard(self, folder: str) -> None:
        """Remove a task's folder; never the system temp folder `_folder` may have fallen back to."""
        if os.path.dirname(folder) == self._tmp:
            shutil.rmtree(folder, ignore_errors=True)

    def _schedule(self, task: tuple[str, Callable[..., Any], tuple[Any, ...]], timeout: float | None) -> Future[Any]:
        payload = (self._token, *task)
        try:
            return self._pool.schedule(_run, args=payload, timeout=timeout or None)
        except RuntimeError:  # pebble marks the pool broken when a worker dies with no task running
            log.warning("worker pool broken; starting a new one")
            self._pool = self._new_pool()
            return self._pool.schedule(_run, args=payload, timeout=timeout or None)

    def _finished(self) -> None:
        with self._lock:
            self._pending -= 1

    def _settle(self, inner: Future[Any], out: Future[Any], timeout: float | None, folder: str) -> None:
        self._discard(folder)
        self._finished()
        try:
            out.set_result(inner.result())
        except TimeoutError:
            out.set_exception(WorkerTimeout(timeout or 0.0))
        except ProcessExpired as exc:
            out.set_exception(WorkerCrashed(exc.exitcode))
        except CancelledError:
            out.cancel()
        except Exception as exc:  # noqa: BLE001 - the task's own error, or pebble's BrokenProcessPool
            if type(exc).__name__ == "BrokenProcessPool":
                out.set_exception(WorkerCrashed(None))
            else:
                out.set_exception(exc)

    def close(self) -> None:
        """Let queued tasks finish, then end the workers (in the background)."""
        self._pool.close()  # type: ignore[no-untyped-call]
        threading.Thread(target=self._join, name="scamscan-pool-close", daemon=True).start()

    def _join(self) -> None:
        self._pool.join()
        self._forget()

    def stop(self) -> None:
        """Kill every worker now; unfinished tasks fail."""
        self._pool.stop()  # type: ignore[no-untyped-call]
        self._pool.join()
        self._forget()

    def _forget(self) -> None:
        _STATES.pop(self._token, None)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> WorkerPool[S]:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self._pool.close()  # type: ignore[no-untyped-call]
            self._join()
        else:
            self.stop()
