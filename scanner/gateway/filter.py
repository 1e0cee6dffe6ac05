"""`scamscan filter`: one message on stdin, the same message with X-Scamscan-* headers on stdout.

For Postfix (pipe(8) / content_filter) and procmail.  The body bytes are never
touched: the headers are prepended (after a leading mbox ``From `` line), so a
DKIM signature still verifies.  X-Scamscan-* fields the message arrived with are
removed first, as the milter does: a sender must not pre-set the verdict.  Exit
codes follow sysexits(3), which both pipe(8) and procmail understand:

* 0 (EX_OK): scanned, deliver (flagged mail too, unless ``--reject-exit`` is set);
* ``--reject-exit N``: the message is at or above ``fail_on`` (e.g. 77 EX_NOPERM
  makes Postfix bounce it, 0 delivers it with the headers);
* 75 (EX_TEMPFAIL, ``--error-exit``): it could not be scanned (rules failed to
  load, engine error, scan timeout); the message is still written through
  unchanged except ``X-Scamscan-Verdict: not-scanned``, and the MTA retries later.

The scan runs in a daemon thread with the gateway deadline so a runaway scan
cannot hold the MTA's delivery agent past `gateway_scan_timeout`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import BinaryIO

from ..api import skipped_report
from ..config import Settings
from ..models import ItemReport, Verdict
from . import headers as hdr
from .service import make_scanner

EX_OK = 0
EX_TEMPFAIL = 75


class _Scan(threading.Thread):
    def __init__(self, settings: Settings, data: bytes) -> None:
        super().__init__(name="scamscan-filter", daemon=True)
        self.settings, self.data = settings, data
        self.report: ItemReport | None = None
        self.error: str = ""

    def run(self) -> None:
        try:
            limit = self.settings.max_file_size
            if len(self.data) > limit:
                self.report = skipped_report("message.eml", "max_file_size",
                                             f"message of {len(self.data)} bytes exceeds max_file_size {limit}")
                return
            self.report = make_scanner(self.settings).scan_bytes(self.data, "message.eml")
        except Exception as exc:  # noqa: BLE001 - bad rules, engine bugs: the mail still goes through
            self.error = f"{type(exc).__name__}: {exc}"


def scan_message(settings: Settings, data: bytes) -> tuple[ItemReport | None, str]:
    """(report, "") or (None, why it was not scanned)."""
    worker = _Scan(settings, data)
    worker.start()
    worker.join(settings.gateway_scan_timeout or None)
    if worker.is_alive():
        return None, f"scan exceeded {settings.gateway_scan_timeout:g}s"
    return worker.report, worker.error or ("" if worker.report else "no result")


def run(settings: Settings, stdin: BinaryIO, stdout: BinaryIO, reject_exit: int = 0,
        error_exit: int = EX_TEMPFAIL, deliver: Callable[[bytes], int] | None = None) -> int:
    """Scan stdin; write the message with headers to stdout, or hand it to `deliver` (reinjection:
    not for flagged mail with a reject code, nor for mail that could not be scanned)."""
    data = stdin.read()
    report, error = scan_message(settings, data)
    passed = hdr.strip_ours(data)
    if deliver is not None:
        if report is None:
            return error_exit
        if reject_exit and report.verdict >= Verdict(settings.fail_on):
            return reject_exit
        return deliver(hdr.prepend(passed, hdr.report_headers(report)))
    if report is None:
        stdout.write(hdr.prepend(passed, hdr.error_headers(error)))
        stdout.flush()
        return error_exit
    stdout.write(hdr.prepend(passed, hdr.report_headers(report)))
    stdout.flush()
    if reject_exit and report.verdict >= Verdict(settings.fail_on):
        return reject_exit
    return EX_OK
