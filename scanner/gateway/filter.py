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

The scan runs in a worker process (`scanner/workers/`) killed at `gateway_scan_timeout`, so
a runaway or crashing parse cannot hold the MTA's delivery agent.  At most `max_file_size`
bytes are held in memory: a larger message is not scanned and its rest is copied through from
stdin to stdout as it arrives.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import BinaryIO

from ..api import skipped_report
from ..config import Settings
from ..models import ItemReport, Verdict
from ..workers import WorkerPool
from . import headers as hdr
from .service import ScanFailed, ScanTimeout, make_scanner, scan_bytes_in_worker, scan_result

EX_OK = 0
EX_TEMPFAIL = 75


def scan_message(settings: Settings, data: bytes) -> tuple[ItemReport | None, str]:
    """(report, "") or (None, why it was not scanned)."""
    try:
        scanner = make_scanner(settings)
        with WorkerPool(scanner, workers=1) as pool:
            return scan_result(pool.submit(scan_bytes_in_worker, data, "message.eml",
                                           timeout=settings.gateway_scan_timeout), "message.eml"), ""
    except (ScanTimeout, ScanFailed) as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - bad rules, engine bugs: the mail still goes through
        return None, f"{type(exc).__name__}: {exc}"


def run(settings: Settings, stdin: BinaryIO, stdout: BinaryIO, reject_exit: int = 0,
        error_exit: int = EX_TEMPFAIL, deliver: Callable[[bytes], int] | None = None) -> int:
    """Scan stdin; write the message with headers to stdout, or hand it to `deliver` (reinjection:
    not for flagged mail with a reject code, nor for mail that could not be scanned)."""
    limit = settings.max_file_size
    data = stdin.read(limit + 1)
    if len(data) > limit:  # not scanned, and on stdout not held in memory: the rest is copied as it comes
        report = skipped_report("message.eml", "max_file_size", f"message of more than {limit} bytes "
                                f"exceeds max_file_size {limit}: not scanned")
        if deliver is not None:  # reinjection takes the message whole
            return deliver(hdr.prepend(hdr.strip_ours(data + stdin.read()), hdr.report_headers(report)))
        stdout.write(hdr.prepend(hdr.strip_ours(data), hdr.report_headers(report)))
        shutil.copyfileobj(stdin, stdout, 1 << 20)
        stdout.flush()
        return EX_OK
    report_or_none, error = scan_message(settings, data)
    passed = hdr.strip_ours(data)
    if deliver is not None:
        if report_or_none is None:
            return error_exit
        if reject_exit and report_or_none.verdict >= Verdict(settings.fail_on):
            return reject_exit
        return deliver(hdr.prepend(passed, hdr.report_headers(report_or_none)))
    if report_or_none is None:
        stdout.write(hdr.prepend(passed, hdr.error_headers(error)))
        stdout.flush()
        return error_exit
    report = report_or_none
    stdout.write(hdr.prepend(passed, hdr.report_headers(report)))
    stdout.flush()
    if reject_exit and report.verdict >= Verdict(settings.fail_on):
        return reject_exit
    return EX_OK
