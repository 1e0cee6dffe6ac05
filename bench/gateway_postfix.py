"""Milters measured as users meet them: behind a real Postfix, for bench/gateway.py.

A private Postfix (the tests' harness, tests/gateway_support.py: Debian's package, loopback, own
queue) accepts each message over SMTP and discards it after queueing.  Latency is what an SMTP
client waits at end-of-data: from the last byte of the message to Postfix's reply, which is when
Postfix has sent the milter the headers and body, the milter has scanned them, and the message is
queued.  The same Postfix with no milter gives the floor, and Debian's clamav-milter in front of
clamd (loaded with the same YARA rules) is the peer.
"""

from __future__ import annotations

import shutil
import smtplib
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import contextlib

from gateway_support import Postfix, free_port

DISCARD = {"default_transport": "discard:", "relay_transport": "discard:"}


def smtp_send(conn: smtplib.SMTP, message: bytes) -> tuple[float, int]:
    """One transaction; (ms from the end of the data to the reply, reply code)."""
    conn.mail("sender@example.com")
    conn.rcpt("rcpt@example.org")
    code, _ = conn.docmd("DATA")
    if code != 354:
        raise RuntimeError(f"DATA answered {code}")
    conn.send(message.replace(b"\r\n.", b"\r\n..") + b"\r\n.\r\n")
    started = time.perf_counter()
    code, _ = conn.getreply()
    elapsed = (time.perf_counter() - started) * 1000
    if code != 250:
        conn.rset()
    return elapsed, code


class PostfixFront:
    """Postfix with `smtpd_milters` pointing at `milter_port` (None: no milter)."""

    def __init__(self, milter_port: int | None) -> None:
        extra = dict(DISCARD)
        if milter_port is None:
            extra.update(smtpd_milters="", non_smtpd_milters="")
        self.postfix = Postfix(milter_port or free_port(), free_port(), extra)
        self.conns: dict[int, smtplib.SMTP] = {}

    def __enter__(self) -> PostfixFront:
        self.postfix.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for conn in self.conns.values():
            with contextlib.suppress(smtplib.SMTPException, OSError):
                conn.quit()
        self.postfix.stop()

    def send(self, client: int, message: bytes) -> tuple[float, bytes]:
        """For gateway.measure: (end-of-data latency in ms, reply tally key); a connection per client."""
        conn = self.conns.get(client)
        if conn is None:
            conn = self.conns[client] = smtplib.SMTP("127.0.0.1", self.postfix.smtp_port, timeout=120)
        ms, code = smtp_send(conn, message)
        return ms, str(code).encode()


def clamav_milter(tmp: Path, clamd_port: int, milter_port: int) -> subprocess.Popen[bytes] | None:
    """Debian's clamav-milter handing each message to clamd by INSTREAM, rejecting what it finds."""
    exe = shutil.which("clamav-milter") or "/usr/sbin/clamav-milter"
    if not Path(exe).exists():
        return None
    conf = tmp / "clamav-milter.conf"
    conf.write_text(f"MilterSocket inet:{milter_port}@127.0.0.1\nClamdSocket tcp:127.0.0.1:{clamd_port}\n"
                    f"Foreground yes\nOnInfected Reject\nOnFail Defer\nAddHeader Replace\n"
                    f"MaxFileSize 100M\nLogFile {tmp}/clamav-milter.log\nPidFile {tmp}/clamav-milter.pid\n")
    return subprocess.Popen([exe, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

