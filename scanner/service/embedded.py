"""The one-machine back end: `scamscan serve` without `--redis`.

Jobs run in the killable worker processes of `scanner.workers` (forked with the compiled rules,
copy-on-write); job records, the result cache and the counters live in the server's memory for
`service_result_ttl` seconds.  A worker that dies mid-scan is replaced by the pool and its job is
started again, up to `service_max_attempts` starts; then the job ends ``incomplete: worker_crashed``.
A scan that passes `service_sync_timeout` has its worker killed and ends ``incomplete: timeout``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..config import Settings, load_settings
from ..gateway.service import warmed_scanner
from ..models import ItemReport, ScanReport
from ..workers import QueueFull as PoolFull
from ..workers import WorkerCrashed, WorkerPool, WorkerTimeout
from . import stats
from .jobs import (
    DONE,
    Job,
    QueueFull,
    Upload,
    cache_key,
    crashed_report,
    failed_item,
    is_cacheable,
    new_job,
    now_iso,
    run_scan,
    wrap,
)

MAX_CACHE = 100_000
MAX_JOBS = 100_000  # finished jobs kept in memory (oldest dropped first, even inside the TTL)


def _scan_task(scanner: Any, data: bytes, name: str) -> ScanReport:
    return run_scan(scanner, data, name)


class EmbeddedBackend:
    mode = "embedded"

    def __init__(self, settings: Settings, config_path: str | None = None,
                 adjust: Callable[[Settings], Settings] | None = None) -> None:
        self.settings = settings
        self._config_path, self._adjust = config_path, adjust or (lambda s: s)
        self.scanner = warmed_scanner(settings)
        self.pool = self._pool()
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self.done: dict[str, asyncio.Event] = {}
        self.latest_by_sha: dict[str, ScanReport] = {}
        self.cache: OrderedDict[str, ItemReport] = OrderedDict()
        self.counters: dict[str, float] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    def _pool(self) -> WorkerPool[Any]:
        import os

        workers = self.settings.service_workers or os.cpu_count() or 1
        # Forked now: at start-up that is before uvicorn's event loop and threads exist.
        return WorkerPool(self.scanner, workers=workers, max_queue=self.settings.service_queue_max).start()

    @property
    def rules_version(self) -> str:
        return self.scanner.rules_version

    async def submit(self, data: bytes, upload: Upload) -> Job:
        self._expire()
        job = new_job(upload)
        key = cache_key(self.scanner.cache_namespace, upload.sha256, upload.name)
        hit = self.cache.get(key)
        if hit is not None:
            self.jobs[job.id] = job
            self._finish(job, wrap(replace(hit, cached=True), self.rules_version, now_iso()), 0.0)
            return job
        future = self._start(job, data)  # raises QueueFull before the job is recorded
        self.jobs[job.id] = job
        self.done[job.id] = asyncio.Event()
        task = asyncio.get_running_loop().create_task(self._follow(job, data, key, future))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return job

    def _start(self, job: Job, data: bytes) -> asyncio.Future[ScanReport]:
        try:
            inner = self.pool.submit(_scan_task, data, job.upload.name, timeout=self.settings.service_sync_timeout)
        except PoolFull as exc:
            raise QueueFull(str(exc)) from None
        return asyncio.wrap_future(inner)

    async def _follow(self, job: Job, data: bytes, key: str, future: asyncio.Future[ScanReport]) -> None:
        started = time.perf_counter()
        attempts = 1
        while True:
            try:
                report = await future
                break
            except WorkerCrashed as exc:
                if attempts >= self.settings.service_max_attempts:
                    attempts += 1  # counted as in the Redis mode: the start that is refused
                    report = crashed_report(replace(job, attempts=attempts), self.rules_version)
                    break
                attempts += 1
                try:
                    future = self._start(job, data)
                except QueueFull:
                    item = failed_item(job.upload.name, "worker_crashed", str(exc), data)
                    report = wrap(item, self.rules_version, now_iso())
                    break
            except WorkerTimeout as exc:
                report = wrap(failed_item(job.upload.name, "timeout", str(exc), data), self.rules_version, now_iso())
                break
        if is_cacheable(report.files[0]):
            self.cache[key] = report.files[0]
            while len(self.cache) > MAX_CACHE:
                self.cache.popitem(last=False)
        self._finish(replace(job, attempts=attempts), report, time.perf_counter() - started)

    def _finish(self, job: Job, report: ScanReport, seconds: float) -> None:
        done = job.with_report(report)
        self.jobs[job.id] = done
        self.latest_by_sha[job.upload.sha256] = report
        stats.add(self.counters, stats.increments(report.files[0], seconds))
        event = self.done.pop(job.id, None)
        if event is not None:
            event.set()

    def _expire(self) -> None:
        cutoff = time.time() - self.settings.service_result_ttl
        while self.jobs:
            first = next(iter(self.jobs.values()))
            if first.state != DONE or (first.submitted >= cutoff and len(self.jobs) <= MAX_JOBS):
                break
            self.jobs.popitem(last=False)
            if self.latest_by_sha.get(first.upload.sha256) is first.report:
                del self.latest_by_sha[first.upload.sha256]

    async def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    async def wait(self, job_id: str, timeout: float) -> Job | None:
        event = self.done.get(job_id)
        if event is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout)
        return self.jobs.get(job_id)

    async def latest(self, sha256: str) -> ScanReport | None:
        return self.latest_by_sha.get(sha256)

    async def queue_length(self) -> int:
        return max(0, self.pool.pending - self.pool.workers)

    async def workers(self) -> int:
        return self.pool.workers

    async def stats(self) -> dict[str, float]:
        return dict(self.counters)

    async def reload(self) -> None:
        settings = self._adjust(load_settings(self._config_path))
        scanner = await asyncio.to_thread(warmed_scanner, settings)
        old = self.pool
        self.settings, self.scanner = settings, scanner
        self.pool = self._pool()
        self.cache.clear()
        old.close()

    async def close(self) -> None:
        self.pool.stop()

    def describe(self) -> dict[str, Any]:
        return {"mode": self.mode}
