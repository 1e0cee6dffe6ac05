"""Result cache: a rescan of an unchanged file under unchanged rules and settings
is answered from ``<cache_dir>/results``, keyed by the file's sha256, its path
(rules may use `filepath`), the rules' key, the settings, the tool version and
the code itself (`code_fingerprint`: an edited checkout is not answered with
results of the code before the edit).

The store is `diskcache` (SQLite, safe across the worker processes and a fork) with a size
limit (`cache_max_size`) and least-recently-used eviction, so entries orphaned by a settings
change or a feed update age out instead of piling up.  A damaged or unreadable store is a miss,
never an error.  Incomplete results are not cached (a timeout may not recur).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import diskcache

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


_ERRORS = (OSError, sqlite3.Error, diskcache.Timeout)


class ResultCache:
    def __init__(self, directory: Path, namespace: str, max_size: int = 1024 * 1024 * 1024) -> None:
        self.directory = directory / "results"
        self.namespace = namespace
        self.max_size = max_size
        self._store: diskcache.Cache | None = None
        self._broken = False

    def _open(self) -> diskcache.Cache | None:
        if self._store is None and not self._broken:
            try:
                self._store = diskcache.Cache(str(self.directory), size_limit=self.max_size,
                                              eviction_policy="least-recently-used", timeout=5)
            except _ERRORS:
                self._broken = True  # no writable cache: scan every time, still correct
        return self._store

    def _key(self, sha256: str, path: str) -> str:
        return hashlib.sha256(f"{self.namespace}\0{sha256}\0{path}".encode("utf-8", "surrogateescape")).hexdigest()

    def get(self, sha256: str, path: str) -> ItemReport | None:
        store = self._open()
        if store is None:
            return None
        try:
            raw: Any = store.get(self._key(sha256, path))
            report = ItemReport.from_dict(json.loads(raw)) if isinstance(raw, str) else None
        except (*_ERRORS, ValueError, KeyError, TypeError):
            return None
        if report is None or report.sha256 != sha256:
            return None
        return replace(report, path=path, cached=True)

    def put(self, report: ItemReport) -> None:
        if report.incomplete or report.verdict == Verdict.INCOMPLETE:
            return
        store = self._open()
        if store is None:
            return
        with contextlib.suppress(*_ERRORS):  # a read-only or full cache only costs speed
            store.set(self._key(report.sha256, report.path), json.dumps(report.to_dict()))

    def volume(self) -> int:
        """Bytes the store uses on disk (diskcache's own accounting)."""
        store = self._open()
        return int(store.volume()) if store is not None else 0
