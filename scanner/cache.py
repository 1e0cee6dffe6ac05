"""Result cache: a rescan of an unchanged file under unchanged rules and settings
is answered from ``<cache_dir>/results``, keyed by the file's sha256, its path
(rules may use `filepath`), the rules' key, the settings, the tool version and
the code itself (`code_fingerprint`: an edited checkout is not answered with
results of the code before the edit).

Entries are small JSON files written atomically; a damaged entry is a miss.
Incomplete results are not cached (a timeout may not recur).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from .models import ItemReport, Verdict


@functools.cache
def code_fingerprint() -> str:
    """Name, size and modification time of every module of this package (~1 ms): a code change
    in a development checkout, or a reinstall under the same version, starts a new cache."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        try:
            st = path.stat()
        except OSError:
            continue
        h.update(f"{path.relative_to(root)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()[:16]


class ResultCache:
    def __init__(self, directory: Path, namespace: str) -> None:
        self.directory = directory / "results"
        self.namespace = namespace

    def _entry(self, sha256: str, path: str) -> Path:
        key = hashlib.sha256(f"{self.namespace}\0{sha256}\0{path}".encode("utf-8", "surrogateescape"))
        digest = key.hexdigest()
        return self.directory / digest[:2] / f"{digest}.json"

    def get(self, sha256: str, path: str) -> ItemReport | None:
        try:
            with self._entry(sha256, path).open(encoding="utf-8") as fh:
                report = ItemReport.from_dict(json.load(fh))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if report.sha256 != sha256:
            return None
        return replace(report, path=path, cached=True)

    def put(self, report: ItemReport) -> None:
        if report.incomplete or report.verdict == Verdict.INCOMPLETE:
            return
        entry = self._entry(report.sha256, report.path)
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(report.to_dict(), fh)
            os.replace(tmp, entry)
        except OSError:
            pass  # a read-only cache only costs speed
