"""The embedded mode's worker processes: a worker killed mid-scan is replaced and its job started
again; a job that kills every worker it runs on ends `incomplete: worker_crashed`."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_support import Daemon, request, slow_text, start_server, wait_for, wait_job

OCTET = {"Content-Type": "application/octet-stream"}


def children(pid: int) -> list[int]:
    """Child processes, whichever of the server's threads forked them (pebble forks replacements
    from its own thread)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def busy_worker(server_pid: int) -> int:
    """The worker process that is scanning: the one whose CPU time grows (idle ones use none)."""
    base = {c: cpu_ticks(c) for c in children(server_pid)}
    found: list[int] = []

    def busy() -> bool:
        found[:] = [c for c in children(server_pid) if cpu_ticks(c) - base.setdefault(c, 0) > 20]
        return bool(found)

    wait_for(busy, 120, "a busy worker")
    return found[0]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Daemon, str]]:
    daemon, base = start_server(tmp_path_factory.mktemp("serve-embedded"), "--workers", "1",
                                service_max_attempts=2, service_rate_limit="")
    yield daemon, base
    daemon.stop()


def server_pid(daemon: Daemon) -> int:
    assert daemon.proc is not None
    return daemon.proc.pid


def test_killed_worker_is_replaced_and_the_job_completes(server: tuple[Daemon, str]) -> None:
    daemon, base = server
    job = request(base + "/v1/jobs?name=slow.txt", slow_text(), OCTET)[2]
    os.kill(busy_worker(server_pid(daemon)), signal.SIGKILL)
    done = wait_job(base, job["id"])
    assert done["attempts"] == 2 and done["report"]["verdict"] != "incomplete"
    assert request(base + "/v1/scan?name=after.txt", b"hello", OCTET)[2]["report"]["verdict"] == "clean"


def test_job_that_keeps_killing_workers_ends_worker_crashed(server: tuple[Daemon, str]) -> None:
    daemon, base = server
    job = request(base + "/v1/jobs?name=crasher.txt", slow_text(), OCTET)[2]
    first = busy_worker(server_pid(daemon))
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: first not in children(server_pid(daemon)), 60, "the first worker gone")
    os.kill(busy_worker(server_pid(daemon)), signal.SIGKILL)
    done = wait_job(base, job["id"])
    item = done["report"]["files"][0]
    assert done["attempts"] == 3 and [i["reason"] for i in item["incomplete"]] == ["worker_crashed"]
    assert request(base + "/v1/scan?name=after.txt", b"hello", OCTET)[2]["report"]["verdict"] == "clean"


def test_a_scan_past_its_deadline_ends_incomplete_timeout(tmp_path: Path) -> None:
    daemon, base = start_server(tmp_path, "--workers", "1", service_sync_timeout=0.5, service_rate_limit="")
    try:
        job = request(base + "/v1/jobs?name=slow.txt", slow_text(400_000), OCTET)[2]
        item = wait_job(base, job["id"])["report"]["files"][0]
        assert item["verdict"] == "incomplete" and [i["reason"] for i in item["incomplete"]] == ["timeout"]
        # the killed worker's SIGTERM did not reach the server: it still answers, with a new worker
        assert request(base + "/v1/scan?name=after.txt", b"hello", OCTET)[2]["report"]["verdict"] == "clean"
    finally:
        daemon.stop()
