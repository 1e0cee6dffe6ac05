#!/usr/bin/env python3
"""Gateway latency, throughput and memory: `scamscan clamd`/`scamscan milter` against Debian's clamd.

    python bench/gateway.py [--messages N] [--memory-messages N] [--signature-base DIR] [--json FILE]

Workload: a deterministic mix of ~100 KB messages, half plain text, half with a ZIP attachment
(a text document and a small script inside), built in memory.  For each rule set (bundled rules;
bundled + signature-base) it measures, back to back on the same messages:

* scamscan clamd, INSTREAM: latency per message (one client, p50/p99) and throughput (2 clients);
* scamscan milter behind a real Postfix (bench/gateway_postfix.py): the SMTP client's wait at
  end-of-data, one connection, and throughput with 2 SMTP connections;
* Debian's clamd (``clamav-daemon``) with a DatabaseDirectory holding only the same .yar files (it
  needs no main database), INSTREAM the same way; and Debian's clamav-milter in front of that clamd,
  behind the same Postfix.  ClamAV's YARA subset has no external variables (filename, filetype...)
  and no ``wide`` regex strings, so it loads only part of the files: the count it loaded is printed
  next to its figures.

Once per run, the same Postfix with no milter: the floor both milters sit on.

Two revisions side by side (old and new alternated, medians): ``bench/gateway_compare.py``.

Memory: RSS of the scamscan clamd daemon after a warm-up and after ``--memory-messages`` (10,000)
messages (target growth < 10%), and its peak during a RELOAD.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway_clients import instream
from gateway_postfix import PostfixFront, clamav_milter

REPO = Path(__file__).resolve().parent.parent
SIGNATURE_BASE = (REPO / ".." / "shared" / "data" / "rulesets" / "signature-base" / "yara").resolve()
WORDS = ("invoice", "meeting", "schedule", "quarterly", "report", "update", "server", "backup", "network",
         "printer", "ticket", "customer", "contract", "delivery", "project", "budget", "review", "agenda")


def text(n: int, seed: int) -> str:
    out, i, size = [], seed, 0
    while size < n:
        i = (i * 1103515245 + 12345) % 2**31
        out.append(WORDS[i % len(WORDS)] + (".\n" if i % 13 == 0 else " "))
        size += len(out[-1])
    return "".join(out)[:n]


def messages(count: int) -> list[bytes]:
    out = []
    for n in range(count):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "it@example.com", "staff@example.org", f"report {n}"
        if n % 2:
            msg.set_content(text(30_000, n))
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
                z.writestr("report.txt", text(40_000, n + 7))
                z.writestr("notes.txt", text(2_000, n + 9))
            msg.add_attachment(buf.getvalue(), maintype="application", subtype="zip", filename=f"report{n}.zip")
        else:
            msg.set_content(text(100_000, n))
        out.append(msg.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"daemon exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"port {port} never opened")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    """RSS of `pid` and its descendants (the daemon's scan worker processes count too)."""
    try:
        m = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
        kids = [int(k) for t in Path(f"/proc/{pid}/task").iterdir()
                for k in (t / "children").read_text().split()]
    except OSError:
        return 0
    return (int(m.group(1)) if m else 0) + sum(rss_kib(k) for k in kids)


def measure(send: Any, both: list[bytes], clients: int) -> dict[str, Any]:
    """Latency on the first half of `both`, throughput on the second: clamd caches results by hash,
    so no daemon ever sees a message twice.  `send(client, message)` returns the reply, or
    (latency in ms, reply) when it times only part of the exchange itself (SMTP end-of-data)."""
    msgs, fresh = both[:len(both) // 2], both[len(both) // 2:]
    lat: list[float] = []
    replies: dict[str, int] = {}
    for m in msgs:  # latency: one client, one message at a time
        t = time.perf_counter()
        reply = send(0, m)
        ms = (time.perf_counter() - t) * 1000
        if isinstance(reply, tuple):
            ms, reply = reply
        lat.append(ms)
        key = re.sub(rb"^stream: .* FOUND$", b"FOUND", reply).decode(errors="replace")[:40]
        replies[key] = replies.get(key, 0) + 1
    t = time.perf_counter()  # throughput: `clients` connections, each with its own share of the messages
    with ThreadPoolExecutor(clients) as pool:
        done = list(pool.map(lambda c: [send(c, m) for m in fresh[c::clients]], range(clients)))
    elapsed = time.perf_counter() - t
    failed = (b"ERROR", b"451", b"421")
    errors = sum(1 for part in done for r in part if (r[1] if isinstance(r, tuple) else r).endswith(failed))
    return {"p50_ms": round(pct(lat, 0.5), 2), "p99_ms": round(pct(lat, 0.99), 2),
            "msgs_per_s": round(len(fresh) / elapsed, 1), "replies": replies, "errors_concurrent": errors}


SOURCE: str | None = None  # a checkout whose `scanner` the daemons run (PYTHONPATH); None: the installed one


def scamscan(kind: str, port: int, rules: list[str], log: Path) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).parent / "scamscan"
    extra = [a for r in rules for a in ("--rules", r)]
    where = ["--tcp", f"127.0.0.1:{port}"] if kind == "clamd" else ["--socket", f"inet:{port}@127.0.0.1"]
    env = {**os.environ, "PYTHONPATH": SOURCE} if SOURCE else None
    proc = subprocess.Popen([str(exe), kind, *where, *extra], stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            env=env)
    wait_port(port, proc)
    return proc


def real_clamd(tmp: Path, rule_dirs: list[Path], port: int) -> tuple[subprocess.Popen[bytes], int] | None:
    if shutil.which("clamd") is None:
        return None
    db = tmp / "clamdb"
    db.mkdir(exist_ok=True)
    probe = tmp / "probe.txt"
    probe.write_text("probe\n")
    files = [f for d in rule_dirs for f in sorted(d.rglob("*.yar"))]
    for n, f in enumerate(files):  # one file clamd rejects makes it refuse the whole database
        ok = subprocess.run(["clamscan", "--no-summary", "-d", str(f), str(probe)], capture_output=True).returncode == 0
        if ok:
            shutil.copy(f, db / f"{n}_{f.name}")
    print(f"clamd: {len(list(db.iterdir()))} of {len(files)} .yar files accepted by clamscan", flush=True)
    conf = tmp / "clamd.conf"
    conf.write_text(f"DatabaseDirectory {db}\nTCPSocket {port}\nTCPAddr 127.0.0.1\nForeground yes\n"
                    f"LogFile {tmp}/clamd.log\nLogVerbose yes\nStreamMaxLength 100M\nUser root\nMaxThreads 2\n")
    proc = subprocess.Popen(["clamd", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, proc, 600)
    except RuntimeError as exc:
        raise RuntimeError(f"clamd: {exc}: {(tmp / 'clamd.log').read_text(errors='replace')[-800:]}") from None
    loaded = re.findall(r"Loaded (\d+) signatures", (tmp / "clamd.log").read_text(errors="replace"))
    return proc, int(loaded[-1]) if loaded else -1


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def run_set(label: str, rules: list[str], msgs: list[bytes], tmp: Path, clamav: bool = True) -> dict[str, Any]:
    res: dict[str, Any] = {"rules": label}
    port = free_port()
    proc = scamscan("clamd", port, rules, tmp / "scamscan-clamd.log")
    try:
        instream(port, b"Subject: warm-up\r\n\r\nwarm\r\n")
        res["scamscan_instream"] = measure(lambda c, m: instream(port, m), msgs, 2)
    finally:
        stop(proc)
    mport = free_port()
    proc = scamscan("milter", mport, rules, tmp / "scamscan-milter.log")
    try:
        with PostfixFront(mport) as front:
            front.send(0, msgs[0])  # warm-up
            res["postfix_scamscan_milter"] = measure(front.send, msgs, 2)
    finally:
        stop(proc)
    if not clamav:
        return res
    cport = free_port()
    dirs = [REPO / "rules" / "yara", *map(Path, rules)]
    workdir = tmp / label
    workdir.mkdir()
    started = real_clamd(workdir, dirs, cport)
    if started is None:
        res["clamd_instream"] = "clamd not installed (apt-get install clamav-daemon)"
        return res
    cproc, loaded = started
    try:
        instream(cport, b"Subject: warm-up\r\n\r\nwarm\r\n")
        res["clamd_instream"] = {**measure(lambda c, m: instream(cport, m), msgs, 2), "signatures_loaded": loaded}
        res["postfix_clamav_milter"] = clamav_milter_run(workdir, cport, msgs)
    finally:
        stop(cproc)
    return res


def clamav_milter_run(workdir: Path, clamd_port: int, msgs: list[bytes]) -> dict[str, Any] | str:
    mport = free_port()
    proc = clamav_milter(workdir, clamd_port, mport)
    if proc is None:
        return "clamav-milter not installed (apt-get install clamav-milter)"
    try:
        wait_port(mport, proc)
        with PostfixFront(mport) as front:
            front.send(0, msgs[0])
            return measure(front.send, msgs, 2)
    finally:
        stop(proc)


def postfix_alone(msgs: list[bytes]) -> dict[str, Any]:
    """The floor: the same Postfix, queueing the same messages, with no milter."""
    with PostfixFront(None) as front:
        front.send(0, msgs[0])
        return measure(front.send, msgs, 2)


def memory(msgs: list[bytes], count: int, tmp: Path) -> dict[str, Any]:
    port = free_port()
    proc = scamscan("clamd", port, [], tmp / "scamscan-memory.log")
    try:
        for m in msgs[:500]:
            instream(port, m)
        warm = rss_kib(proc.pid)
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda i: instream(port, msgs[i % len(msgs)]), range(count)))
        after = rss_kib(proc.pid)
        peak = after
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"zRELOAD\0")
            s.recv(100)
        for _ in range(100):
            peak = max(peak, rss_kib(proc.pid))
            time.sleep(0.05)
        settled = rss_kib(proc.pid)
        return {"messages": count, "rss_warm_kib": warm, "rss_after_kib": after,
                "growth_pct": round(100 * (after - warm) / warm, 1), "rss_reload_peak_kib": peak,
                "rss_after_reload_kib": settled}
    finally:
        stop(proc)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=300)
    ap.add_argument("--memory-messages", type=int, default=10_000)
    ap.add_argument("--signature-base", default=str(SIGNATURE_BASE))
    ap.add_argument("--json")
    ap.add_argument("--skip-clamav", action="store_true", help="measure scamscan only (no clamd, clamav-milter)")
    args = ap.parse_args()
    msgs = messages(2 * args.messages)  # N for latency, N others for throughput
    print(f"{len(msgs)} messages, mean {statistics.mean(map(len, msgs)) / 1024:.0f} KiB, "
          f"{sum(1 for m in msgs if b'.zip' in m)} with a ZIP; {os.cpu_count()} cores", flush=True)
    results: dict[str, Any] = {"sets": []}
    with tempfile.TemporaryDirectory(prefix="scamscan-bench-gw-") as t:
        tmp = Path(t)
        os.environ["XDG_CACHE_HOME"] = str(tmp / "cache")
        sets = [("bundled", [])]
        if Path(args.signature_base).is_dir():
            sets.append(("bundled+signature-base", [args.signature_base]))
        results["postfix_no_milter"] = postfix_alone(msgs)
        print(json.dumps({"postfix_no_milter": results["postfix_no_milter"]}), flush=True)
        for label, rules in sets:
            res = run_set(label, rules, msgs, tmp, not args.skip_clamav)
            results["sets"].append(res)
            print(json.dumps(res), flush=True)
        if args.memory_messages:
            results["memory"] = memory(msgs, args.memory_messages, tmp)
            print(json.dumps(results["memory"]), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
