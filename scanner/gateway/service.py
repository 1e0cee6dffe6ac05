"""The scanner shared by every gateway connection: reloadable, with a hard deadline.

Why a worker pool: the engine's per-check SIGALRM deadline is a no-op outside
the main thread, and milter/clamd connections are served on other threads.  A
gateway must answer in time (below Postfix's milter timeouts), so every scan
runs in a bounded thread pool and the caller stops waiting after
`gateway_scan_timeout` seconds (the milter then tempfails, clamd replies ERROR).
A scan that overruns keeps its worker until libyara's own timeout and the size
limits end it; the pool size bounds how many such scans can pile up.

Reload builds a complete new `Scanner` (settings file, rules, IOC lists and
feeds) off to the side and swaps one reference: scans in flight finish on the
old rules, a failed reload leaves the old rules in place.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import zipfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from email.message import EmailMessage

from ..api import Scanner
from ..config import ConfigError, Settings, load_settings
from ..intel.iocs import IocError
from ..models import ItemReport
from ..rules import RuleError

log = logging.getLogger("scamscan.gateway")

RELOAD_ERRORS = (ConfigError, RuleError, IocError, OSError)


class ScanTimeout(Exception):
    """The scan did not finish within `gateway_scan_timeout`."""


class ScanFailed(Exception):
    """The engine raised: an internal error, reported to the MTA as a temporary failure."""


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


class ScanService:
    """One Scanner for all connections, a pool of scan workers, and reload."""

    def __init__(self, settings: Settings, config_path: str | None = None,
                 adjust: Callable[[Settings], Settings] | None = None) -> None:
        """`adjust` re-applies command-line options to the settings re-read on reload."""
        self._config_path = config_path
        self._adjust = adjust or (lambda s: s)
        self._scanner = warmed_scanner(settings)
        self._lock = threading.Lock()
        workers = settings.gateway_workers or max(2, os.cpu_count() or 1)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scamscan-scan")
        self.reloads = 0

    @property
    def scanner(self) -> Scanner:
        return self._scanner

    @property
    def settings(self) -> Settings:
        return self._scanner.settings

    @property
    def rules_version(self) -> str:
        return self._scanner.rules_version

    def submit(self, data: bytes, name: str) -> Future[ItemReport]:
        scanner = self._scanner  # one reference per scan: a reload never changes rules mid-scan
        return self._pool.submit(scanner.scan_bytes, data, name)

    def submit_path(self, path: str) -> Future[ItemReport]:
        scanner = self._scanner
        return self._pool.submit(scanner.scan_file, path)

    def scan(self, data: bytes, name: str, timeout: float | None = None) -> ItemReport:
        """Scan `data`; raise ScanTimeout or ScanFailed instead of answering late or wrong."""
        limit = self.settings.gateway_scan_timeout if timeout is None else timeout
        future = self.submit(data, name)
        try:
            return future.result(timeout=limit or None)
        except FutureTimeout:
            future.cancel()
            raise ScanTimeout(f"scan exceeded {limit:g}s") from None
        except Exception as exc:  # any engine failure becomes a tempfail, never a crash
            log.exception("scan of %s failed", name)
            raise ScanFailed(f"{type(exc).__name__}: {exc}") from exc

    def reload(self) -> bool:
        """Re-read settings, rules, IOC lists and feeds; keep the old ones if anything fails."""
        with self._lock:
            try:
                settings = self._adjust(load_settings(self._config_path))
                scanner = warmed_scanner(settings)
            except RELOAD_ERRORS as exc:
                log.error("reload failed, keeping rules %s: %s", self.rules_version, exc)
                return False
            old = self._scanner.rules_version
            self._scanner = scanner
            self.reloads += 1
            log.warning("reloaded rules %s -> %s", old, scanner.rules_version)
            return True

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
