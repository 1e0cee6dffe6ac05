"""`scamscan clamd` as an operator deploys it: Unix socket permissions, no takeover of a live
socket, ALLMATCHSCAN, STATS, QUIT, clamd_found_at and clamd_scan_roots reloaded on SIGHUP."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from gateway_support import wait_for
from helpers import MARKER, SUSPICIOUS, scamscan_command, write_rules_dir


class UnixDaemon:
    def __init__(self, root: Path, *extra: str, env: dict[str, str] | None = None, sock: str = "clamd.sock") -> None:
        self.path = root / sock
        self.log = root / f"{sock}.log"
        rules = root / "rules" if (root / "rules").is_dir() else write_rules_dir(root / "rules")
        self.cmd = [*scamscan_command(), "clamd", "--unix", str(self.path), "--no-bundled-rules", "--rules",
                    str(rules), *extra]
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, wait: bool = True) -> UnixDaemon:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.cmd, stdout=out, stderr=out, env=self.env)
        if wait:
            wait_for(lambda: self.answers() or self.proc is None or self.proc.poll() is not None, 60, "clamd socket")
            assert self.proc.poll() is None, self.log.read_text()
        return self

    def answers(self) -> bool:
        try:
            return self.talk(b"zPING\0") == b"PONG\0"
        except OSError:
            return False

    def talk(self, payload: bytes) -> bytes:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(60)
            s.connect(str(self.path))
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            out = b""
            while chunk := s.recv(65536):
                out += chunk
            return out

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)
        code, self.proc = self.proc.returncode, None
        return code


@pytest.fixture
def daemons() -> Iterator[list[UnixDaemon]]:
    started: list[UnixDaemon] = []
    yield started
    for d in started:
        d.stop()


def test_socket_mode_defaults_to_0660_and_follows_the_options(tmp_path: Path, daemons: list[UnixDaemon]) -> None:
    d = UnixDaemon(tmp_path).start()
    daemons.append(d)
    assert stat.S_IMODE(os.stat(d.path).st_mode) == 0o660
    group = __import__("grp").getgrgid(os.getgid()).gr_name
    other = UnixDaemon(tmp_path, "--socket-mode", "0600", "--socket-group", group, sock="other.sock").start()
    daemons.append(other)
    st = os.stat(other.path)
    assert stat.S_IMODE(st.st_mode) == 0o600 and st.st_gid == os.getgid()


def test_refuses_to_start_on_a_live_socket_and_replaces_a_stale_one(tmp_path: Path, daemons: list[UnixDaemon]) -> None:
    first = UnixDaemon(tmp_path).start()
    daemons.append(first)
    second = UnixDaemon(tmp_path).start(wait=False)
    assert second.proc is not None and second.proc.wait(60) == 78
    assert "another daemon is listening there" in second.log.read_text()
    assert first.answers()
    first.proc.kill()  # type: ignore[union-attr]  # dies without removing its socket
    first.proc.wait()  # type: ignore[union-attr]
    assert first.path.exists() and not first.answers()
    daemons.append(UnixDaemon(tmp_path).start())  # the stale socket file is taken over


def test_unknown_socket_group_is_a_startup_error(tmp_path: Path) -> None:
    d = UnixDaemon(tmp_path, "--socket-group", "no-such-group-scamscan").start(wait=False)
    assert d.proc is not None and d.proc.wait(60) == 78
    assert "does not exist" in d.log.read_text()


def test_allmatchscan_stats_quit_and_signature_names(tmp_path: Path, daemons: list[UnixDaemon]) -> None:
    scan = tmp_path / "scan"
    scan.mkdir()
    both = scan / "both.txt"
    both.write_bytes(b"a " + MARKER + b" b " + SUSPICIOUS + b"\n")
    d = UnixDaemon(tmp_path, env={"SCAMSCAN_CLAMD_SCAN_ROOTS": str(scan)}).start()
    daemons.append(d)
    assert d.talk(f"zSCAN {both}\0".encode()) == f"{both}: Scamscan.Yara.TEST_Marker FOUND\0".encode()
    lines = d.talk(f"zALLMATCHSCAN {both}\0".encode()).rstrip(b"\0").decode().split("\n")
    assert lines == [f"{both}: Scamscan.Yara.TEST_Marker FOUND", f"{both}: Scamscan.Yara.TEST_Suspicious FOUND"]
    stats = d.talk(b"zSTATS\0").decode()
    assert stats.startswith("POOLS: 1\n\nSTATE: VALID PRIMARY\nTHREADS: live ")
    assert "\nQUEUE: 0 items\n" in stats and "\nMEMSTATS: heap N/A " in stats and stats.endswith("END\0")
    assert d.talk(b"zQUIT\0") == b""
    assert d.proc is not None and d.proc.wait(30) == 0


def test_clamd_found_at_malicious_answers_ok_for_suspicious(tmp_path: Path, daemons: list[UnixDaemon]) -> None:
    scan = tmp_path / "scan"
    scan.mkdir()
    (scan / "sus.txt").write_bytes(b"x " + SUSPICIOUS)
    (scan / "bad.txt").write_bytes(b"x " + MARKER)
    d = UnixDaemon(tmp_path, env={"SCAMSCAN_CLAMD_SCAN_ROOTS": str(scan),
                                  "SCAMSCAN_CLAMD_FOUND_AT": "malicious"}).start()
    daemons.append(d)
    assert d.talk(f"zSCAN {scan / 'sus.txt'}\0".encode()) == f"{scan / 'sus.txt'}: OK\0".encode()
    assert d.talk(f"zSCAN {scan / 'bad.txt'}\0".encode()).endswith(b"Scamscan.Yara.TEST_Marker FOUND\0")


def test_sighup_reloads_clamd_scan_roots(tmp_path: Path, daemons: list[UnixDaemon]) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        (folder / "f.txt").write_text("fine\n")
    conf = tmp_path / "c.toml"
    conf.write_text(f'clamd_scan_roots = ["{a}"]\n')
    d = UnixDaemon(tmp_path, "--config", str(conf)).start()
    daemons.append(d)
    assert d.talk(f"zSCAN {b / 'f.txt'}\0".encode()).endswith(b"Access denied. ERROR\0")
    conf.write_text(f'clamd_scan_roots = ["{b}"]\n')
    assert d.proc is not None
    d.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: d.talk(f"zSCAN {b / 'f.txt'}\0".encode()).endswith(b": OK\0"), 60, "roots reloaded")
    assert d.talk(f"zSCAN {a / 'f.txt'}\0".encode()).endswith(b"Access denied. ERROR\0")


def test_fildes_with_clamdscan_fdpass(tmp_path: Path, daemons: list[UnixDaemon]) -> None:
    if shutil.which("clamdscan") is None:
        pytest.skip("Debian package clamdscan is not installed (scripts/test.sh installs it)")
    d = UnixDaemon(tmp_path).start()
    daemons.append(d)
    bad, good = tmp_path / "bad.txt", tmp_path / "good.txt"
    bad.write_bytes(b"x " + MARKER + b"\n")
    good.write_text("fine\n")
    conf = tmp_path / "clamd.conf"
    conf.write_text(f"LocalSocket {d.path}\n")
    r = subprocess.run(["clamdscan", f"--config-file={conf}", "--fdpass", "--no-summary", str(bad), str(good)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"{bad}: Scamscan.Yara.TEST_Marker FOUND" in r.stdout and f"{good}: OK" in r.stdout


def test_fildes_raw_without_a_descriptor_and_a_directory(tmp_path: Path, daemons: list[UnixDaemon]) -> None:
    d = UnixDaemon(tmp_path).start()
    daemons.append(d)
    assert d.talk(b"zFILDES\0x") == b"FILDES: didn't receive file descriptor. ERROR\0"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(60)
        s.connect(str(d.path))
        s.sendall(b"zFILDES\0")
        folder = os.open(tmp_path, os.O_RDONLY)
        try:
            socket.send_fds(s, [b"\0"], [folder])
        finally:
            os.close(folder)
        s.shutdown(socket.SHUT_WR)
        reply = s.recv(1000)
    assert reply.startswith(b"fd[") and reply.endswith(b": not a regular file. ERROR\0")
    assert d.answers()


def test_the_log_shows_scanned_names_escaped(tmp_path: Path, daemons: list[UnixDaemon]) -> None:
    """A client's path and the file and member names under it are attacker text in the daemon's log."""
    forged = "fix\x1b[2K\r (clean)\nscamscan[1] WARNING forged\u202e.txt"
    root = tmp_path / "files"
    root.mkdir()
    (root / forged).write_bytes(b"run this " + MARKER + b"\n")
    d = UnixDaemon(tmp_path, "-vv", env={"SCAMSCAN_CLAMD_SCAN_ROOTS": str(root)}).start()
    daemons.append(d)
    assert b"FOUND" in d.talk(b"zCONTSCAN " + os.fsencode(root) + b"\0")
    log = d.log.read_bytes()
    assert b"\x1b" not in log and b"\r" not in log and "\u202e".encode() not in log
    assert [line for line in log.splitlines() if not line.startswith(b"scamscan[")] == []  # no forged line
    assert b"fix\\x1b[2K\\x0d (clean)\\x0ascamscan[1] WARNING forged\\u202e.txt" in log


def test_a_file_name_cannot_forge_reply_lines(tmp_path: Path, daemons: list[UnixDaemon]) -> None:
    """In the newline-delimited reply forms a name holding a newline would split its reply: a lure
    named "fix.ps1\\ninvoice.pdf: OK" would hand the client a forged OK line.  There the name is
    written escaped; the NUL-delimited form keeps it exact (a name cannot hold a NUL)."""
    root = tmp_path / "files"
    root.mkdir()
    forged = "fix.ps1\ninvoice.pdf: OK\r"
    (root / forged).write_bytes(b"run this " + MARKER + b"\n")
    d = UnixDaemon(tmp_path, env={"SCAMSCAN_CLAMD_SCAN_ROOTS": str(root)}).start()
    daemons.append(d)
    for command in (b"nCONTSCAN " + os.fsencode(root) + b"\n", b"CONTSCAN " + os.fsencode(root) + b"\n"):
        lines = d.talk(command).decode().splitlines()
        assert len(lines) == 1 and lines[0].endswith("FOUND"), lines
        assert "\\x0a" in lines[0] and not lines[0].endswith(": OK")
    exact = d.talk(b"zCONTSCAN " + os.fsencode(root) + b"\0").rstrip(b"\0").decode()
    assert exact.startswith(str(root / forged) + ": ") and exact.endswith("FOUND")


def _peak_rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024


def test_a_stream_past_max_file_size_is_read_to_its_end_but_never_held(tmp_path: Path,
                                                                      daemons: list[UnixDaemon]) -> None:
    """The engine would not scan it, so the daemon keeps no byte past max_file_size: 200 MiB
    through INSTREAM leave its memory where it was (it held the whole stream, then a joined copy)."""
    d = UnixDaemon(tmp_path, env={"SCAMSCAN_MAX_FILE_SIZE": "1MB", "SCAMSCAN_CLAMD_STREAM_MAX_LENGTH": "400MB"})
    daemons.append(d.start())
    assert d.proc is not None
    before = _peak_rss_mib(d.proc.pid)
    chunk = b"x" * (1 << 20)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(120)
        s.connect(str(d.path))
        s.sendall(b"zINSTREAM\0")
        for _ in range(200):
            s.sendall(len(chunk).to_bytes(4, "big") + chunk)
        s.sendall(b"\0\0\0\0")
        reply = s.recv(4096)
    assert reply == b"stream: Scamscan.Incomplete.max_file_size FOUND\0"
    assert _peak_rss_mib(d.proc.pid) - before < 64
    assert d.talk(b"zINSTREAM\0" + len(MARKER).to_bytes(4, "big") + MARKER + b"\0\0\0\0") == \
        b"stream: Scamscan.Yara.TEST_Marker FOUND\0"
