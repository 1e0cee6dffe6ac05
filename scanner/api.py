"""The public entry points: `Scanner`, `scan_path`, `scan_bytes`.

`Scanner` owns the compiled rules and the result cache.  Files are read
without blocking (special files are refused before opening), small files are
read into memory and large ones mapped, and nothing is ever written next to the
user's files.  `scan_targets` fans out over killable worker processes
(`workers/`: fork, the compiled rules shared copy-on-write) and yields results as
they arrive; a worker that dies or passes `file_timeout` costs only its file, which
is reported `incomplete` (`worker_crashed` / `timeout`).
"""

from __future__ import annotations

import hashlib
import logging
import mmap
import os
import stat
import sys
import time
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, as_completed
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from .cache import ResultCache, code_fingerprint
from .config import Settings
from .engine import Engine
from .filetypes import BytesLike
from .models import Incomplete, ItemReport, Verdict
from .rules import CompiledRules
from .version import __version__
from .walk import Skip, Target, walk
from .workers import WorkerCrashed, WorkerPool, WorkerTimeout, fork_available

log = logging.getLogger(__name__)
MMAP_ABOVE = 32 * 1024 * 1024
STDIN_NAME = "<stdin>"


def skipped_report(path: str, reason: str, message: str, type_: str = "unscanned") -> ItemReport:
    name = os.path.basename(path) or path
    return ItemReport(path=path, sha256="", type=type_, size=0, verdict=Verdict.INCOMPLETE, score=0,
                      incomplete=(Incomplete(reason, message, (name,)),))


class Scanner:
    def __init__(self, settings: Settings | None = None, rules: CompiledRules | None = None) -> None:
        self.settings = settings or Settings()
        self.engine = Engine(self.settings, rules)
        namespace = f"{__version__}|{code_fingerprint()}|{self.engine.content_key}|{self.settings.fingerprint()}"
        self.cache_namespace = namespace  # what a result depends on besides the bytes (the service's shared cache)
        self.cache = (ResultCache(Path(self.settings.cache_dir), namespace, self.settings.cache_max_size)
                      if self.settings.result_cache and self.settings.cache_dir else None)

    @property
    def rules_version(self) -> str:
        return self.engine.rules.version

    def scan_bytes(self, data: BytesLike, name: str = STDIN_NAME) -> ItemReport:
        started = time.perf_counter()
        report = self.engine.scan(data, name, display=name)
        return replace(report, duration_ms=(time.perf_counter() - started) * 1000)

    def scan_stdin(self, name: str = STDIN_NAME) -> ItemReport:
        """Scan standard input; `name` (`scan - --name NAME`) is its file name for type detection,
        rules (`filename`, `extension`) and the report."""
        data = self.read_stdin(name)
        return data if isinstance(data, ItemReport) else self.scan_bytes(data, name)

    def read_stdin(self, name: str = STDIN_NAME) -> bytes | ItemReport:
        """Standard input's bytes, or the report that it is too large (drained, never buffered)."""
        limit = self.settings.max_file_size
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            sha = hashlib.sha256(data)
            size = len(data)
            for chunk in iter(lambda: sys.stdin.buffer.read(1 << 20), b""):
                sha.update(chunk)  # drain, so the writer is not left blocked
                size += len(chunk)
            return replace(skipped_report(name, "max_file_size",
                                          f"input of {size} bytes exceeds max_file_size {limit}: not scanned"),
                           sha256=sha.hexdigest(), size=size, type="data")
        return data

    def scan_file(self, path: str) -> ItemReport:
        """Scan one regular file; anything else is reported, never opened."""
        started = time.perf_counter()
        name = os.path.basename(path) or path
        try:
            with ExitStack() as stack:
                fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
                fh = stack.enter_context(os.fdopen(fd, "rb", buffering=0))
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode):
                    return skipped_report(path, "special_file", "not a regular file, not read")
                if st.st_size > self.settings.max_file_size:
                    return self._too_large(path, fh, st.st_size)
                data: BytesLike
                if st.st_size > MMAP_ABOVE:
                    data = stack.enter_context(mmap.mmap(fd, 0, access=mmap.ACCESS_READ))
                else:
                    data = fh.read()
                report = self._scan_cached(data, name, path)
        except OSError as exc:
            return skipped_report(path, "unreadable", f"cannot read: {exc.strerror or exc}")
        return replace(report, duration_ms=(time.perf_counter() - started) * 1000)

    def _scan_cached(self, data: BytesLike, name: str, path: str) -> ItemReport:
        sha = hashlib.sha256(data).hexdigest()
        if self.cache is not None:
            hit = self.cache.get(sha, path)
            if hit is not None:
                log.debug("%s: answered from the result cache (sha256 %s)", path, sha)
                return hit
        report = self.engine.scan(data, name, path=path, display=path, sha256=sha)
        if self.cache is not None:
            self.cache.put(report)
        return report

    def _too_large(self, path: str, fh: BinaryIO, size: int) -> ItemReport:
        sha = hashlib.sha256()
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            sha.update(chunk)
        report = skipped_report(path, "max_file_size",
                                f"{size} bytes exceeds max_file_size {self.settings.max_file_size}: not scanned")
        return replace(report, sha256=sha.hexdigest(), size=size, type="data")

    def scan_target(self, target: Target | Skip) -> ItemReport:
        if isinstance(target, Skip):
            return skipped_report(target.path, target.reason, target.message)
        if target.path == "-":
            return self.scan_stdin()
        return self.scan_file(target.path)

    def scan_paths(self, paths: Iterable[str], jobs: int | None = None) -> Iterator[ItemReport]:
        """Scan files and directories recursively; results arrive as they finish."""
        return self.scan_targets(list(walk(paths)), jobs)

    def scan_targets(self, targets: list[Target | Skip], jobs: int | None = None,
                     isolate: bool | None = None, stdin_name: str = STDIN_NAME) -> Generator[ItemReport, None, None]:
        """Scan what `walk` found over `jobs` worker processes (0/None: all cores).

        `isolate` (default: when more than one job) runs even a single job in a worker process, so a
        crash or a hang in a parser costs one file, not the run.  Closing the iterator (or Ctrl-C
        while it waits) kills the workers.  `stdin_name` names standard input (`-`)."""
        jobs = jobs or self.settings.jobs or os.cpu_count() or 1
        if isolate is None:
            isolate = jobs > 1
        if not targets or not isolate or not fork_available():
            for t in targets:
                yield self.scan_stdin(stdin_name) if isinstance(t, Target) and t.path == "-" else self.scan_target(t)
            return
        pending: dict[Future[ItemReport], str] = {}
        with WorkerPool(self, min(jobs, len(targets)), self.settings.worker_max_files) as pool:
            timeout = self.settings.file_timeout
            for target in targets:
                if isinstance(target, Target) and target.path == "-":
                    data = self.read_stdin(stdin_name)
                    if isinstance(data, ItemReport):
                        yield data
                        continue
                    pending[pool.submit(_scan_bytes, data, stdin_name, timeout=timeout)] = stdin_name
                else:
                    pending[pool.submit(_scan_target, target, timeout=timeout)] = target.path
            for future in as_completed(pending):
                yield worker_outcome(future, pending[future])

    @staticmethod
    def unfinished(targets: list[Target | Skip], done: Iterable[ItemReport], reason: str = "interrupted",
                   message: str = "the scan was interrupted before this file was finished",
                   stdin_name: str = STDIN_NAME) -> list[ItemReport]:
        """An `incomplete` report for every target that has no report in `done`."""
        seen = {r.path for r in done}
        paths = [stdin_name if isinstance(t, Target) and t.path == "-" else t.path for t in targets]
        return [skipped_report(p, reason, message) for p in paths if p not in seen]


def _scan_target(scanner: Scanner, target: Target | Skip) -> ItemReport:
    return scanner.scan_target(target)


def _scan_bytes(scanner: Scanner, data: bytes, name: str) -> ItemReport:
    return scanner.scan_bytes(data, name)


def worker_outcome(future: Future[ItemReport], path: str) -> ItemReport:
    """The worker's report, or an `incomplete` one naming why the worker gave none."""
    try:
        return future.result()
    except WorkerTimeout as exc:
        return skipped_report(path, "timeout", f"file_timeout: {exc}")
    except WorkerCrashed as exc:
        return skipped_report(path, "worker_crashed", f"{exc}: this file was not analysed")
    except Exception as exc:  # noqa: BLE001 - an engine bug costs this file, not the run
        return skipped_report(path, "internal_error", f"{type(exc).__name__}: {exc}")


def scan_path(path: str, settings: Settings | None = None) -> list[ItemReport]:
    """Scan a file or directory with default settings (one process)."""
    return list(Scanner(settings).scan_paths([path], jobs=1))


def scan_bytes(data: bytes, name: str = STDIN_NAME, settings: Settings | None = None) -> ItemReport:
    return Scanner(settings).scan_bytes(data, name)
