"""Test-only hostile scans: a scan that kills its worker process, or hangs in it, on a marker.

Never imported by `scanner/`.  It stands in for a native crash (LIEF, libyara, a decoder) or a
parser that never returns to Python: `install()` wraps `Engine.scan` in this process, and the
forked workers inherit the wrapper.  `python tests/hostile.py ARGS...` runs `scamscan ARGS...` with
it installed, for tests that need a real subprocess (SIGINT, daemons behind real MTA clients).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

CRASH = b"SCAMSCAN-TEST-CRASH-WORKER"  # the worker dies (SIGKILL, as a native crash or the OOM killer)
HANG = b"SCAMSCAN-TEST-HANG-WORKER"  # the worker hangs, deaf to SIGALRM (as native code is)
HANG_FLAG_ENV = "SCAMSCAN_TEST_HANG_FLAG"  # a file touched when a hang starts
COMMAND = [sys.executable, str(Path(__file__).resolve())]  # `scamscan` with install() applied


def _hostile(data: Any) -> None:
    head = bytes(data[: 1 << 20])
    if CRASH in head:
        os.kill(os.getpid(), signal.SIGKILL)
    if HANG in head:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})  # the per-check deadline cannot fire
        flag = os.environ.get(HANG_FLAG_ENV)
        if flag:
            Path(flag).touch()
        time.sleep(3600)


def install() -> None:
    from scanner.engine import Engine

    original = Engine.scan
    if getattr(original, "hostile", False):
        return

    def scan(self: Engine, data: Any, *args: Any, **kwargs: Any) -> Any:
        _hostile(data)
        return original(self, data, *args, **kwargs)

    scan.hostile = True  # type: ignore[attr-defined]
    Engine.scan = scan  # type: ignore[method-assign]


if __name__ == "__main__":
    install()
    from scanner.cli.main import main

    main(sys.argv[1:], prog_name="scamscan")
