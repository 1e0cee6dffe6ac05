"""THOR Thunderstorm's answer format, so its collectors and the `thunderstormAPI` client work unchanged.

A synchronous `/api/check` answers a JSON list with one entry per file that is not clean (empty when
clean), shaped as THOR's: ``level``, ``module``, ``message``, ``score``, ``context`` (file, digests,
first bytes, type) and ``matches`` (one per finding: ``rulename``, ``reason``, ``subscore``,
``matched`` evidence, ``tags``).  A file that could not be fully analysed is never an empty list: it
is a ``Notice`` entry whose matches name what was not analysed.  `/api/status` carries both the old
(``uptime_seconds``, which the PyPI client checks) and the newer (``uptime_s``) field names.
"""

from __future__ import annotations

from typing import Any

from ..models import Finding, ItemReport, Verdict
from .jobs import DONE, Job

LEVELS = {Verdict.MALICIOUS: ("Alert", "Malware file found"),
          Verdict.SUSPICIOUS: ("Warning", "Possibly dangerous file found"),
          Verdict.INCOMPLETE: ("Notice", "File could not be fully analysed")}


def _matched(finding: Finding) -> list[str]:
    """Up to 10 evidence strings: YARA string data, URLs, names... (not rule metadata)."""
    out: list[str] = []

    def walk(value: Any) -> None:
        if len(out) >= 10:
            return
        if isinstance(value, dict):
            if "data" in value:
                out.append(str(value["data"])[:200])
            else:
                for item in value.values():
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, (str, int, float)):
            out.append(str(value)[:200])

    for key, value in finding.evidence.items():
        if key not in ("meta", "namespace", "tags", "rule"):
            walk(value)
    return out


def _match(finding: Finding) -> dict[str, Any]:
    return {"rulename": finding.id, "reason": finding.message, "subscore": finding.score,
            "matched": _matched(finding), "tags": [finding.check.upper(), finding.severity.value.upper()],
            "ref": "-", "ruledate": "", "location": list(finding.location)}


def matches(job: Job) -> list[dict[str, Any]]:
    """The `/api/check` answer for a finished job."""
    item: ItemReport | None = job.item
    if item is None:
        return []
    verdict = item.verdict
    if verdict == Verdict.CLEAN and item.incomplete:
        verdict = Verdict.INCOMPLETE
    if verdict not in LEVELS:
        return []
    level, message = LEVELS[verdict]
    up = job.upload
    name = up.name.replace("\\", "/").rsplit("/", 1)[-1]
    first = bytes.fromhex(up.first_bytes)
    context = {"file": up.name, "ext": name.rpartition(".")[2] if "." in name else "", "md5": up.md5,
               "sha1": up.sha1, "sha256": up.sha256, "size": up.size, "type": item.type,
               "firstBytes": f"{up.first_bytes} / {first.decode('latin-1')}", "source": up.source}
    found = [_match(f) for f in item.findings]
    found += [{"rulename": f"incomplete.{i.reason}", "reason": i.message, "subscore": 0, "matched": [],
               "tags": ["INCOMPLETE"], "ref": "-", "ruledate": "", "location": list(i.location)}
              for i in item.incomplete]
    return [{"level": level, "module": "Filescan", "message": message, "score": item.score, "context": context,
             "matches": found, "verdict": item.verdict.value, "id": job.id}]


def async_result(job: Job) -> dict[str, Any]:
    """`/api/getAsyncResults`: ``status`` (the client requires it) and, once done, ``result``."""
    if job.state != DONE:
        return {"id": job.id, "status": job.state, "result": None}
    return {"id": job.id, "status": "done", "result": matches(job)}
