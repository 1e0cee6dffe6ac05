"""`scamscan worker --redis URL`: Dramatiq workers that scan the jobs `RedisBackend` queues.

Each process loads the rules once and runs one Dramatiq worker thread (scans are CPU-bound; more
processes, not threads, use more cores).  With ``--concurrency N`` the parent forks N such processes
after loading the rules (copy-on-write) and replaces any that dies.

Delivery: Dramatiq acks a message only after the actor returns, so a worker killed mid-scan leaves
the message unacked, and the next maintenance pass re-queues it once the worker's heartbeat is older
than `service_heartbeat_timeout`.  Dramatiq's consumer only heartbeats when it fetches, which a
worker busy with a long scan does not do, so a small thread here refreshes the same heartbeat entry
(`<namespace>:__heartbeats__`, the broker id) while the process lives.  Every start of a job counts
an attempt in the job record; a job that has already been started `service_max_attempts` times
killed that many workers and is finished as ``incomplete: worker_crashed`` without another try.

Reload: a message on the ``scamscan:reload`` channel (or SIGHUP) builds a new warmed `Scanner` off
to the side and swaps one reference, as the gateway daemons do; a failed reload keeps the old rules.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import dramatiq
import redis

from ..api import Scanner
from ..config import ConfigError, Settings, load_settings
from ..gateway.service import warmed_scanner
from ..intel.iocs import IocError
from ..models import ItemReport, ScanReport
from ..rules import RuleError
from . import stats
from .jobs import (
    DONE,
    RUNNING,
    Job,
    cache_key,
    crashed_report,
    failed_item,
    is_cacheable,
    now_iso,
    report_json,
    run_scan,
    wrap,
)
from .redisqueue import (
    POLL_MS,
    PREFIX,
    RELOAD_CHANNEL,
    WORKERS_KEY,
    blob_key,
    declare_actor,
    done_key,
    job_from_hash,
    job_key,
    make_broker,
)

log = logging.getLogger("scamscan.worker")
RELOAD_ERRORS = (ConfigError, RuleError, IocError, OSError)


@dataclass
class WorkerState:
    scanner: Scanner
    settings: Settings
    redis: redis.Redis
    name: str


_STATE: WorkerState | None = None


def scan_job(job_id: str) -> None:
    """The actor: one job, start to finish.  Scan failures become the report's `incomplete`; only a
    Redis failure raises, and Dramatiq's Retries middleware runs the job again later."""
    st = _STATE
    assert st is not None
    r, scanner = st.redis, st.scanner  # one scanner for the whole job, even across a reload
    pipe = r.pipeline(transaction=True)
    pipe.hincrby(job_key(job_id), "attempts", 1)
    pipe.hgetall(job_key(job_id))
    attempts, raw = pipe.execute()
    job = job_from_hash(job_id, raw)
    if job is None or job.state == DONE:
        if job is None:
            r.delete(job_key(job_id))  # only the attempts counter we just created
        return  # expired, or a duplicate delivery of a finished job
    job = replace(job, attempts=int(attempts))
    if job.attempts > st.settings.service_max_attempts:
        _finish(st, job, crashed_report(job, scanner.rules_version), 0.0)
        return
    started = time.perf_counter()
    key = f"{PREFIX}cache:{cache_key(scanner.cache_namespace, job.upload.sha256, job.upload.name)}"
    pipe = r.pipeline(transaction=False)
    pipe.hset(job_key(job_id), mapping={"state": RUNNING, "worker": st.name})
    pipe.get(key)
    pipe.get(blob_key(job_id))
    _, hit, data = pipe.execute()
    if hit:
        item = replace(ItemReport.from_dict(json.loads(hit)), path=job.upload.name, cached=True)
        report = wrap(item, scanner.rules_version, now_iso())
    elif data is None:
        item = failed_item(job.upload.name, "expired", "the upload expired before a worker took it",
                           sha256=job.upload.sha256, size=job.upload.size)
        report = wrap(item, scanner.rules_version, now_iso())
    else:
        report = run_scan(scanner, bytes(data), job.upload.name)
        if is_cacheable(report.files[0]):
            r.set(key, json.dumps(report.files[0].to_dict()), ex=st.settings.service_result_ttl)
    _finish(st, job, report, time.perf_counter() - started)


def _finish(st: WorkerState, job: Job, report: ScanReport, seconds: float) -> None:
    ttl = st.settings.service_result_ttl
    text = report_json(report)
    pipe = st.redis.pipeline(transaction=True)
    pipe.hset(job_key(job.id), mapping={"state": DONE, "report": text, "attempts": str(job.attempts)})
    pipe.expire(job_key(job.id), ttl)
    pipe.set(f"{PREFIX}latest:{job.upload.sha256}", text, ex=ttl)
    pipe.delete(blob_key(job.id))
    pipe.rpush(done_key(job.id), b"1")
    pipe.expire(done_key(job.id), ttl)
    for name, value in stats.increments(report.files[0], seconds).items():
        pipe.hincrbyfloat(f"{PREFIX}stats", name, value)
    pipe.execute()


def _reload(config_path: str | None, adjust: Callable[[Settings], Settings]) -> None:
    st = _STATE
    assert st is not None
    try:
        settings = adjust(load_settings(config_path))
        scanner = warmed_scanner(settings)
    except RELOAD_ERRORS as exc:
        log.error("reload failed, keeping rules %s: %s", st.scanner.rules_version, exc)
        return
    old = st.scanner.rules_version
    st.scanner, st.settings = scanner, settings
    st.redis.set(f"{PREFIX}rules_version", scanner.rules_version)
    log.warning("reloaded rules %s -> %s", old, scanner.rules_version)


def _listen_reload(url: str, reload: Callable[[], None], stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            pubsub = redis.Redis.from_url(url).pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
            pubsub.subscribe(RELOAD_CHANNEL)
            while not stop.is_set():
                if pubsub.get_message(timeout=1.0) is not None:
                    reload()
        except redis.RedisError as exc:
            log.warning("reload channel: %s", exc)
            stop.wait(1.0)


def _heartbeat(st: WorkerState, broker: dramatiq.Broker, stop: threading.Event) -> None:
    key = f"{broker.namespace}:__heartbeats__"  # type: ignore[attr-defined]
    interval = max(0.05, st.settings.service_heartbeat_timeout / 4)
    while not stop.is_set():
        now_ms = int(time.time() * 1000)
        try:
            st.redis.zadd(key, {broker.broker_id: now_ms})  # type: ignore[attr-defined]
            st.redis.zadd(WORKERS_KEY, {st.name: now_ms})
        except redis.RedisError as exc:
            log.warning("heartbeat: %s", exc)
        stop.wait(interval)


def run_one(url: str, scanner: Scanner, config_path: str | None, adjust: Callable[[Settings], Settings]) -> None:
    """One worker process: serve jobs until SIGTERM/SIGINT."""
    global _STATE
    settings = scanner.settings
    _STATE = WorkerState(scanner, settings, redis.Redis.from_url(url), f"{socket.gethostname()}:{os.getpid()}")
    _STATE.redis.set(f"{PREFIX}rules_version", scanner.rules_version)
    broker = make_broker(url, settings)
    declare_actor(broker, scan_job)
    stop = threading.Event()
    reload_wanted = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, lambda *_: reload_wanted.set())
    threading.Thread(target=_heartbeat, args=(_STATE, broker, stop), daemon=True).start()
    threading.Thread(target=_listen_reload, args=(url, reload_wanted.set, stop), daemon=True).start()
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=POLL_MS)
    worker.start()
    log.warning("worker %s ready (rules %s)", _STATE.name, scanner.rules_version)
    while not stop.is_set():
        if reload_wanted.wait(0.2):
            reload_wanted.clear()
            _reload(config_path, adjust)
    worker.stop(timeout=int(settings.service_sync_timeout * 1000))
    broker.close()



def run(url: str, settings: Settings, concurrency: int, config_path: str | None,
        adjust: Callable[[Settings], Settings]) -> None:
    """`scamscan worker`: one process per unit of concurrency, replaced when it dies."""
    scanner = warmed_scanner(settings)
    if concurrency <= 1:
        run_one(url, scanner, config_path, adjust)
        return
    children: dict[int, int] = {}
    stopping = threading.Event()

    def spawn(slot: int) -> None:
        pid = os.fork()
        if pid == 0:
            try:
                run_one(url, scanner, config_path, adjust)
            finally:
                os._exit(0)
        children[pid] = slot

    def forward(signum: int, _frame: object) -> None:
        if signum in (signal.SIGTERM, signal.SIGINT):
            stopping.set()
        for pid in children:
            os.kill(pid, signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, forward)
    for slot in range(concurrency):
        spawn(slot)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        slot = children.pop(pid, -1)
        if slot >= 0 and not stopping.is_set():
            log.warning("worker process %d ended (status %d); starting another", pid, status)
            spawn(slot)
