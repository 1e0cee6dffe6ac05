"""`sarif`: SARIF 2.1.0, the format code-scanning services (GitHub, Azure DevOps) ingest.

One ``tool.driver.rules[]`` entry per detection id found, named ``check/id`` so
ids stay unique across checks (``yara/SCAM_CS_Fake_Update_Page``,
``ioc/known_bad_domain``); one result per finding.  A finding inside a container
keeps the file as its physical location and names the path inside it as a
logical location (``hotfix.zip > instrucciones.txt``).  Code scanning needs a
line, so every region is line 1: a finding concerns the whole item, and matched
offsets are in the result's properties.  What could not be scanned becomes a
tool execution notification: the run itself still succeeded.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any
from urllib.parse import quote

from ..models import Finding, Incomplete, ItemReport, ScanReport, Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
          Severity.LOW: "note", Severity.INFO: "note"}
MAX_EVIDENCE_STRINGS = 10
MAX_TEXT = 200
_DRIVE = re.compile(r"^[A-Za-z]:/")


def artifact_uri(path: str) -> str:
    """A file path as a URI reference: relative paths stay relative (forward slashes,
    percent-encoded), absolute ones become file: URIs.  Non-UTF-8 names survive as
    their percent-encoded bytes."""
    p = path.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    if _DRIVE.match(p):
        return "file:///" + p[:2] + quote(p[2:].encode("utf-8", "surrogateescape"), safe="/")
    encoded = quote(p.encode("utf-8", "surrogateescape"), safe="/")
    return "file://" + encoded if p.startswith("/") else encoded


def _text(value: str) -> str:
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _where(location: tuple[str, ...]) -> str:
    return " > ".join(_text(p) for p in location)


def _reference(finding: Finding) -> str | None:
    ref = str((finding.evidence.get("meta") or {}).get("reference", "")).strip()
    return ref if ref.startswith(("https://", "http://")) else None


def _description(finding: Finding) -> str:
    return str((finding.evidence.get("meta") or {}).get("description") or finding.message)


def _rule(finding: Finding) -> dict[str, Any]:
    tags = list(dict.fromkeys(["security", finding.check, *(str(t) for t in finding.evidence.get("tags") or [])]))
    rule: dict[str, Any] = {
        "id": f"{finding.check}/{finding.id}",
        "name": finding.id,
        "shortDescription": {"text": _text(_description(finding))},
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
        "properties": {"check": finding.check, "severity": finding.severity.value, "score": finding.score,
                       "security-severity": f"{max(0, min(100, finding.score)) / 10:.1f}", "tags": tags},
    }
    reference = _reference(finding)
    if reference:
        rule["helpUri"] = reference
    return rule


def evidence_summary(evidence: dict[str, Any]) -> dict[str, Any]:
    """The short, scalar part of a finding's evidence (matched strings as id@offset)."""
    out: dict[str, Any] = {}
    for key, value in evidence.items():
        if isinstance(value, (bool, int, float)):
            out[key] = value
        elif isinstance(value, str):
            out[key] = _text(value)[:MAX_TEXT]
    strings = evidence.get("strings")
    if isinstance(strings, list):
        out["strings"] = [f"{s.get('id')}@{s.get('offset')}" for s in strings[:MAX_EVIDENCE_STRINGS]
                          if isinstance(s, dict)]
    return out


def _location(file: ItemReport, index: int, lineage: tuple[str, ...]) -> dict[str, Any]:
    loc: dict[str, Any] = {"physicalLocation": {
        "artifactLocation": {"uri": artifact_uri(file.path), "index": index},
        "region": {"startLine": 1}}}
    if lineage:
        loc["logicalLocations"] = [{"name": _text(lineage[-1]), "fullyQualifiedName": _where(lineage)}]
    return loc


def _result(finding: Finding, rule_index: int, file: ItemReport, artifact: int) -> dict[str, Any]:
    where = f" (in {_where(finding.location)})" if len(finding.location) > 1 else ""
    rule_id = f"{finding.check}/{finding.id}"
    key = "\0".join((rule_id, file.path, *finding.location)).encode("utf-8", "surrogateescape")
    item_sha = next((i.sha256 for i in file.items if i.location == finding.location), file.sha256)
    return {
        "ruleId": rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": _text(finding.message) + where},
        "locations": [_location(file, artifact, finding.location)],
        "partialFingerprints": {"scamscanFinding/v1": hashlib.sha256(key).hexdigest()[:32]},
        "properties": {"check": finding.check, "severity": finding.severity.value, "score": finding.score,
                       "location": [_text(p) for p in finding.location], "itemSha256": item_sha,
                       "fileVerdict": file.verdict.value, "fileScore": file.score,
                       "evidence": evidence_summary(finding.evidence)},
    }


def _notification(inc: Incomplete, file: ItemReport, artifact: int) -> dict[str, Any]:
    return {
        "level": "error" if inc.reason == "check_error" else "warning",
        "message": {"text": f"{_text(file.path)}: not fully scanned ({inc.reason}): {_text(inc.message)}"},
        "descriptor": {"id": inc.reason},
        "locations": [_location(file, artifact, inc.location)],
        "properties": {"reason": inc.reason, "check": inc.check, "location": [_text(p) for p in inc.location]},
    }


def _artifact(file: ItemReport) -> dict[str, Any]:
    art: dict[str, Any] = {"location": {"uri": artifact_uri(file.path)}, "length": file.size}
    if file.sha256:
        art["hashes"] = {"sha-256": file.sha256}
    return art


def _utc(stamp: str) -> str:
    return stamp.replace("+00:00", "Z")


def to_sarif(report: ScanReport) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    rule_index: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    artifacts: list[dict[str, Any]] = []
    for file in report.files:
        if not file.findings and not file.incomplete:
            continue
        artifact = len(artifacts)
        artifacts.append(_artifact(file))
        for finding in file.findings:
            rule_id = f"{finding.check}/{finding.id}"
            if rule_id not in rule_index:
                rule_index[rule_id] = len(rules)
                rules.append(_rule(finding))
            results.append(_result(finding, rule_index[rule_id], file, artifact))
        notifications.extend(_notification(inc, file, artifact) for inc in file.incomplete)
    invocation: dict[str, Any] = {"executionSuccessful": True, "toolExecutionNotifications": notifications}
    if report.started:
        invocation["startTimeUtc"] = _utc(report.started)
    if report.finished:
        invocation["endTimeUtc"] = _utc(report.finished)
    run = {
        "tool": {"driver": {"name": "scamscan", "version": report.tool_version,
                            "semanticVersion": report.tool_version, "rules": rules}},
        "invocations": [invocation],
        "artifacts": artifacts,
        "results": results,
        "properties": {"rulesVersion": report.rules_version, "verdict": report.verdict.value,
                       "summary": report.counts(), "filesScanned": len(report.files)},
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: ScanReport) -> str:
    return json.dumps(to_sarif(report), indent=2, ensure_ascii=False) + "\n"
