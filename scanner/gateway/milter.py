"""`scamscan milter`: scan every message at end of data and act on the verdict.

A full scan queue is answered as early as the protocol allows, never only at end of data: at
MAIL FROM and DATA the sender is told 451 before it sends the message; a message that reaches its
first header or body byte holds a scan slot (`ScanService.reserve`) or is refused there, so a
flood never makes every connection buffer a whole message first.  With `milter_on_error =
accept` the message passes unscanned instead, and is not buffered.  A tempfail drops no mail: the
MTA keeps it and retries.  Buffering stops at `max_file_size` (the message is then not scanned).

Library: pymilter (PyPI ``pymilter``) on Debian's libmilter, the reference
implementation of the milter protocol that Sendmail and Postfix are tested
against; libmilter runs one thread per MTA connection and pymilter releases the
GIL while it waits, so connections are concurrent and share one ScanService.

Signals: libmilter's own signal thread treats SIGHUP like SIGTERM (stop).  To
make SIGHUP mean "reload", libmilter runs in a secondary thread: it blocks
HUP/TERM/INT only in its own threads, the Python main thread keeps them
unblocked, and Linux hands a process-directed signal to the main thread first
when it can take it.  SIGTERM/SIGINT stop the milter (smfi_stop) cleanly.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import socket as socketlib
import threading
import time
from types import FrameType
from typing import ClassVar

import Milter

from ..api import skipped_report
from ..models import ItemReport
from . import headers as hdr
from . import sockets
from .service import ScanBusy, ScanFailed, ScanService, ScanTimeout, scan_result

log = logging.getLogger("scamscan.milter")

_REPLY_UNSAFE = re.compile(r"[^\x20-\x7e]|%")
FLAGS: int = Milter.ADDHDRS | Milter.CHGHDRS | Milter.QUARANTINE
CONTINUE: int = Milter.CONTINUE
REJECT: int = Milter.REJECT
TEMPFAIL: int = Milter.TEMPFAIL


def _reply_text(text: str) -> str:
    return _REPLY_UNSAFE.sub(" ", text)[:300]


class ScamscanMilter(Milter.Base):  # type: ignore[misc]
    """One instance per MTA connection (libmilter thread); messages are buffered in memory."""

    service: ClassVar[ScanService]

    def __init__(self) -> None:
        self._slot = False  # this message holds a scan slot (ScanService.reserve)
        self._reset()

    def _reset(self) -> None:
        self._release()
        self._chunks: list[bytes] = []
        self._size = 0
        self._overflow = False
        self._unscanned = ""  # why the message passes unscanned (busy, milter_on_error = accept)
        self._forged: dict[str, int] = {}

    def _release(self) -> None:
        if self._slot:
            self.service.release()
        self._slot = False

    def _append(self, data: bytes) -> int:
        """Buffer `data`: CONTINUE, or TEMPFAIL when no scan slot is free for this message."""
        if not (self._slot or self._overflow or self._unscanned):
            if self.service.reserve():
                self._slot = True
            elif self.service.settings.milter_on_error == "accept":
                self._unscanned = "busy: every scan worker busy and the queue full"
            else:
                return self._busy("the first header")
        self._size += len(data)
        if self._size > self.service.settings.max_file_size:
            self._overflow, self._chunks = True, []
            self._release()  # it will not be scanned: its slot is free for another message
        elif self._slot:
            self._chunks.append(data)
        return CONTINUE

    def _busy(self, stage: str) -> int:
        log.warning("%s: every scan worker busy and the queue full: tempfail at %s", self.getsymval("i") or "message",
                    stage)
        self.setreply("451", "4.7.1", "scamscan: every scanner busy, try again later")
        return TEMPFAIL

    def _refuse_if_busy(self, stage: str) -> int:
        """Before the message is sent (MAIL FROM, DATA): tempfail if no scan slot is free now."""
        if self.service.settings.milter_on_error != "accept" and self.service.busy():
            return self._busy(stage)
        return CONTINUE

    # Why these no-op callbacks: an event the milter asks the MTA to skip still arrives as an
    # unanswered macro packet (Postfix sends an event's macros before checking the skip flag), so
    # the milter's delayed ACK holds the MTA's next small write under Nagle's algorithm for ~40 ms.
    # Postfix sends a message's headers and body only after end-of-data, so that stall landed on
    # every message's latency.  Answering every event piggybacks the ACK on the reply.

    def connect(self, hostname: str, family: int, hostaddr: object) -> int:
        return CONTINUE

    def hello(self, hostname: str) -> int:
        return CONTINUE

    def envrcpt(self, to: str, *params: str) -> int:
        return CONTINUE

    def data(self) -> int:
        return self._refuse_if_busy("DATA")

    def unknown(self, cmd: str) -> int:
        return CONTINUE

    def envfrom(self, mailfrom: str, *params: str) -> int:
        self._reset()  # a new message on the same connection
        return self._refuse_if_busy("MAIL FROM")

    def header(self, name: str, value: bytes) -> int:
        if hdr.is_ours(name):
            self._forged[name] = self._forged.get(name, 0) + 1
        sep = b":" if value[:1] in (b" ", b"\t") else b": "
        return self._append(name.encode("ascii", "replace") + sep
                            + value.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + b"\r\n")

    header.error_strategy = "bytes"  # type: ignore[attr-defined]  # pymilter: pass raw bytes (Milter.decode)

    def eoh(self) -> int:
        return self._append(b"\r\n")

    def body(self, chunk: bytes) -> int:
        return self._append(chunk)

    def eom(self) -> int:
        queue_id = self.getsymval("i") or "message"
        try:
            report = self._scan(f"{queue_id}.eml")
        except (ScanTimeout, ScanFailed) as exc:
            log.error("%s: not scanned: %s", queue_id, exc)
            if self.service.settings.milter_on_error == "accept":
                self._set_headers(hdr.error_headers(str(exc)))
                return CONTINUE
            self.setreply("451", "4.7.1", _reply_text(f"scamscan: message not scanned ({exc}), try again later"))
            return TEMPFAIL
        finally:
            self._chunks = []
            self._release()
        action = getattr(self.service.settings, f"milter_action_{report.verdict.value}")
        log.info("%s: %s score %d -> %s (%s) in %.0f ms", queue_id, report.verdict.value, report.score, action,
                 ", ".join(hdr.finding_ids(report)) or "-", report.duration_ms)
        return self._act(action, report)

    def _scan(self, name: str) -> ItemReport:
        if self._overflow:
            limit = self.service.settings.max_file_size
            return skipped_report(name, "max_file_size",
                                  f"message of {self._size} bytes exceeds max_file_size {limit}: not scanned")
        if self._unscanned:
            raise ScanBusy(self._unscanned)
        data, self._chunks = b"".join(self._chunks), []  # one copy in memory, not two
        future = self.service.submit(data, name)  # the slot held since the first byte is free for it
        self._release()
        return scan_result(future, name)

    def _act(self, action: str, report: ItemReport) -> int:
        reason = f"{report.verdict.value}: {hdr.top_finding(report)}"
        if action == "reject":
            self.setreply("550", "5.7.1", _reply_text(f"scamscan: message rejected as {reason}"))
            return REJECT
        if action == "tempfail":
            self.setreply("451", "4.7.1", _reply_text(f"scamscan: message deferred as {reason}"))
            return TEMPFAIL
        if action in ("add_header", "quarantine"):
            self._set_headers(hdr.report_headers(report))
        if action == "quarantine":
            self.quarantine(_reply_text(f"scamscan {reason}"))
        return CONTINUE

    def _set_headers(self, fields: list[tuple[str, str]]) -> None:
        for name, count in self._forged.items():  # a sender must not pre-set our verdict
            for index in range(count, 0, -1):
                self.chgheader(name, index, "")
        for index, (name, value) in enumerate(fields):
            self.addheader(name, value, index)  # insert at the top, in order

    def abort(self) -> int:
        self._reset()
        return CONTINUE

    def close(self) -> int:
        self._reset()
        return CONTINUE


def disable_nagle(port: int) -> bool:
    """Set TCP_NODELAY on libmilter's listening socket (accepted sockets inherit it on Linux).

    libmilter writes each header change and the final reply as separate small packets; with
    Nagle's algorithm and the MTA's delayed ACK that cost ~40 ms per message (bench/gateway.py)."""
    try:
        fds = [int(n) for n in os.listdir("/proc/self/fd")]
    except OSError:
        return False
    for fd in fds:
        try:
            sock = socketlib.socket(fileno=fd)
        except OSError:
            continue  # not a socket
        try:
            if (sock.type == socketlib.SOCK_STREAM and sock.family in (socketlib.AF_INET, socketlib.AF_INET6)
                    and sock.getsockname()[1] == port):
                sock.setsockopt(socketlib.IPPROTO_TCP, socketlib.TCP_NODELAY, 1)
                return True
        except OSError:
            pass
        finally:
            sock.detach()  # the descriptor stays libmilter's
    return False


def unix_path(spec: str) -> str | None:
    """The path of a `unix:PATH` / `local:PATH` milter socket, else None."""
    kind, _, rest = spec.partition(":")
    return rest if kind in ("unix", "local") else None


def run(service: ScanService, socket: str, name: str = "scamscan", socket_mode: int = 0o660,
        socket_group: str = "") -> None:
    """Serve until SIGTERM/SIGINT; SIGHUP reloads the scanner without dropping connections.
    A Unix socket gets `socket_mode` and `socket_group`; a live one is never taken over."""
    path = unix_path(socket)
    gid = sockets.group_id(socket_group)
    if path is not None:
        sockets.claim(path)
    ScamscanMilter.service = service
    Milter.factory = ScamscanMilter
    Milter.set_flags(FLAGS)
    reload_requested = threading.Event()
    stopping = threading.Event()

    def on_hup(signum: int, frame: FrameType | None) -> None:
        reload_requested.set()

    def on_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()
        Milter.stop()

    signal.signal(signal.SIGHUP, on_hup)
    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            Milter.runmilter(name, socket, 0, True)
        except Milter.milter.error as exc:
            errors.append(exc)

    worker = threading.Thread(target=serve, name="libmilter", daemon=True)
    with sockets.creating(socket_mode):  # libmilter creates the socket in its thread: wait for it
        worker.start()
        for _ in range(200 if path is not None else 0):
            if os.path.exists(path or "") or not worker.is_alive():
                break
            time.sleep(0.025)
    if path is not None and os.path.exists(path):
        sockets.finish(path, socket_mode, gid)
    if socket.startswith(("inet:", "inet6:")):
        port = int(socket.split(":", 1)[1].split("@", 1)[0])
        for _ in range(100):
            if disable_nagle(port) or not worker.is_alive():
                break
            time.sleep(0.05)
    log.warning("milter listening on %s (rules %s)", socket, service.rules_version)
    while worker.is_alive():
        worker.join(0.2)
        if reload_requested.is_set():
            reload_requested.clear()
            service.reload()
    service.close()
    if errors:
        raise RuntimeError(f"milter on {socket} failed: {errors[0]}")
    if not stopping.is_set():
        log.error("libmilter stopped unexpectedly")
