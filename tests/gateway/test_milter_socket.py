"""`scamscan milter --socket unix:PATH`: 0660 by default (Postfix runs as another user), and a
second milter never takes over the socket of a live one."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from gateway_support import wait_for
from helpers import scamscan_command, write_rules_dir

pytest.importorskip("Milter", reason="pymilter not installed (scripts/test.sh installs libmilter-dev for it)")


def _milter(tmp_path: Path, sock: Path, *extra: str) -> subprocess.Popen[bytes]:
    rules = tmp_path / "rules" if (tmp_path / "rules").is_dir() else write_rules_dir(tmp_path / "rules")
    log = (tmp_path / f"{sock.name}.{len(list(tmp_path.glob('*.log')))}.log").open("wb")
    return subprocess.Popen([*scamscan_command(), "milter", "--socket", f"unix:{sock}", "--no-bundled-rules",
                             "--rules", str(rules), *extra], stdout=log, stderr=subprocess.STDOUT)


def test_milter_unix_socket_mode_and_no_takeover(tmp_path: Path) -> None:
    sock = tmp_path / "milter.sock"
    first = _milter(tmp_path, sock)
    try:
        wait_for(lambda: sock.exists() or first.poll() is not None, 60, "milter socket")
        wait_for(lambda: stat.S_IMODE(os.stat(sock).st_mode) == 0o660 or first.poll() is not None, 10, "mode")
        assert first.poll() is None and stat.S_IMODE(os.stat(sock).st_mode) == 0o660
        second = _milter(tmp_path, sock)
        assert second.wait(60) == 78
        assert any("another daemon is listening there" in p.read_text() for p in tmp_path.glob("*.log"))
        assert first.poll() is None and sock.exists()
    finally:
        first.terminate()
        first.wait(30)
