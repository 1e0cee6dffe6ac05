"""`--log-target`: the journald handler speaks systemd's native protocol, syslog needs /dev/log,
and a target that cannot be reached stops a daemon at start-up (exit 78)."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from helpers import run_scamscan

from scanner.cli import logs


def _fields(datagram: bytes) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    rest = datagram
    while rest:
        line, _, tail = rest.partition(b"\n")
        if b"=" in line:
            key, _, value = line.partition(b"=")
            out[key.decode()] = value
            rest = tail
        else:  # binary-safe form: KEY\n<64-bit little-endian length><data>\n
            size = int.from_bytes(tail[:8], "little")
            out[line.decode()] = tail[8:8 + size]
            rest = tail[8 + size + 1:]
    return out


def test_journald_handler_sends_native_fields(tmp_path: Path) -> None:
    path = str(tmp_path / "journal.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as journal:
        journal.bind(path)
        journal.settimeout(10)
        handler = logs.JournalHandler("scamscan-test", path)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger = logging.getLogger("scamscan.test-journal")
        logger.addHandler(handler)
        logger.propagate = False
        try:
            logger.warning("reloaded rules %s", "abc")
            logger.error("two\nlines")
        finally:
            logger.removeHandler(handler)
            handler.close()
        first, second = _fields(journal.recv(65536)), _fields(journal.recv(65536))
    assert first["MESSAGE"] == b"reloaded rules abc" and first["PRIORITY"] == b"4"
    assert first["SYSLOG_IDENTIFIER"] == b"scamscan-test" and first["LOGGER"] == b"scamscan.test-journal"
    assert second["MESSAGE"] == b"two\nlines" and second["PRIORITY"] == b"3"


def test_unreachable_targets_are_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "SYSLOG_SOCKET", str(tmp_path / "no-log"))
    with pytest.raises(logs.LogSetupError, match="syslog socket"):
        logs.setup_logging("syslog")
    with pytest.raises(logs.LogSetupError, match="journald socket"):
        logs.JournalHandler("x", str(tmp_path / "no-journal"))


def test_daemon_with_an_unreachable_log_target_stops_at_start(tmp_path: Path) -> None:
    if Path(logs.JOURNAL_SOCKET).exists():
        pytest.skip("this machine runs journald")
    r = run_scamscan(["clamd", "--unix", str(tmp_path / "c.sock"), "--log-target", "journald"])
    assert r.returncode == 78 and b"journald socket" in r.stderr
