"""scamscan: catch fake-update scams (bogus hotfixes, installers, archives, macro
documents, fix-it scripts and phishing mails that impersonate a vendor)."""

from __future__ import annotations

from .api import Scanner, scan_bytes, scan_path
from .models import Finding, Incomplete, ItemReport, ScanReport, Severity, Verdict
from .version import __version__

__all__ = [
    "Finding", "Incomplete", "ItemReport", "ScanReport", "Scanner", "Severity", "Verdict",
    "__version__", "scan_bytes", "scan_path",
]
