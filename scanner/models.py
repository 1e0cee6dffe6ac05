"""Result types shared by every pipeline stage.

Everything a scan produces is a frozen dataclass made of plain values, so a
report can be serialised to JSON and read back into the same objects
(`ScanReport.to_dict` / `ScanReport.from_dict`).  "Could not analyse" is an
`Incomplete` value on the report, never an exception escaping the engine.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from .filetypes import BytesLike, FileType

SCHEMA_VERSION = "1.0.0"  # semver: see scanner/schema/report.schema.json


class Verdict(enum.Enum):
    """Ordered verdicts.  INCOMPLETE sits between CLEAN and SUSPICIOUS: nothing was
    found, but part of the item could not be scanned, so it must not read as clean."""

    CLEAN = "clean"
    INCOMPLETE = "incomplete"
    SUSPICIOUS = "suspicious"
    MALICIOUS = "malicious"

    @property
    def rank(self) -> int:
        return _VERDICT_ORDER.index(self)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Verdict):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Verdict):
            return NotImplemented
        return self.rank <= other.rank


_VERDICT_ORDER = [Verdict.CLEAN, Verdict.INCOMPLETE, Verdict.SUSPICIOUS, Verdict.MALICIOUS]


class Severity(enum.Enum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @classmethod
    def parse(cls, value: object, default: Severity | None = None) -> Severity:
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            if default is None:
                raise
            return default

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


@dataclass(frozen=True)
class Finding:
    """One reason, with the score it contributes and where it was found."""

    check: str
    id: str
    severity: Severity
    score: int
    message: str
    evidence: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    location: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "id": self.id,
            "severity": self.severity.value,
            "score": self.score,
            "message": self.message,
            "evidence": self.evidence,
            "location": list(self.location),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        return cls(
            check=str(d["check"]),
            id=str(d["id"]),
            severity=Severity(d["severity"]),
            score=int(d["score"]),
            message=str(d["message"]),
            evidence=dict(d.get("evidence") or {}),
            location=tuple(d.get("location") or ()),
        )


@dataclass(frozen=True)
class Incomplete:
    """Part of an item that was not analysed, and why (`reason` is a stable code:
    a limit name such as ``max_depth`` or ``encrypted``, ``corrupt``, ``timeout``...)."""

    reason: str
    message: str
    location: tuple[str, ...] = ()
    check: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "message": self.message,
            "location": list(self.location),
            "check": self.check,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Incomplete:
        return cls(
            reason=str(d["reason"]),
            message=str(d["message"]),
            location=tuple(d.get("location") or ()),
            check=str(d.get("check") or ""),
        )


@dataclass(frozen=True)
class ItemSummary:
    """One node of the item tree (the scanned file or something inside it)."""

    location: tuple[str, ...]
    sha256: str
    type: str
    size: int
    score: int
    verdict: Verdict

    def to_dict(self) -> dict[str, Any]:
        return {
            "location": list(self.location),
            "sha256": self.sha256,
            "type": self.type,
            "size": self.size,
            "score": self.score,
            "verdict": self.verdict.value,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ItemSummary:
        return cls(
            location=tuple(d["location"]),
            sha256=str(d["sha256"]),
            type=str(d["type"]),
            size=int(d["size"]),
            score=int(d["score"]),
            verdict=Verdict(d["verdict"]),
        )


@dataclass(frozen=True)
class ItemReport:
    """The result for one file the user asked to scan, children included."""

    path: str
    sha256: str
    type: str
    size: int
    verdict: Verdict
    score: int
    findings: tuple[Finding, ...] = ()
    incomplete: tuple[Incomplete, ...] = ()
    items: tuple[ItemSummary, ...] = ()
    duration_ms: float = field(default=0.0, compare=False)  # timing, not part of the result
    cached: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "type": self.type,
            "size": self.size,
            "verdict": self.verdict.value,
            "score": self.score,
            "findings": [f.to_dict() for f in self.findings],
            "incomplete": [i.to_dict() for i in self.incomplete],
            "items": [i.to_dict() for i in self.items],
            "duration_ms": round(self.duration_ms, 3),
            "cached": self.cached,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ItemReport:
        return cls(
            path=str(d["path"]),
            sha256=str(d["sha256"]),
            type=str(d["type"]),
            size=int(d["size"]),
            verdict=Verdict(d["verdict"]),
            score=int(d["score"]),
            findings=tuple(Finding.from_dict(f) for f in d.get("findings", ())),
            incomplete=tuple(Incomplete.from_dict(i) for i in d.get("incomplete", ())),
            items=tuple(ItemSummary.from_dict(i) for i in d.get("items", ())),
            duration_ms=float(d.get("duration_ms", 0.0)),
            cached=bool(d.get("cached", False)),
        )


@dataclass(frozen=True)
class ScanReport:
    """One run: every file result plus what produced them."""

    files: tuple[ItemReport, ...]
    tool_version: str
    rules_version: str
    started: str = ""
    finished: str = ""
    schema_version: str = SCHEMA_VERSION

    @property
    def verdict(self) -> Verdict:
        return max((f.verdict for f in self.files), default=Verdict.CLEAN)

    def counts(self) -> dict[str, int]:
        out = {v.value: 0 for v in Verdict}
        for f in self.files:
            out[f.verdict.value] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "tool_version": self.tool_version,
            "rules_version": self.rules_version,
            "started": self.started,
            "finished": self.finished,
            "verdict": self.verdict.value,
            "summary": self.counts(),
            "files": [f.to_dict() for f in self.files],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ScanReport:
        return cls(
            files=tuple(ItemReport.from_dict(f) for f in d.get("files", ())),
            tool_version=str(d.get("tool_version", "")),
            rules_version=str(d.get("rules_version", "")),
            started=str(d.get("started", "")),
            finished=str(d.get("finished", "")),
            schema_version=str(d.get("schema_version", SCHEMA_VERSION)),
        )


@dataclass(frozen=True, eq=False)
class Item:
    """Something to scan: the user's file (read through mmap) or bytes extracted
    from a container.  Never serialised; reports carry `ItemSummary` instead."""

    data: BytesLike
    name: str
    lineage: tuple[str, ...]
    filetype: FileType
    sha256: str
    path: str | None = None  # the file on disk, for top-level items only
    parent_type: str = ""
    from_email: bool = False
    in_archive: bool = False
    # Passwords found next to this item (an email's subject and bodies), tried on
    # encrypted archives below it; inherited by descendants (see engine._child_item).
    passwords: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def depth(self) -> int:
        return len(self.lineage) - 1

    @property
    def extension(self) -> str:
        """Lower-case extension with its dot (LOKI convention), "" if none."""
        base = self.name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
        return "." + base.rsplit(".", 1)[1].lower() if "." in base.strip(".") else ""

    def finding(self, check: str, id: str, severity: Severity, score: int, message: str,
                evidence: dict[str, Any] | None = None) -> Finding:
        return Finding(check, id, severity, score, message, evidence or {}, self.lineage)

    def incomplete(self, reason: str, message: str, check: str = "") -> Incomplete:
        return Incomplete(reason, message, self.lineage, check)
