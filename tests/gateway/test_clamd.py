"""`scamscan clamd` against real clients: Debian's clamdscan and raw sockets speaking the clamd protocol."""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import hostile
import pytest
from gateway_support import Daemon, free_port, wait_for
from helpers import MARKER, SAMPLES, scamscan_command, write_rules_dir

LIMIT = 2 * 1024 * 1024


@pytest.fixture(scope="module")
def clamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    root = tmp_path_factory.mktemp("clamd")
    rules = write_rules_dir(root / "rules")
    (root / "scan").mkdir()
    (root / "scan" / "clean.txt").write_text("nothing to see\n")
    (root / "scan" / "sub").mkdir()
    (root / "scan" / "sub" / "bad.txt").write_bytes(b"x " + MARKER + b" y\n")
    (root / "outside.txt").write_bytes(MARKER)
    port = free_port()
    env = dict(os.environ, SCAMSCAN_CLAMD_STREAM_MAX_LENGTH=str(LIMIT), SCAMSCAN_CLAMD_IDLE_TIMEOUT="3",
               SCAMSCAN_CLAMD_MAX_CONNECTIONS="500", SCAMSCAN_CLAMD_SCAN_ROOTS=str(root / "scan"))
    daemon = Daemon(["clamd", "--tcp", f"127.0.0.1:{port}", "--no-bundled-rules", "--rules", str(rules)],
                    port, root / "clamd.log", env).start()
    daemon.root = root  # type: ignore[attr-defined]
    yield daemon
    assert daemon.stop() == 0, (root / "clamd.log").read_text()


def talk(port: int, payload: bytes, shut: bool = True) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(payload)
        if shut:
            s.shutdown(socket.SHUT_WR)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
        return out


def instream(data: bytes, chunk: int = 8192, prefix: bytes = b"zINSTREAM\0") -> bytes:
    parts = [prefix]
    for i in range(0, len(data), chunk):
        parts.append(struct.pack(">I", len(data[i:i + chunk])) + data[i:i + chunk])
    return b"".join([*parts, struct.pack(">I", 0)])


@pytest.fixture(scope="module")
def clamdscan_conf(clamd: Daemon, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("clamdscan") is None:
        pytest.skip("Debian package clamdscan is not installed (.ci/run installs it)")
    conf = tmp_path_factory.mktemp("clamdscan") / "clamd.conf"
    conf.write_text(f"TCPSocket {clamd.port}\nTCPAddr 127.0.0.1\n")
    return conf


def clamdscan(conf: Path, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["clamdscan", f"--config-file={conf}", "--stream", "--no-summary", str(path)],
                          capture_output=True, text=True, timeout=120)


def test_clamdscan_finds_a_lure_and_passes_a_clean_file(clamdscan_conf: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"hello " + MARKER + b"\n")
    good = tmp_path / "good.txt"
    good.write_text("hello\n")
    found = clamdscan(clamdscan_conf, bad)
    assert found.returncode == 1
    assert found.stdout.strip() == f"{bad}: Scamscan.Yara.TEST_Marker FOUND"
    ok = clamdscan(clamdscan_conf, good)
    assert ok.returncode == 0
    assert ok.stdout.strip() == f"{good}: OK"


def test_clamdscan_gets_clamds_size_limit_error(clamdscan_conf: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(b"A" * (LIMIT + 1))
    out = clamdscan(clamdscan_conf, big)
    assert out.returncode == 2
    assert "INSTREAM size limit exceeded" in out.stdout + out.stderr


def test_command_forms_and_replies(clamd: Daemon) -> None:
    assert talk(clamd.port, b"zPING\0") == b"PONG\0"
    assert talk(clamd.port, b"nPING\n") == b"PONG\n"
    assert talk(clamd.port, b"PING\n") == b"PONG\n"
    assert talk(clamd.port, b"zVERSION\0").startswith(b"ClamAV scamscan-")
    assert b"| COMMANDS: " in talk(clamd.port, b"nVERSIONCOMMANDS\n")
    assert talk(clamd.port, instream(b"just text")) == b"stream: OK\0"
    reply = talk(clamd.port, instream(b"a " + MARKER, chunk=3, prefix=b"nINSTREAM\n"))
    assert reply == b"stream: Scamscan.Yara.TEST_Marker FOUND\n"
    assert talk(clamd.port, b"zFOO\0") == b"UNKNOWN COMMAND\0"


def test_idsession_numbers_replies_and_refuses_session_only_commands(clamd: Daemon) -> None:
    payload = b"zIDSESSION\0zPING\0" + instream(MARKER) + instream(b"fine") + b"zVERSION\0zEND\0"
    replies = talk(clamd.port, payload).split(b"\0")
    assert replies[:3] == [b"1: PONG", b"2: stream: Scamscan.Yara.TEST_Marker FOUND", b"3: stream: OK"]
    assert replies[3].startswith(b"4: ClamAV")
    assert talk(clamd.port, b"zIDSESSION\0zSHUTDOWN\0").startswith(b"1: Command invalid inside IDSESSION")


def test_path_scans_only_under_the_configured_roots(clamd: Daemon) -> None:
    root: Path = clamd.root  # type: ignore[attr-defined]
    scan = root / "scan"
    assert talk(clamd.port, f"zSCAN {scan / 'clean.txt'}\0".encode()) == f"{scan / 'clean.txt'}: OK\0".encode()
    found = f"{scan / 'sub' / 'bad.txt'}: Scamscan.Yara.TEST_Marker FOUND"
    assert talk(clamd.port, f"zCONTSCAN {scan}\0".encode()) == f"{found}\0".encode()
    assert talk(clamd.port, f"nMULTISCAN {scan}\n".encode()) == f"{found}\n".encode()
    outside = root / "outside.txt"
    assert talk(clamd.port, f"zSCAN {outside}\0".encode()) == f"{outside}: Access denied. ERROR\0".encode()
    sneaky = f"{scan}/../outside.txt"
    assert talk(clamd.port, f"zSCAN {sneaky}\0".encode()) == f"{sneaky}: Access denied. ERROR\0".encode()
    (scan / "link").symlink_to(outside)
    assert talk(clamd.port, f"zSCAN {scan / 'link'}\0".encode()).endswith(b"Access denied. ERROR\0")
    pipe = scan / "pipe"
    os.mkfifo(pipe)  # never opened, never OK
    expected = f"{pipe}: FIFO: not a regular file, not read. ERROR\0"
    assert talk(clamd.port, f"zSCAN {pipe}\0".encode()) == expected.encode()


def test_oversized_chunk_is_refused_before_it_is_read(clamd: Daemon) -> None:
    reply = talk(clamd.port, b"zINSTREAM\0" + struct.pack(">I", 0xFFFFFFFF) + b"xx", shut=False)
    assert reply == b"INSTREAM size limit exceeded. ERROR\0"
    many_small = instream(b"B" * (LIMIT + 10), chunk=65536)
    assert talk(clamd.port, many_small, shut=False) == b"INSTREAM size limit exceeded. ERROR\0"


def test_bad_clients_do_not_disturb_others(clamd: Daemon) -> None:
    assert talk(clamd.port, os.urandom(4096)) in (b"UNKNOWN COMMAND\n", b"")
    assert talk(clamd.port, b"\0\0\0\0\xff\xff") in (b"UNKNOWN COMMAND\n", b"")
    # A client that stops mid-chunk holds only its own connection, until the idle timeout.
    stalled = socket.create_connection(("127.0.0.1", clamd.port))
    stalled.sendall(b"zINSTREAM\0" + struct.pack(">I", 1000) + b"only part")
    assert talk(clamd.port, instream(MARKER)) == b"stream: Scamscan.Yara.TEST_Marker FOUND\0"
    stalled.settimeout(30)
    assert stalled.recv(100) == b""  # closed by the daemon after clamd_idle_timeout, no reply
    stalled.close()
    assert talk(clamd.port, b"zPING\0") == b"PONG\0"


def test_thousands_of_idle_connections_are_bounded_and_others_still_served(clamd: Daemon) -> None:
    idle = [socket.create_connection(("127.0.0.1", clamd.port)) for _ in range(1500)]
    try:
        assert talk(clamd.port, instream(MARKER)) == b"stream: Scamscan.Yara.TEST_Marker FOUND\0"
        for s in idle:
            s.settimeout(30)
        closed = sum(1 for s in idle if s.recv(1) == b"")  # evicted for newcomers, or idle timeout
        assert closed == len(idle)
    finally:
        for s in idle:
            s.close()
    assert talk(clamd.port, b"zPING\0") == b"PONG\0"


def test_large_and_malformed_messages_get_an_answer_while_others_are_served(clamd: Daemon, tmp_path: Path) -> None:
    broken_mime = (b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"zz\r\n\r\n--zz\r\n"
                   b"Content-Transfer-Encoding: base64\r\n\r\n!!!notbase64" + MARKER + b"\r\n--zz")
    assert talk(clamd.port, instream(broken_mime)) == b"stream: Scamscan.Yara.TEST_Marker FOUND\0"
    replies: list[bytes] = []
    big = threading.Thread(target=lambda: replies.append(talk(clamd.port, instream(b"x" * (LIMIT - 1), 1 << 20))))
    big.start()
    assert talk(clamd.port, b"zPING\0") == b"PONG\0"
    big.join(120)
    assert replies == [b"stream: OK\0"]


def test_lure_samples_found_with_the_bundled_rules(tmp_path: Path) -> None:
    port = free_port()
    daemon = Daemon(["clamd", "--tcp", f"127.0.0.1:{port}"], port, tmp_path / "clamd.log").start()
    try:
        lure = (SAMPLES / "lures" / "crowdstrike_update_wiper.eml").read_bytes()
        assert talk(port, instream(lure)).endswith(b" FOUND\0")
        clean = (SAMPLES / "clean" / "crowdstrike_customer_notice.eml").read_bytes()
        assert talk(port, instream(clean)) == b"stream: OK\0"
        talk(port, b"zSHUTDOWN\0")
        wait_for(lambda: daemon.proc is not None and daemon.proc.poll() is not None, 30, "SHUTDOWN")
    finally:
        daemon.stop()


def test_unix_socket(tmp_path: Path) -> None:
    path = tmp_path / "clamd.sock"
    rules = write_rules_dir(tmp_path / "rules")
    proc = subprocess.Popen([*scamscan_command(), "clamd", "--unix", str(path),
                             "--no-bundled-rules", "--rules", str(rules)], stderr=subprocess.PIPE)
    try:
        wait_for(path.exists, 60, "unix socket")
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(str(path))
            s.sendall(instream(MARKER))
            assert s.recv(100) == b"stream: Scamscan.Yara.TEST_Marker FOUND\0"
    finally:
        proc.terminate()
        proc.wait(20)
    assert not path.exists()


@pytest.fixture(scope="module")
def hostile_clamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """One scan worker, a 2 s deadline, no waiting queue; scans hang or crash on hostile's markers."""
    root = tmp_path_factory.mktemp("hostile-clamd")
    rules = write_rules_dir(root / "rules")
    port = free_port()
    env = dict(os.environ, SCAMSCAN_GATEWAY_WORKERS="1", SCAMSCAN_GATEWAY_SCAN_TIMEOUT="2",
               SCAMSCAN_GATEWAY_MAX_QUEUE="0", SCAMSCAN_CLAMD_IDLE_TIMEOUT="60",
               **{hostile.HANG_FLAG_ENV: str(root / "hanging")})
    daemon = Daemon(["clamd", "--tcp", f"127.0.0.1:{port}", "--no-bundled-rules", "--rules", str(rules)],
                    port, root / "clamd.log", env, command=hostile.COMMAND).start()
    daemon.flag = root / "hanging"  # type: ignore[attr-defined]
    yield daemon
    assert daemon.stop() == 0, (root / "clamd.log").read_text()


def test_hung_and_crashed_scans_cost_one_stream_and_the_daemon_goes_on(hostile_clamd: Daemon,
                                                                       tmp_path: Path) -> None:
    if shutil.which("clamdscan") is None:
        pytest.skip("Debian package clamdscan is not installed (.ci/run installs it)")
    conf = tmp_path / "clamd.conf"
    conf.write_text(f"TCPSocket {hostile_clamd.port}\nTCPAddr 127.0.0.1\n")
    files = {name: tmp_path / name for name in ("hang.txt", "crash.txt", "bad.txt")}
    files["hang.txt"].write_bytes(b"slow " + hostile.HANG)
    files["crash.txt"].write_bytes(b"boom " + hostile.CRASH)
    files["bad.txt"].write_bytes(b"x " + MARKER)
    hung = clamdscan(conf, files["hang.txt"])
    assert hung.returncode == 2 and "Scan timed out after 2s. ERROR" in hung.stdout + hung.stderr
    crashed = clamdscan(conf, files["crash.txt"])
    assert crashed.returncode == 2 and "Internal error. ERROR" in crashed.stdout + crashed.stderr
    found = clamdscan(conf, files["bad.txt"])  # the only worker was replaced each time
    assert found.returncode == 1 and found.stdout.strip() == f"{files['bad.txt']}: Scamscan.Yara.TEST_Marker FOUND"


def test_a_full_queue_answers_error_at_once(hostile_clamd: Daemon) -> None:
    flag: Path = hostile_clamd.flag  # type: ignore[attr-defined]
    flag.unlink(missing_ok=True)
    replies: list[bytes] = []
    slow = threading.Thread(target=lambda: replies.append(talk(hostile_clamd.port, instream(hostile.HANG))))
    slow.start()
    try:
        wait_for(flag.exists, 30, "the slow scan to start")
        # the one worker is busy and nothing may wait: refused before the stream is read
        assert talk(hostile_clamd.port, instream(b"x " + MARKER)) == b"stream: Server busy, try again later. ERROR\0"
    finally:
        slow.join(60)
    assert replies == [b"stream: Scan timed out after 2s. ERROR\0"]
