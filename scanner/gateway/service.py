"""The scanner shared by every gateway connection: reloadable, in killable worker processes.

Why worker processes (`scanner/workers/`): a gateway must answer in time and stay up whatever a
message does to a parser.  In a thread, a slow parse cannot be interrupted (SIGALRM is a no-op off
the main thread) and a native crash takes the daemon down; in a worker process the scan is killed
at `gateway_scan_timeout` and a crash costs one message.  The deadline counts scanning time only,
from the moment a worker starts the message, never time spent waiting for a worker; at most
`gateway_max_queue` messages wait, and one more is refused at once (`ScanBusy`: the milter
tempfails, clamd replies ERROR) instead of waiting past every MTA timeout.  Workers are replaced
after `worker_max_files` messages to bound their memory, and the pure-Python checks of different
messages run on different cores instead of sharing one GIL.

Reload builds a complete new `Scanner` (settings file, rules, IOC lists and feeds) off to the side
and a new pool forked from it; scans in flight finish on the old pool and rules, then its workers
end.  A failed reload leaves the old rules in place.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import zipfile
from collections.abc import Callable
from concurrent.futures import Future
from email.message import EmailMessage

from ..api import Scanner
from ..config import ConfigError, Settings, load_settings
from ..intel.iocs import IocError
from ..models import ItemReport
from ..rules import RuleError
from ..workers import QueueFull, WorkerCrashed, WorkerPool, WorkerTimeout

log = logging.getLogger("scamscan.gateway")

RELOAD_ERRORS = (ConfigError, RuleError, IocError, OSError)


class ScanTimeout(Exception):
    """The scan did not finish within `gateway_scan_timeout`."""


class ScanFailed(Exception):
    """The engine raised or its worker died: reported to the MTA as a temporary failure."""


class ScanBusy(ScanFailed):
    """Every worker is busy and `gateway_max_queue` messages already wait: try again later."""


def _warm_up_message() -> bytes:
    """A small multipart message with text, HTML and a ZIP: its scan loads every module and cache a
    typical message needs, which would otherwise cost the first real message ~100 ms."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("readme.txt", "warm-up https://www.example.com/\n")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "warm-up@example.com", "warm-up@example.org", "warm-up"
    msg.set_content("warm-up https://www.example.com/\n")
    msg.add_alternative('<!DOCTYPE html><html><body><p><a href="https://www.example.com/">warm-up</a></p>'
                        '</body></html>', subtype="html")
    msg.add_attachment(buf.getvalue(), maintype="application", subtype="zip", filename="warm-up.zip")
    return msg.as_bytes()


def make_scanner(settings: Settings) -> Scanner:
    # Gateways scan message bytes, never files: the per-file result cache is of no use here.
    return Scanner(settings.replace(result_cache=False))


def warmed_scanner(settings: Settings) -> Scanner:
    """A daemon's scanner, warmed up before it serves anyone (or replaces the old one on reload)."""
    scanner = make_scanner(settings)
    try:
        scanner.scan_bytes(_warm_up_message(), "warm-up.eml")
    except Exception:  # a failed warm-up only costs the first message time
        log.exception("warm-up scan failed")
    return scanner


def scan_bytes_in_worker(scanner: Scanner, data: bytes, name: str) -> ItemReport:
    return scanner.scan_bytes(data, name)


def _scan_file(scanner: Scanner, path: str) -> ItemReport:
    return scanner.scan_file(path)


def scan_result(future: Future[ItemReport], name: str) -> ItemReport:
    """The report, or ScanTimeout/ScanFailed: never a late or a wrong answer."""
    try:
        return future.result()
    except WorkerTimeout as exc:
        raise ScanTimeout(f"scan exceeded {exc.seconds:g}s") from None
    except WorkerCrashed as exc:
        log.error("scan of %s: %s", name, exc)
        raise ScanFailed(str(exc)) from None
    except Exception as exc:  # any engine failure becomes a tempfail, never a crash
        log.error("scan of %s failed: %s: %s", name, type(exc).__name__, exc)
        raise ScanFailed(f"{type(exc).__name__}: {exc}") from exc


class ScanService:
    """One Scanner for all connections, its pool of scan worker processes, and reload."""

    def __init__(self, settings: Settings, config_path: str | None = None,
                 adjust: Callable[[Settings], Settings] | None = None) -> None:
        """`adjust` re-applies command-line options to the settings re-read on reload."""
        self._config_path = config_path
        self._adjust = adjust or (lambda s: s)
        self._lock = threading.Lock()
        self._slots = threading.Lock()
        self._reserved = 0  # messages still being received that hold a scan slot (reserve())
        self._scanner = warmed_scanner(settings)
        self._pool = self._new_pool(self._scanner)
        self.reloads = 0

    @staticmethod
    def _new_pool(scanner: Scanner) -> WorkerPool[Scanner]:
        s = scanner.settings
        pool = WorkerPool(scanner, s.gateway_workers or os.cpu_count() or 1, s.worker_max_files, s.gateway_max_queue)
        return pool.start()  # forked before the daemon serves, not from a connection's thread

    @property
    def scanner(self) -> Scanner:
        return self._scanner

    @property
    def settings(self) -> Settings:
        return self._scanner.settings

    @property
    def rules_version(self) -> str:
        return self._scanner.rules_version

    def busy(self, reserved: int = 0) -> bool:
        """True when a new scan would be refused (every worker busy, the queue full), counting
        `reserved` scans the caller is about to submit (streams still being read) and the slots
        held with reserve()."""
        return self._pool.full(reserved + self._reserved)

    def reserve(self) -> bool:
        """Hold a scan slot for a message still being received, so it is not buffered only to be
        refused at its end; False (nothing held) when busy.  release() once it is submitted."""
        with self._slots:
            if self._pool.full(self._reserved):
                return False
            self._reserved += 1
            return True

    def release(self) -> None:
        with self._slots:
            self._reserved -= 1

    def submit(self, data: bytes, name: str, timeout: float | None = None) -> Future[ItemReport]:
        """Queue a scan of `data`; raise ScanBusy at once when the queue is full."""
        return self._submit(scan_bytes_in_worker, data, name, timeout=timeout)

    def submit_path(self, path: str) -> Future[ItemReport]:
        return self._submit(_scan_file, path)

    def _submit(self, function: Callable[..., ItemReport], *args: object,
                timeout: float | None = None) -> Future[ItemReport]:
        pool = self._pool  # one pool per scan: a reload never changes rules mid-scan
        limit = pool.state.settings.gateway_scan_timeout if timeout is None else timeout
        try:
            return pool.submit(function, *args, timeout=limit)
        except QueueFull as exc:
            raise ScanBusy(f"busy: {exc}") from None

    def scan(self, data: bytes, name: str, timeout: float | None = None) -> ItemReport:
        """Scan `data`; raise ScanTimeout, ScanBusy or ScanFailed instead of answering late or wrong."""
        return scan_result(self.submit(data, name, timeout), name)

    def reload(self) -> bool:
        """Re-read settings, rules, IOC lists and feeds; keep the old ones if anything fails."""
        with self._lock:
            try:
                settings = self._adjust(load_settings(self._config_path))
                scanner = warmed_scanner(settings)
            except RELOAD_ERRORS as exc:
                log.error("reload failed, keeping rules %s: %s", self.rules_version, exc)
                return False
            old, old_pool = self._scanner.rules_version, self._pool
            self._pool = self._new_pool(scanner)
            self._scanner = scanner
            old_pool.close()  # its queued scans finish on the old rules, then its workers end
            self.reloads += 1
            log.warning("reloaded rules %s -> %s", old, scanner.rules_version)
            return True

    def close(self) -> None:
        self._pool.stop()
