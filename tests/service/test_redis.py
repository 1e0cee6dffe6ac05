"""Scale-out on real components: a private redis-server, `scamscan serve --redis`, and two
`scamscan worker` processes.  Lures and clean files go in through the Thunderstorm routes (PyPI
`thunderstormAPI` client) and the native API; a worker is SIGKILLed mid-scan and every job still
completes; a job that kills every worker it lands on ends `incomplete: worker_crashed`; results are
shared through Redis; a reload message makes every worker pick up changed rules."""

from __future__ import annotations

import hashlib
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from helpers import TEST_RULES, run_scamscan, write_rules_dir
from service_support import (
    CLEAN,
    LURES,
    Daemon,
    Redis,
    request,
    service_env,
    slow_text,
    start_server,
    start_worker,
    wait_for,
    wait_job,
)
from thunderstormAPI.thunderstorm import ThunderstormAPI

from scanner.service.redisqueue import RELOAD_CHANNEL

SETTINGS = {"service_heartbeat_timeout": 1.5, "service_max_attempts": 2, "service_rate_limit": ""}
OCTET = {"Content-Type": "application/octet-stream"}
MARKER = b"plain words SCAMSCAN-RELOAD-MARKER plain words\n"


@dataclass
class Cluster:
    tmp: Path
    redis: Redis
    server: Daemon
    base: str
    rules: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def add_worker(self) -> subprocess.Popen[bytes]:
        proc = start_worker(self.tmp, self.redis.url, "--rules", str(self.rules), **SETTINGS)
        self.workers.append(proc)
        return proc

    def kill_worker(self, name: str) -> None:
        pid = int(name.rsplit(":", 1)[1])
        proc = next(p for p in self.workers if p.pid == pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        self.workers.remove(proc)
        self.add_worker()  # keep two


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("redis-cluster")
    rules = write_rules_dir(tmp / "rules", {"test.yar": TEST_RULES})
    redis = Redis(tmp)
    server, base = start_server(tmp, "--redis", redis.url, **SETTINGS)
    c = Cluster(tmp, redis, server, base, rules)
    try:
        c.add_worker()
        c.add_worker()
        wait_for(lambda: request(base + "/v1/health")[2]["workers"] == 2, 60, "two workers")
        yield c
    finally:
        for proc in c.workers:
            proc.terminate()
        for proc in c.workers:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        server.stop()
        redis.stop()


def running_on(base: str, job_id: str, other_than: str = "") -> str:
    """Wait until the job is being scanned (by a worker other than `other_than`); its worker's name."""
    seen: dict[str, Any] = {}

    def running() -> bool:
        seen.update(request(f"{base}/v1/jobs/{job_id}")[2])
        return seen["state"] == "running" and seen["worker"] != other_than

    wait_for(running, 120, f"job {job_id} running")
    return str(seen["worker"])


def test_mixed_submissions_complete_although_a_worker_is_killed(cluster: Cluster) -> None:
    base = cluster.base
    host, port = base.removeprefix("http://").split(":")
    api = ThunderstormAPI(host=host, port=int(port), source="collector-1")
    slow = request(base + "/v1/jobs?name=slow.txt", slow_text(), OCTET)[2]
    receipts = [(path, api.scan(str(path), asyn=True)) for path in (LURES + CLEAN) * 2]
    native = [(path, request(f"{base}/v1/jobs?name={path.name}", path.read_bytes(), OCTET)[2]) for path in LURES]
    cluster.kill_worker(running_on(base, slow["id"]))  # SIGKILL mid-scan

    assert api.scan(str(LURES[0]))[0]["level"] == "Alert"  # synchronous answers go on meanwhile
    for path, receipt in receipts:
        result: dict[str, Any] = {}

        def finished(r: dict[str, Any] = receipt, out: dict[str, Any] = result) -> bool:
            out.update(api.get_async_result(r["id"]))
            return out["status"] == "done"

        wait_for(finished, 120, f"{path.name}")
        assert bool(result["result"]) == (path in LURES), (path.name, result)
    for path, job in native:
        assert wait_job(base, job["id"])["report"]["verdict"] in ("suspicious", "malicious"), path.name
    done = wait_job(base, slow["id"])
    assert done["attempts"] == 2 and done["report"]["verdict"] != "incomplete"


def test_a_job_that_kills_its_workers_ends_worker_crashed(cluster: Cluster) -> None:
    base = cluster.base
    job = request(base + "/v1/jobs?name=crasher.txt", slow_text(), OCTET)[2]
    first = running_on(base, job["id"])
    cluster.kill_worker(first)
    cluster.kill_worker(running_on(base, job["id"], other_than=first))
    done = wait_job(base, job["id"])
    item = done["report"]["files"][0]
    assert done["attempts"] == 3 and item["verdict"] == "incomplete"
    assert [i["reason"] for i in item["incomplete"]] == ["worker_crashed"]


def test_results_are_shared_through_redis(cluster: Cluster) -> None:
    base = cluster.base
    data = LURES[2].read_bytes()
    first = request(base + "/v1/scan?name=shared.html", data, OCTET)[2]
    second = request(base + "/v1/scan?name=shared.html", data, OCTET)[2]
    assert first["report"]["files"][0]["cached"] is False and second["report"]["files"][0]["cached"] is True
    status, _, latest = request(f"{base}/v1/results/{hashlib.sha256(data).hexdigest()}")
    assert status == 200 and latest["files"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    status, _, text = request(base + "/metrics")
    assert "scamscan_cache_hits_total" in text and "scamscan_queue_length 0.0" in text


def test_reload_message_reaches_every_worker(cluster: Cluster) -> None:
    base = cluster.base
    assert request(base + "/v1/scan?name=marker.txt", MARKER, OCTET)[2]["report"]["verdict"] == "clean"
    rule = TEST_RULES.replace("TEST_Marker", "TEST_Reload_Marker").replace("SCAMSCAN-TEST-MARKER",
                                                                           "SCAMSCAN-RELOAD-MARKER")
    (cluster.rules / "yara" / "reload.yar").write_text(rule, encoding="utf-8")
    client = redis.Redis.from_url(cluster.redis.url)  # both workers listening (one may be a fresh replacement)
    wait_for(lambda: dict(client.pubsub_numsub(RELOAD_CHANNEL)).get(RELOAD_CHANNEL.encode()) == 2, 120,
             "two workers on the reload channel")
    out = run_scamscan(["reload", "--redis", cluster.redis.url])
    assert out.returncode == 0 and b"2 worker(s)" in out.stdout
    names: set[str] = set()

    def both_reloaded() -> bool:  # every worker, whichever takes the job, finds the new rule
        job = request(base + "/v1/scan?name=marker.txt", MARKER, OCTET)[2]
        if job["report"]["verdict"] == "clean":
            return False
        names.add(job["worker"])
        return len(names) == 2

    wait_for(both_reloaded, 60, "both workers reloaded")


def test_redis_unreachable_is_a_clear_error(tmp_path: Path) -> None:
    from gateway_support import free_port

    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    out = run_scamscan(["worker", "--redis", url], timeout=60)
    assert out.returncode == 69 and b"Redis at" in out.stderr
    port = free_port()
    server = Daemon(["serve", "--listen", f"127.0.0.1:{port}", "--redis", url], port, tmp_path / "serve.log",
                    service_env(service_rate_limit="")).start()
    base = f"http://127.0.0.1:{port}"
    try:
        status, head, err = request(base + "/v1/scan?name=x.txt", b"hello", OCTET)
        assert status == 503 and err["error"] == "queue_unavailable" and head["retry-after"]
        status, _, health = request(base + "/v1/health")
        assert status == 503 and health["error"] == "queue_unavailable"
    finally:
        server.stop()


def test_queue_full_on_redis_gets_503_with_retry_after(tmp_path: Path) -> None:
    redis_server = Redis(tmp_path)  # no worker: whatever is queued stays queued
    server, base = start_server(tmp_path, "--redis", redis_server.url, service_queue_max=1, service_rate_limit="")
    try:
        status, _, first = request(base + "/v1/jobs?name=a.txt", b"first", OCTET)
        assert status == 202 and first["state"] == "queued"
        status, head, err = request(base + "/v1/jobs?name=b.txt", b"second", OCTET)
        assert status == 503 and err["error"] == "queue_full" and int(head["retry-after"]) > 0
        assert request(f"{base}/v1/jobs/{first['id']}")[2]["state"] == "queued"
    finally:
        server.stop()
        redis_server.stop()
