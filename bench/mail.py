#!/usr/bin/env python3
"""Mail throughput: `scamscan scan` over a folder of synthetic e-mails with attachments.

    python bench/mail.py [--count 1000] [--jobs N] [--repeat K] [--json FILE] [--keep DIR]

Writes `--count` RFC 5322 messages into a temp folder (deterministic: message n is
always the same bytes): every message has a text and an HTML body, and attachments
in rotation: a ZIP of two text files, a PDF-named text file, a password-protected
ZIP whose password is in the body (one in ten), a CSV, a nested message/rfc822 (one
in twenty), an mbox every fiftieth file.  Then it times
``scamscan scan --no-cache --format jsonl -o /dev/null --jobs N DIR`` with an empty
cache folder (compiled-rule cache warmed by a one-file scan first, not timed) and
reports messages/s and MB/s (median of `--repeat` runs) plus CPU seconds.

The target (issue 4) is relative: the figure must not drop by more than 10 % between
two versions of scamscan on the same machine; run the script on both and compare.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "samples"))


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 7, 19, 4, 9, 0)), data)
    return buf.getvalue()


def _part(name: str, data: bytes, ctype: str) -> str:
    return (f'--B\r\nContent-Type: {ctype}; name="{name}"\r\nContent-Disposition: attachment; filename="{name}"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(data).decode().replace("\n", "\r\n"))


def message(n: int, zipcrypto: bytes) -> bytes:
    words = " ".join(f"word{(n * 7 + i) % 997}" for i in range(400))
    text = f"Hello {n},\r\n\r\nPlease find the report attached.\r\n{words}\r\n"
    html = f"<html><body><p>Hello {n}</p><p>{words}</p><a href='https://example.com/r/{n}'>report</a></body></html>"
    parts = [f"--B\r\nContent-Type: multipart/alternative; boundary=A\r\n\r\n--A\r\nContent-Type: text/plain; "
             f"charset=utf-8\r\n\r\n{text}\r\n--A\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--A--\r\n"]
    kind = n % 4
    if kind == 0:
        parts.append(_part(f"report-{n}.zip", _zip({"a.txt": words.encode() * 20, "b.csv": b"x,y\r\n" * 500}),
                           "application/zip"))
    elif kind == 1:
        parts.append(_part(f"invoice-{n}.pdf", b"%PDF-1.4\n% not a real pdf\n" + words.encode() * 10,
                           "application/pdf"))
    elif kind == 2:
        parts.append(_part(f"data-{n}.csv", b"id,value\r\n" + b"".join(b"%d,%d\r\n" % (i, i * n) for i in range(2000)),
                           "text/csv"))
    else:
        parts.append(_part(f"notes-{n}.txt", words.encode() * 30, "text/plain"))
    if n % 10 == 0:
        parts[0] = parts[0].replace("Please find", "Password: bench-pw-1\r\nPlease find")
        parts.append(_part(f"secure-{n}.zip", zipcrypto, "application/zip"))
    if n % 20 == 0:
        inner = f"From: x@example.org\r\nSubject: inner {n}\r\nContent-Type: text/plain\r\n\r\n{words}\r\n"
        parts.append(f'--B\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; '
                     f'filename="fwd-{n}.eml"\r\n\r\n{inner}')
    head = (f"From: Sender {n} <sender{n}@example.org>\r\nTo: user@example.com\r\nSubject: Report {n}\r\n"
            f"Date: Mon, 22 Jul 2024 10:00:00 +0000\r\nMessage-ID: <{n}@example.org>\r\nMIME-Version: 1.0\r\n"
            f'Content-Type: multipart/mixed; boundary="B"\r\n\r\n')
    return (head + "\r\n".join(parts) + "\r\n--B--\r\n").encode()


def build(folder: Path, count: int) -> tuple[int, int]:
    from build import make_zipcrypto_zip
    zc = make_zipcrypto_zip([("secret.txt", b"nothing to see here\r\n" * 50)], b"bench-pw-1")
    total = files = 0
    for n in range(count):
        data = message(n, zc)
        if n % 50 == 49:
            data = (b"From sender@example.org Mon Jul 22 10:00:00 2024\r\n" + data + b"\r\n"
                    b"From sender@example.org Mon Jul 22 10:00:01 2024\r\n" + message(n + 100000, zc))
            (folder / f"box-{n:04d}.mbox").write_bytes(data)
        else:
            (folder / f"mail-{n:04d}.eml").write_bytes(data)
        total += len(data)
        files += 1
    return files, total


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode == 2:
        sys.exit(f"scamscan failed: {proc.stderr.decode()[-2000:]}")
    return wall, cpu, proc.returncode


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--keep", type=Path, help="write the messages here instead of a temp folder")
    ap.add_argument("--scamscan", default=str(Path(sys.executable).parent / "scamscan"))
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="scamscan-mail-bench-") as tmp:
        folder = args.keep or Path(tmp) / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        files, size = build(folder, args.count)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCAMSCAN_")}
        env["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")
        warm = [args.scamscan, "scan", "--no-cache", "-q", str(next(folder.iterdir()))]
        subprocess.run(warm, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cmd = [args.scamscan, "scan", "--no-cache", "--format", "jsonl", "-o", os.devnull,
               "--jobs", str(args.jobs), str(folder)]
        runs = [timed(cmd, env) for _ in range(args.repeat)]
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    result = {"files": files, "messages": args.count + args.count // 50, "bytes": size, "jobs": args.jobs,
              "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
              "messages_per_s": round((args.count + args.count // 50) / wall, 1),
              "mb_per_s": round(size / wall / 1e6, 2), "exit_codes": [r[2] for r in runs]}
    print(f"{files} files ({result['messages']} messages), {size / 1e6:.1f} MB, jobs {args.jobs}, "
          f"median of {args.repeat}")
    print(f"wall {wall:.2f} s  CPU {cpu:.2f} s  {result['messages_per_s']} messages/s  {result['mb_per_s']} MB/s")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
