#!/usr/bin/env python3
"""Scan service throughput and latency: `scamscan serve` (embedded workers, and Redis + `scamscan
worker`) against a direct `scamscan scan -j N` of the same files.

    python bench/serve.py [--messages N] [--latency N] [--workers 1,2,4] [--json FILE]

Workload: bench/gateway.py's deterministic ~100 KB mails (half plain text, half with a ZIP).  For each
worker count N it measures, on this machine:

* direct: `scamscan scan -j N --no-cache` of the messages as files (wall time; and the same minus the
  start-up of a one-file scan, i.e. what a long-running process would pay);
* embedded: `scamscan serve --workers N`, 2N clients posting `/v1/scan` (throughput), then one client
  posting `/api/check` one message at a time on the idle server (p50/p99 latency);
* redis: a private redis-server, `scamscan serve --redis`, one `scamscan worker --concurrency N`; the
  same two measurements.

Every upload has a name of its own, so the shared result cache never answers (it is keyed by the
content *and* the name): every request is a real scan.  The machine is shared, so every figure is
the best of ``--rounds`` runs (the rounds interleave the set-ups, so none gets only a quiet moment).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway import free_port, messages, pct, wait_port  # bench scripts share the workload

SCAMSCAN = [sys.executable, "-m", "scanner.cli"]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def direct(files: list[Path], jobs: int, tmp: Path) -> dict[str, Any]:
    out = tmp / "direct.jsonl"
    cpu_before = [0.0]

    def run(paths: list[Path]) -> float:
        t = time.perf_counter()
        cpu_before[0] = children_cpu()
        subprocess.run([*SCAMSCAN, "scan", "-j", str(jobs), "--no-cache", "--format", "jsonl", "-o", str(out),
                        *map(str, paths)], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t

    startup = run(files[:1])
    startup_cpu = children_cpu() - cpu_before[0]
    wall = run(files)
    cpu = children_cpu() - cpu_before[0] - startup_cpu  # the scans, not loading the rules
    verdicts: dict[str, int] = {}
    for line in out.read_text().splitlines():
        item = json.loads(line)
        key = item["verdict"] + ("+" + ",".join(sorted({i["reason"] for i in item["incomplete"]}))
                                 if item["incomplete"] else "")
        verdicts[key] = verdicts.get(key, 0) + 1
    return {"files_per_s": round(len(files) / wall, 1),
            "files_per_s_without_startup": round(len(files) / max(0.001, wall - startup), 1),
            "startup_s": round(startup, 2), "cpu_ms_per_file": round(1000 * cpu / len(files), 1),
            "verdicts": verdicts}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tree_cpu(pids: list[int]) -> float:
    """CPU seconds used so far by these processes and their children (the embedded workers)."""
    seen, todo, ticks = set(), list(pids), 0
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def post(port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        conn.request("POST", path, body, headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def multipart(data: bytes, name: str) -> tuple[bytes, dict[str, str]]:
    b = "bench-boundary-7d1f"
    body = (f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{b}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={b}"}


def service(port: int, msgs: list[bytes], latency_msgs: list[bytes], clients: int, pids: list[int]) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    octet = {"Content-Type": "application/octet-stream"}
    for i, m in enumerate(msgs[:4]):  # warm the workers
        post(port, f"/v1/scan?name=warm-{tag}-{i}.eml", m, octet)
    cpu = tree_cpu(pids)
    t = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        answers = list(pool.map(lambda im: post(port, f"/v1/scan?name={tag}-{im[0]}.eml", im[1], octet),
                                enumerate(msgs)))
    elapsed = time.perf_counter() - t
    cpu = tree_cpu(pids) - cpu
    codes = [status for status, _ in answers]
    verdicts: dict[str, int] = {}  # the same messages must get the same verdicts in every set-up
    for status, body in answers:
        if status == 200:
            item = json.loads(body)["report"]["files"][0]
            key = item["verdict"] + ("+" + ",".join(sorted({i["reason"] for i in item["incomplete"]}))
                                     if item["incomplete"] else "")
            verdicts[key] = verdicts.get(key, 0) + 1
    lat = []
    for i, m in enumerate(latency_msgs):
        body, headers = multipart(m, f"lat-{tag}-{i}.eml")
        t = time.perf_counter()
        status, _ = post(port, "/api/check?source=bench", body, headers)
        lat.append((time.perf_counter() - t) * 1000)
        codes.append(status)
    return {"files_per_s": round(len(msgs) / elapsed, 1), "p50_ms": round(pct(lat, 0.5), 1),
            "p99_ms": round(pct(lat, 0.99), 1), "errors": sum(1 for c in codes if c != 200),
            "cpu_ms_per_file": round(1000 * cpu / len(msgs), 1), "verdicts": verdicts}


def start(args: list[str], port: int, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=out, stdin=subprocess.DEVNULL, env=env)
    wait_port(port, proc)
    return proc


def stop(*procs: subprocess.Popen[bytes]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()


def wait_health(port: int, workers: int) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/v1/health")
            if json.loads(conn.getresponse().read()).get("workers", 0) >= workers:
                return
        except (OSError, ValueError):
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    raise RuntimeError("service never became healthy")


def one_round(n: int, files: list[Path], msgs: list[bytes], latency_msgs: list[bytes], tmp: Path,
              env: dict[str, str]) -> dict[str, Any]:
    run: dict[str, Any] = {"direct": direct(files, n, tmp)}
    port = free_port()
    srv = start([*SCAMSCAN, "serve", "--listen", f"127.0.0.1:{port}", "--workers", str(n)], port,
                tmp / "serve.log", env)
    try:
        wait_health(port, n)
        run["embedded"] = service(port, msgs, latency_msgs, 2 * n, [srv.pid])
    finally:
        stop(srv)
    rport, port = free_port(), free_port()
    redis = start([REDIS_SERVER, "--port", str(rport), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                   "--dir", str(tmp)], rport, tmp / "redis.log")
    url = f"redis://127.0.0.1:{rport}/0"
    srv = start([*SCAMSCAN, "serve", "--listen", f"127.0.0.1:{port}", "--redis", url], port, tmp / "serve.log", env)
    with open(tmp / "worker.log", "ab") as out:
        worker = subprocess.Popen([*SCAMSCAN, "worker", "--redis", url, "--concurrency", str(n)],
                                  stdout=out, stderr=out, stdin=subprocess.DEVNULL, env=env)
    try:
        wait_health(port, n)
        run["redis"] = service(port, msgs, latency_msgs, 2 * n, [srv.pid, worker.pid, redis.pid])
    finally:
        stop(worker, srv, redis)
    print(f"  round, workers={n}: {json.dumps(run)}", flush=True)
    return run


def best_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    best: dict[str, Any] = {}
    for mode in ("direct", "embedded", "redis"):
        best[mode] = {key: (max if key.startswith("files") or key == "errors" else min)(r[mode][key] for r in runs)
                      for key in runs[0][mode] if key != "verdicts"}
        best[mode]["verdicts"] = runs[0][mode]["verdicts"]
    for mode in ("embedded", "redis"):
        best[mode]["vs_direct_without_startup"] = round(
            best[mode]["files_per_s"] / best["direct"]["files_per_s_without_startup"], 2)
        best[mode]["vs_direct"] = round(best[mode]["files_per_s"] / best["direct"]["files_per_s"], 2)
        best[mode]["cpu_vs_direct"] = round(best[mode]["cpu_ms_per_file"] / best["direct"]["cpu_ms_per_file"], 2)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=120)
    ap.add_argument("--latency", type=int, default=100, help="sequential /api/check requests")
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    msgs = messages(args.messages)
    latency_msgs = messages(args.latency)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCAMSCAN_")}
    env.update(SCAMSCAN_SERVICE_RATE_LIMIT="", SCAMSCAN_RESULT_CACHE="false")
    results: dict[str, Any] = {"cores": os.cpu_count(), "messages": len(msgs),
                               "mean_kb": round(sum(map(len, msgs)) / len(msgs) / 1024, 1), "runs": {}}
    with tempfile.TemporaryDirectory(prefix="scamscan-bench-serve-") as name:
        tmp = Path(name)
        files = []
        for i, m in enumerate(msgs):
            files.append(tmp / f"m{i:04d}.eml")
            files[-1].write_bytes(m)
        rounds: dict[str, list[dict[str, Any]]] = {}
        for _ in range(args.rounds):
            for n in [int(x) for x in args.workers.split(",")]:
                rounds.setdefault(str(n), []).append(one_round(n, files, msgs, latency_msgs, tmp, env))
        for n, runs in rounds.items():
            results["runs"][n] = best = best_of(runs)
            print(f"workers={n}: {json.dumps(best)}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
