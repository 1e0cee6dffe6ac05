"""A job: one uploaded file, its state, and the report when it is done.

The same record is kept by both back ends (in memory for the embedded mode, a Redis hash with
`--redis`), so the HTTP layer never knows which one it talks to.  `run_scan` is the work a worker
does for one job; it is also where the shared result cache is consulted, so a file that any node
scanned under the same rules and settings is answered without a rescan.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from ..api import Scanner, skipped_report
from ..models import ItemReport, ScanReport, Verdict
from ..version import __version__

QUEUED, RUNNING, DONE = "queued", "running", "done"


class QueueFull(Exception):
    """Every worker is busy and the queue is at `service_queue_max`: answer 503 + Retry-After."""


def new_job_id() -> str:
    return secrets.token_hex(12)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Upload:
    """What a client sent, with the digests the Thunderstorm answer reports."""

    name: str
    source: str
    size: int
    sha256: str
    md5: str
    sha1: str
    first_bytes: str

    @classmethod
    def of(cls, data: bytes, name: str, source: str) -> Upload:
        return cls(name=name, source=source, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                   md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
                   sha1=hashlib.sha1(data, usedforsecurity=False).hexdigest(), first_bytes=data[:20].hex())

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source, "size": self.size, "sha256": self.sha256,
                "md5": self.md5, "sha1": self.sha1, "first_bytes": self.first_bytes}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Upload:
        return cls(name=str(d["name"]), source=str(d["source"]), size=int(d["size"]), sha256=str(d["sha256"]),
                   md5=str(d["md5"]), sha1=str(d["sha1"]), first_bytes=str(d["first_bytes"]))


@dataclass(frozen=True)
class Job:
    id: str
    state: str
    upload: Upload
    submitted: float
    attempts: int = 0
    worker: str = ""
    report: ScanReport | None = None

    @property
    def item(self) -> ItemReport | None:
        return self.report.files[0] if self.report is not None and self.report.files else None

    def to_dict(self) -> dict[str, Any]:
        """The native API's job document: state, upload facts, and the `--format json` report."""
        return {"id": self.id, "state": self.state, "name": self.upload.name, "source": self.upload.source,
                "sha256": self.upload.sha256, "size": self.upload.size, "submitted": self.submitted,
                "attempts": self.attempts, "worker": self.worker,
                "report": self.report.to_dict() if self.report is not None else None}

    def with_report(self, report: ScanReport) -> Job:
        return replace(self, state=DONE, report=report)


def new_job(upload: Upload) -> Job:
    return Job(id=new_job_id(), state=QUEUED, upload=upload, submitted=time.time())


def cache_key(namespace: str, sha256: str, name: str) -> str:
    """Keyed like the local result cache (`scanner/cache.py`): content, name, rules, settings, code."""
    return hashlib.sha256(f"{namespace}\0{sha256}\0{name}".encode("utf-8", "surrogateescape")).hexdigest()


def wrap(item: ItemReport, rules_version: str, started: str) -> ScanReport:
    return ScanReport(files=(item,), tool_version=__version__, rules_version=rules_version, started=started,
                      finished=now_iso())


def run_scan(scanner: Scanner, data: bytes, name: str) -> ScanReport:
    """The worker's part of a job (in a worker process; exceptions become an `incomplete` report)."""
    started = now_iso()
    try:
        item = scanner.scan_bytes(data, name)
    except Exception as exc:  # noqa: BLE001 - an engine bug is this file's incomplete, not the worker's end
        item = failed_item(name, "check_error", f"scan failed: {type(exc).__name__}: {exc}", data)
    return wrap(item, scanner.rules_version, started)


def failed_item(name: str, reason: str, message: str, data: bytes | None = None, sha256: str = "",
                size: int = 0) -> ItemReport:
    item = skipped_report(name, reason, message)
    if data is not None:
        sha256, size = hashlib.sha256(data).hexdigest(), len(data)
    return replace(item, sha256=sha256, size=size, type="data")


def crashed_report(job: Job, rules_version: str) -> ScanReport:
    message = f"the scan killed {job.attempts - 1} worker processes; not retried again"
    item = failed_item(job.upload.name, "worker_crashed", message, sha256=job.upload.sha256, size=job.upload.size)
    return wrap(item, rules_version, now_iso())


def report_json(report: ScanReport) -> str:
    return json.dumps(report.to_dict(), separators=(",", ":"))


def report_from_json(text: str | bytes) -> ScanReport:
    return ScanReport.from_dict(json.loads(text))


def is_cacheable(item: ItemReport) -> bool:
    return not item.incomplete and item.verdict != Verdict.INCOMPLETE

