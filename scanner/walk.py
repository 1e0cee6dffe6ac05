"""Turn the user's arguments into the files to scan, without ever blocking.

Directories are walked recursively in a stable order without following
symlinked directories (no loops).  Anything that cannot be scanned (a FIFO, a
device, a socket, an unreadable file or directory) becomes a `Skip` with a
reason that the report shows; nothing is opened here.  `exclude` globs (`--exclude`) drop files
and whole directories by name or by path (`*.iso`, `node_modules`, `*/cache/*`); an excluded path is
not reported at all, since the user asked for it not to be scanned.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    path: str


@dataclass(frozen=True)
class Skip:
    path: str
    reason: str
    message: str


def classify(path: str) -> Target | Skip:
    try:
        st = os.stat(path)
    except OSError as exc:
        return Skip(path, "unreadable", f"cannot stat: {exc.strerror or exc}")
    if stat.S_ISREG(st.st_mode):
        return Target(path)
    if stat.S_ISDIR(st.st_mode):
        return Target(path)
    kind = ("FIFO" if stat.S_ISFIFO(st.st_mode) else "socket" if stat.S_ISSOCK(st.st_mode)
            else "device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "special file")
    return Skip(path, "special_file", f"{kind}: not a regular file, not read")


def excluded(path: str, globs: Sequence[str]) -> bool:
    name = os.path.basename(path.rstrip(os.sep)) or path
    return any(fnmatch.fnmatchcase(name, g) or fnmatch.fnmatchcase(path, g) for g in globs)


def walk(paths: Iterable[str], exclude: Sequence[str] = ()) -> Iterator[Target | Skip]:
    for path in paths:
        if path == "-":
            yield Target("-")
            continue
        if exclude and excluded(path, exclude):
            continue
        first = classify(path)
        if isinstance(first, Skip) or not os.path.isdir(path):
            yield first
            continue
        errors: list[OSError] = []
        for root, dirs, files in os.walk(path, onerror=errors.append):
            dirs[:] = sorted(d for d in dirs if not (exclude and excluded(os.path.join(root, d), exclude)))
            for err in errors:
                yield Skip(err.filename or root, "unreadable", f"cannot list directory: {err.strerror or err}")
            errors.clear()
            for name in sorted(files):
                full = os.path.join(root, name)
                if exclude and excluded(full, exclude):
                    continue
                entry = classify(full)
                if isinstance(entry, Target) and os.path.isdir(full):
                    continue  # a symlink to a directory: not followed
                yield entry
        for err in errors:
            yield Skip(err.filename or path, "unreadable", f"cannot list directory: {err.strerror or err}")
