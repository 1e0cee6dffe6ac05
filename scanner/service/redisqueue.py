"""The scale-out back end: jobs on Redis through Dramatiq, results and the shared cache in Redis.

Why Dramatiq (over RQ, arq, Celery): its Redis broker is acks-late by design — a message stays in
the consuming worker's ack set until the actor returns, and when a worker stops heartbeating its
unacked messages go back on the queue (`heartbeat_timeout`, which we set from
`service_heartbeat_timeout`).  RQ forks a process per job and notices a dead worker only after its
monitoring interval plus a fixed 60 s; Celery's Redis transport redelivers only after a visibility
timeout of an hour by default and brings far more machinery; arq is asyncio-only.  Dramatiq
workers load the compiled rules once per process and scan in place.

Keys (prefix ``scamscan:``): ``job:<id>`` hash (state, upload, attempts, worker, report),
``blob:<id>`` the uploaded bytes until scanned, ``done:<id>`` a list the waiting request BLPOPs,
``cache:<key>`` the shared result cache, ``latest:<sha256>`` the latest report for that content,
``stats`` the counters, and the pub/sub channel ``reload``.  Everything expires after
`service_result_ttl`.  This module is the server's half; `rworker.py` is the worker's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import dramatiq
import redis.asyncio as aioredis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import Retries

from ..config import Settings
from ..models import ScanReport
from .jobs import DONE, Job, QueueFull, Upload, new_job, report_from_json

PREFIX = "scamscan:"
QUEUE = "scamscan"
ACTOR = "scamscan_scan"
NAMESPACE = "dramatiq"
RELOAD_CHANNEL = PREFIX + "reload"
WORKERS_KEY = PREFIX + "workers"  # sorted set: worker name -> last heartbeat (ms)
POLL_MS = 25  # an idle worker asks Redis for work this often (Dramatiq's idle back-off ceiling)


def job_key(job_id: str) -> str:
    return f"{PREFIX}job:{job_id}"


def blob_key(job_id: str) -> str:
    return f"{PREFIX}blob:{job_id}"


def done_key(job_id: str) -> str:
    return f"{PREFIX}done:{job_id}"


def make_broker(url: str, settings: Settings) -> RedisBroker:
    # Maintenance (moving a dead worker's unacked messages back) on every fetch: one cheap sorted-set
    # query, and a killed worker's job is re-queued within `service_heartbeat_timeout`.
    # Retries: an actor raises only when Redis itself fails mid-job; try again later instead of dead-lettering.
    broker = RedisBroker(url=url, namespace=NAMESPACE,  # type: ignore[no-untyped-call]
                         middleware=[Retries(max_retries=5, min_backoff=1000, max_backoff=30_000)],
                         heartbeat_timeout=int(settings.service_heartbeat_timeout * 1000),
                         maintenance_chance=1_000_000)
    broker.declare_queue(QUEUE)
    return broker


def declare_actor(broker: RedisBroker, fn: Any) -> dramatiq.Actor[Any, Any]:
    return dramatiq.Actor(fn, broker=broker, actor_name=ACTOR, queue_name=QUEUE, priority=0, options={})


def _no_op(job_id: str) -> None:  # the server only sends; the worker's actor has the body
    raise RuntimeError("scan jobs run in `scamscan worker`")


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def job_from_hash(job_id: str, raw: Mapping[Any, Any]) -> Job | None:
    h = {_text(k): _text(v) for k, v in raw.items()}
    if "upload" not in h:
        return None
    report = h.get("report")
    return Job(id=job_id, state=h.get("state", "queued"), upload=Upload.from_dict(json.loads(h["upload"])),
               submitted=float(h.get("submitted", "0")), attempts=int(h.get("attempts", "0")),
               worker=h.get("worker", ""), report=report_from_json(report) if report else None)


class RedisBackend:
    mode = "redis"

    def __init__(self, url: str, settings: Settings) -> None:
        self.url = url
        self.settings = settings
        self.redis = aioredis.Redis.from_url(url)
        self.broker = make_broker(url, settings)
        self.actor = declare_actor(self.broker, _no_op)
        self._rules_version = "unknown"

    @property
    def rules_version(self) -> str:
        return self._rules_version

    async def submit(self, data: bytes, upload: Upload) -> Job:
        job = new_job(upload)
        ttl = self.settings.service_result_ttl
        async with self.redis.pipeline(transaction=False) as pipe:  # one round trip: queue length and the job
            pipe.llen(f"{NAMESPACE}:{QUEUE}")
            pipe.set(blob_key(job.id), data, ex=ttl)
            pipe.hset(job_key(job.id), mapping={"state": job.state, "upload": json.dumps(upload.to_dict()),
                                                "submitted": str(job.submitted), "attempts": "0"})
            pipe.expire(job_key(job.id), ttl)
            waiting = (await pipe.execute())[0]
        if int(waiting) >= self.settings.service_queue_max:
            await self.redis.delete(blob_key(job.id), job_key(job.id))
            raise QueueFull(f"{self.settings.service_queue_max} jobs waiting")
        self.actor.send(job.id)  # one short Redis call; a thread hop would cost more than it saves
        return job

    async def get(self, job_id: str) -> Job | None:
        return job_from_hash(job_id, await self.redis.hgetall(job_key(job_id)))

    async def wait(self, job_id: str, timeout: float) -> Job | None:
        deadline = time.monotonic() + timeout
        while True:  # the worker pushes to done:<id> when it finishes: wait on that, then read the job once
            left = deadline - time.monotonic()
            if left > 0:
                await self.redis.blpop([done_key(job_id)], timeout=min(left, 5.0))
            job = await self.get(job_id)
            if job is None or job.state == DONE or deadline - time.monotonic() <= 0:
                return job

    async def latest(self, sha256: str) -> ScanReport | None:
        text = await self.redis.get(f"{PREFIX}latest:{sha256}")
        return report_from_json(text) if text else None

    async def queue_length(self) -> int:
        return int(await self.redis.llen(f"{NAMESPACE}:{QUEUE}"))

    async def workers(self) -> int:
        now_ms = time.time() * 1000
        return int(await self.redis.zcount(WORKERS_KEY, now_ms - self.settings.service_heartbeat_timeout * 1000,
                                           "+inf"))

    async def stats(self) -> dict[str, float]:
        raw = await self.redis.hgetall(f"{PREFIX}stats")
        version = await self.redis.get(f"{PREFIX}rules_version")
        if version:
            self._rules_version = _text(version)
        return {_text(k): float(v) for k, v in raw.items()}

    async def reload(self) -> None:
        await self.redis.publish(RELOAD_CHANNEL, b"reload")

    async def close(self) -> None:
        await self.redis.aclose()
        self.broker.close()

    def describe(self) -> dict[str, Any]:
        return {"mode": self.mode, "redis": self.url.split("@")[-1]}
