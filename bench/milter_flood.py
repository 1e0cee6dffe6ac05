#!/usr/bin/env python3
"""Milter memory under a flood while every scan worker is busy: what a connection buffers.

    python bench/milter_flood.py [--connections N] [--megabytes M] [--scamscan-path DIR]

Starts `scamscan milter` (through tests/hostile.py, so one message can hang its only worker:
``gateway_workers = 1``, ``gateway_max_queue = 0``), occupies that worker, then opens N milter
connections that each send the envelope, a header and M MB of body in 60 kB chunks, as an MTA
does.  Reports the milter's peak RSS (VmHWM, its main process) over the idle baseline, and what each
connection was answered.  A milter that refuses a full queue at the first header sends 451 there
and buffers nothing; one that refuses only at end of data holds N x M MB first.

`--scamscan-path` runs another checkout's `scanner` package (e.g. an older commit exported with
`git archive`), side by side with this one.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import hostile  # noqa: E402  (tests/hostile.py: the hanging scan)
from milter_client import MilterClient  # noqa: E402

CHUNK = 60_000  # under libmilter's 64 KiB packet limit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def flood_one(port: int, megabytes: int) -> str:
    """Envelope, header, body until refused or sent; the answer and where it came."""
    with MilterClient(port, timeout=120) as client:
        client.negotiate()
        envelope = client.envelope()
        if envelope != [b"c"] * 5:
            return f"refused at {['connect', 'HELO', 'MAIL FROM', 'RCPT', 'DATA'][len(envelope) - 1]}"
        letter, _ = client.header("Subject", "flood")
        if letter != b"c":
            return "refused at the first header"
        client.ask(b"N")
        body = b"x" * (CHUNK - 2) + b"\r\n"
        for _ in range(megabytes * 1024 * 1024 // CHUNK):
            if client.ask(b"B", body)[0] != b"c":
                return "refused in the body"
        return "body sent (refused at end of data at the earliest)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--megabytes", type=int, default=20)
    ap.add_argument("--scamscan-path", help="a checkout whose scanner/ package to run")
    args = ap.parse_args()
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="milter-flood-"))
    flag = tmp / "hang-started"
    env = dict(os.environ, SCAMSCAN_GATEWAY_WORKERS="1", SCAMSCAN_GATEWAY_MAX_QUEUE="0",
               SCAMSCAN_GATEWAY_SCAN_TIMEOUT="600", **{hostile.HANG_FLAG_ENV: str(flag)})
    if args.scamscan_path:
        env["PYTHONPATH"] = args.scamscan_path
    log = (tmp / "milter.log").open("wb")
    proc = subprocess.Popen([*hostile.COMMAND, "milter", "--socket", f"inet:{port}@127.0.0.1"], env=env,
                            stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    try:
        for _ in range(1200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        hanging = MilterClient(port)
        hanging.negotiate()
        hanging.envelope()
        hanging.header("Subject", "hang")
        hanging.ask(b"N")
        hanging.ask(b"B", b"x " + hostile.HANG)
        hanging.send(b"E")  # its scan hangs in the only worker; no answer awaited
        while not flag.exists():
            time.sleep(0.05)
        base = hwm_kib(proc.pid)
        with ThreadPoolExecutor(args.connections) as pool:
            answers = list(pool.map(lambda _: flood_one(port, args.megabytes), range(args.connections)))
        peak = hwm_kib(proc.pid)
        print(f"milter ({args.scamscan_path or 'this checkout'}): {args.connections} connections x "
              f"{args.megabytes} MB while busy: peak RSS +{(peak - base) / 1024:.0f} MiB over {base / 1024:.0f} MiB")
        for answer in sorted(set(answers)):
            print(f"  {answers.count(answer)} x {answer}")
        hanging.sock.close()
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


if __name__ == "__main__":
    main()
