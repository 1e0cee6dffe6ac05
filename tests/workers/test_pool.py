"""Killable worker processes: a crash or a hang costs one file, never the run (scanner/workers/)."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import hostile
import pytest
from helpers import MARKER, reasons

from scanner.api import Scanner
from scanner.models import ItemReport, Verdict
from scanner.walk import walk
from scanner.workers import QueueFull, WorkerCrashed, WorkerPool, WorkerTimeout


@pytest.fixture(autouse=True)
def _hostile(monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.engine import Engine

    monkeypatch.setattr(Engine, "scan", Engine.scan)  # restored after the test
    hostile.install()


def files(root: Path, bodies: dict[str, bytes]) -> Path:
    root.mkdir()
    for name, body in bodies.items():
        (root / name).write_bytes(body)
    return root


def scan_guarded(scans: Iterator[ItemReport], guard: float = 120) -> list[ItemReport]:
    """Collect every report; fail (instead of hanging the suite) if the run never ends."""
    out: list[ItemReport] = []
    runner = threading.Thread(target=lambda: out.extend(scans), daemon=True)
    runner.start()
    runner.join(guard)
    assert not runner.is_alive(), f"the scan hung with {len(out)} reports"
    return out


def by_name(reports: list[ItemReport]) -> dict[str, ItemReport]:
    return {Path(r.path).name: r for r in reports}


def test_a_killed_worker_costs_only_its_file_and_every_file_is_reported(
        tmp_path: Path, rules_dir: Path, make_scanner: Callable[..., Scanner]) -> None:
    bodies = {f"ok{i}.txt": b"nothing here %d" % i for i in range(6)}
    bodies["crash.bin"] = b"xx " + hostile.CRASH
    bodies["lure.txt"] = b"x " + MARKER
    root = files(tmp_path / "d", bodies)
    scanner = make_scanner(rules_dir, result_cache=False)
    reports = by_name(scan_guarded(scanner.scan_paths([str(root)], jobs=2)))
    assert set(reports) == set(bodies)
    crashed = reports["crash.bin"]
    assert crashed.verdict == Verdict.INCOMPLETE and reasons(crashed) == {"worker_crashed"}
    assert "SIGKILL" in crashed.incomplete[0].message
    assert reports["lure.txt"].verdict == Verdict.MALICIOUS
    assert all(reports[f"ok{i}.txt"].verdict == Verdict.CLEAN for i in range(6))


def test_a_hung_worker_is_killed_at_the_file_deadline(
        tmp_path: Path, rules_dir: Path, make_scanner: Callable[..., Scanner]) -> None:
    root = files(tmp_path / "d", {"hang.txt": hostile.HANG, "lure.txt": b"x " + MARKER, "ok.txt": b"fine"})
    scanner = make_scanner(rules_dir, result_cache=False, file_timeout=1.0)
    reports = by_name(scan_guarded(scanner.scan_paths([str(root)], jobs=2)))
    assert reasons(reports["hang.txt"]) == {"timeout"}
    assert reports["hang.txt"].verdict == Verdict.INCOMPLETE
    assert reports["lure.txt"].verdict == Verdict.MALICIOUS
    assert reports["ok.txt"].verdict == Verdict.CLEAN


def test_one_job_is_isolated_too_when_asked(
        tmp_path: Path, rules_dir: Path, make_scanner: Callable[..., Scanner]) -> None:
    root = files(tmp_path / "d", {"crash.bin": hostile.CRASH})
    scanner = make_scanner(rules_dir, result_cache=False)
    [report] = scan_guarded(scanner.scan_targets(list(walk([str(root)])), jobs=1, isolate=True))
    assert reasons(report) == {"worker_crashed"}


def _pid(state: object, pause: float = 0.0) -> int:
    time.sleep(pause)
    return os.getpid()


def _die(state: object) -> int:
    os._exit(3)


def test_workers_are_recycled_after_max_tasks_and_replaced_after_a_crash() -> None:
    with WorkerPool(None, workers=1, max_tasks=2) as pool:
        pids = [pool.submit(_pid).result(60) for _ in range(4)]
        with pytest.raises(WorkerCrashed, match="exit status 3"):
            pool.submit(_die).result(60)
        after = pool.submit(_pid).result(60)
    assert pids[0] == pids[1] and pids[2] == pids[3] and pids[0] != pids[2]
    assert after not in pids and after != os.getpid()


def test_deadline_counts_running_time_not_queue_time() -> None:
    with WorkerPool(None, workers=1) as pool:
        first = pool.submit(_pid, 1.5, timeout=60)
        queued = pool.submit(_pid, 0.0, timeout=1.0)  # waits ~1.5 s for the worker, runs in ~0
        assert queued.result(60) == first.result(60)
        with pytest.raises(WorkerTimeout):
            pool.submit(_pid, 30.0, timeout=0.5).result(60)


def test_a_full_queue_refuses_at_once() -> None:
    pool: WorkerPool[None] = WorkerPool(None, workers=1, max_queue=1)
    try:
        pool.submit(_pid, 30.0)
        pool.submit(_pid, 30.0)
        assert pool.full()
        with pytest.raises(QueueFull):
            pool.submit(_pid)
    finally:
        pool.stop()


def _leave_temp_files(state: object, end: str) -> str:
    """Write into a temp folder as an extractor does, then end as `end` says, never cleaning up."""
    folder = tempfile.mkdtemp(prefix="scamscan-disk-")
    Path(folder, "payload.exe").write_bytes(b"MZ" * 1000)
    if end == "hang":
        time.sleep(60)
    elif end == "crash":
        os._exit(9)
    return folder


@pytest.mark.parametrize("end", ["hang", "crash", "return"])
def test_a_task_leaves_no_temp_files_however_it_ends(end: str) -> None:
    # A worker killed at its deadline never ran its `finally`/`with` cleanup: the files a disk image's
    # extraction had written stayed in /tmp, and images that time out, mail after mail, fill the disk.
    with WorkerPool(None, workers=1) as pool:
        future = pool.submit(_leave_temp_files, end, timeout=2.0)
        if end == "return":
            written = Path(future.result(60))
            assert not written.exists()
        else:
            with pytest.raises(WorkerTimeout if end == "hang" else WorkerCrashed):
                future.result(60)
        root = Path(pool._tmp)
        assert root.is_dir() and not any(root.iterdir()), list(root.rglob("*"))
        assert pool.submit(_pid).result(60) != os.getpid()  # the pool goes on
    assert not root.exists()
