"""What the CLI and the daemons print besides the report (errors, warnings, log lines) shows attacker
text escaped, as the text report does (issue 13): a file or member name with ``\\x1b[2K\\r``, a
newline or U+202E must not wipe, forge or reorder lines on the analyst's terminal or in the logs."""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import SAMPLES, make_zip, run_scamscan, write_rules_dir

from scanner.cli import logs, main

FORGED = "fix\x1b[2K\r (all members clean)\nCLEAN harmless.txt\nVerdict: CLEAN\nrecovery_\u202efdp.scr"
SHOWN = "fix\\x1b[2K\\x0d (all members clean)\\x0aCLEAN harmless.txt\\x0aVerdict: CLEAN\\x0arecovery_\\u202efdp.scr"
RAW = ("\x1b", "\r", "\u202e")


@pytest.fixture
def hostile_names(tmp_path: Path) -> Path:
    """A folder with a file, and a ZIP with a member, named to forge lines."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / FORGED).write_text("an ordinary note\n")
    (folder / "a.zip").write_bytes(make_zip({FORGED: b"inside"}))
    return folder


def assert_escaped(stderr: str) -> None:
    assert not any(ch in stderr for ch in RAW), stderr
    lines = stderr.splitlines()
    assert lines and all(line.startswith("scamscan") for line in lines), lines  # no forged line
    assert SHOWN in stderr


def test_a_real_scamscan_process_writes_escaped_names_to_stderr(hostile_names: Path, tmp_path: Path) -> None:
    rules = write_rules_dir(tmp_path / "rules")
    done = run_scamscan(["scan", "-v", "-j", "2", "--no-cache", "--no-bundled-rules", "--rules", rules,
                         hostile_names])
    assert done.returncode == 0, done.stderr
    assert b"\x1b" not in done.stderr and b"\r" not in done.stderr
    assert_escaped(done.stderr.decode())
    assert f"{SHOWN}: text" in done.stderr.decode() and f"a.zip > {SHOWN}" in done.stderr.decode()


def test_error_messages_escape_the_path_they_name(tmp_path: Path) -> None:
    missing = tmp_path / FORGED
    for args in (["--config", str(missing)], ["-o", str(missing / "report.txt")]):
        result = CliRunner().invoke(main, ["scan", *args, str(tmp_path)])
        assert result.exit_code == 2
        assert_escaped(result.stderr)
    done = run_scamscan(["scan", "-o", tmp_path / FORGED / "report.txt", tmp_path])
    assert done.returncode == 2
    assert_escaped(done.stderr.decode())


def test_tracebacks_keep_their_line_breaks_and_escape_each_line() -> None:
    try:
        try:
            raise OSError(FORGED)
        except OSError as exc:
            raise ValueError(FORGED) from exc
    except ValueError:
        record = logging.LogRecord("scamscan.gateway", logging.ERROR, __file__, 1, "scan of %s failed",
                                   (FORGED,), exc_info=sys.exc_info())
    text = logs.VisibleFormatter("%(name)s: %(message)s").format(record)
    assert not any(ch in text for ch in RAW)
    assert text.startswith(f"scamscan.gateway: scan of {SHOWN} failed\nTraceback (most recent call last):\n")
    assert f"\nOSError: {SHOWN}\n\nThe above exception was the direct cause" in text
    assert text.endswith(f"ValueError: {SHOWN}")
    fresh = logging.makeLogRecord({**record.__dict__, "exc_text": None})
    plain = logging.Formatter("%(name)s: %(message)s").format(fresh)
    assert text == plain.replace(FORGED, SHOWN)  # logging's own lines, the attacker's text escaped


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        root.removeHandler(handler)
        handler.close()
    for handler in saved:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.mark.usefixtures("root_logging")
@pytest.mark.parametrize("target", ["syslog", "journald"])
def test_daemon_log_targets_escape_names(target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a gateway logs (a clamd SCAN path, a queue id, a parser's error) reaches syslog/journald
    escaped too: a newline there would forge a log entry."""
    path = str(tmp_path / "log.sock")
    monkeypatch.setattr(logs, "SYSLOG_SOCKET" if target == "syslog" else "JOURNAL_SOCKET", path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        server.settimeout(10)
        logs.setup_logging(target)
        logging.getLogger("scamscan.gateway").error("scan of %s failed", FORGED)
        datagram = server.recv(65536)
    assert not any(ch.encode() in datagram for ch in RAW)
    if target == "syslog":
        assert f"scan of {SHOWN} failed".encode() in datagram and b"\n" not in datagram
    else:  # one `KEY=value` line: the binary-safe form would carry the newlines
        assert f"\nMESSAGE=scamscan.gateway: scan of {SHOWN} failed\n".encode() in b"\n" + datagram


def _shortcut_that_makes_its_parser_warn() -> bytes:
    """The lure shortcut with its description replaced, same length, by text carrying terminal escapes
    and an unpaired UTF-16 surrogate: LnkParse3 then warns "Error while decoding string `<text>`"."""
    lnk = (SAMPLES / "lures" / "archives" / "falcon_recovery.lnk").read_bytes()
    old = "CrowdStrike Falcon Recovery".encode("utf-16-le")
    new = "\x1b[2J\x1b[1;1HVerdict: CLEAN".ljust(26).encode("utf-16-le") + b"\x00\xd8"
    assert lnk.count(old) == 1 and len(new) == len(old)
    return lnk.replace(old, new)


@pytest.mark.parametrize("verbose", [[], ["-v"]])
def test_library_warnings_never_reach_stderr_raw(tmp_path: Path, verbose: list[str]) -> None:
    """Python's own warnings handler wrote a parser's warning, with the file's bytes in it, raw to
    stderr: a shortcut could clear the analyst's terminal and print its own verdict.  Warnings now go
    through the log handler: dropped as parser noise by default, shown escaped with -v."""
    (tmp_path / "recovery.lnk").write_bytes(_shortcut_that_makes_its_parser_warn())
    done = run_scamscan(["scan", *verbose, "--no-cache", tmp_path / "recovery.lnk"])
    assert done.returncode == 1, done.stderr  # the shortcut is still scanned and flagged
    assert b"\x1b" not in done.stderr, done.stderr
    if verbose:
        assert "Error while decoding string `\\x1b[2J\\x1b[1;1HVerdict: CLEAN" in done.stderr.decode()
    else:
        assert b"decoding string" not in done.stderr
