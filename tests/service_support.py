"""Real components for the service tests: `scamscan serve` and `scamscan worker` subprocesses, a
private `redis-server` (Debian package) on a free loopback port, and small HTTP helpers."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from gateway_support import Daemon, free_port, port_open, wait_for
from helpers import scamscan_command

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
ROOT = Path(__file__).resolve().parent.parent
LURE = ROOT / "samples/lures/falcon_hotfix_attachment.eml"  # mail > CrowdStrike Falcon.zip > README.txt
LURES = [ROOT / "samples/lures" / n for n in ("falcon_hotfix_attachment.eml", "crowdstrike_fix.ps1",
                                              "clickfix_captcha.html", "double_extension.zip")]
CLEAN = [ROOT / "samples/clean" / n for n in ("clickfix_awareness.txt", "browser_update_help.html")]

__all__ = ["CLEAN", "LURE", "LURES", "Daemon", "free_port", "port_open", "wait_for"]


def service_env(**settings: Any) -> dict[str, str]:
    env = dict(os.environ)
    env.update({f"SCAMSCAN_{k.upper()}": str(v) for k, v in settings.items()})
    return env


class Redis:
    """A throw-away redis-server: no persistence, loopback only, its own folder."""

    def __init__(self, folder: Path) -> None:
        if not os.path.exists(REDIS_SERVER):
            pytest.skip("redis-server is not installed (apt-get install redis-server; .ci/run does)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = subprocess.Popen([REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", str(folder)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: port_open(self.port), 20, "redis-server")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def start_server(tmp: Path, *args: str, **settings: Any) -> tuple[Daemon, str]:
    port = free_port()
    daemon = Daemon(["serve", "--listen", f"127.0.0.1:{port}", *args], port, tmp / f"serve-{port}.log",
                    service_env(**settings)).start()
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: request(base + "/v1/health")[0] == 200, 60, "the service's health")
    return daemon, base


def start_worker(tmp: Path, redis_url: str, *args: str, **settings: Any) -> subprocess.Popen[bytes]:
    log = open(tmp / f"worker-{random.randrange(1 << 30)}.log", "ab")  # noqa: SIM115 - lives with the process
    return subprocess.Popen([*scamscan_command(), "worker", "--redis", redis_url, *args], stdout=log, stderr=log,
                            stdin=subprocess.DEVNULL, env=service_env(**settings))


def request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None,
            method: str | None = None, timeout: float = 60) -> tuple[int, dict[str, str], Any]:
    """(status, headers, JSON body or text) without raising on 4xx/5xx."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, head, body = resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as exc:
        status, head, body = exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, {}, None
    text = body.decode("utf-8", "replace")
    try:
        return status, head, json.loads(text)
    except ValueError:
        return status, head, text


def multipart(data: bytes, name: str, field: str = "file", boundary: str = "scamscan-test") -> tuple[bytes, str]:
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def wait_job(base: str, job_id: str, timeout: float = 120) -> dict[str, Any]:
    out: dict[str, Any] = {}

    def done() -> bool:
        status, _, body = request(f"{base}/v1/jobs/{job_id}")
        out.update(body if status == 200 else {})
        return status == 200 and body["state"] == "done"

    wait_for(done, timeout, f"job {job_id}")
    return out


def slow_text(words: int = 150_000) -> bytes:
    """A text file that takes the scanner a while (its many URLs): a job that is surely mid-scan."""
    rng = random.Random(7)
    vocab = [b"update", b"hotfix", b"install", b"the", b"http://example.com/a", b"click", b"here"]
    return b" ".join(rng.choice(vocab) for _ in range(words)) + b" %d" % time.time_ns()
