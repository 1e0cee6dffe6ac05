"""scamscan: catch fake-update scams (bogus hotfixes, installers, archives, macro
documents, fix-it scripts and phishing mails that impersonate a vendor)."""

from __future__ import annotations

__version__ = "0.1.0"

from .api import Scanner, scan_bytes, scan_path
from .models import Finding, Incomplete, ItemReport, ScanReport, Severity, Verdict

__all__ = [
    "Finding", "Incomplete", "ItemReport", "ScanReport", "Scanner", "Severity", "Verdict",
    "__version__", "scan_bytes", "scan_path",
]
