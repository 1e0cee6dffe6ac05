"""RAR archives, v4 and v5: libarchive first (in memory), `rarfile` + `unar` where libarchive cannot.

libarchive decodes RAR5 (solid too) and most RAR4 from memory, the common case, at no process cost.
It cannot decrypt RAR, stops inside some RAR4 archives (solid, old comment blocks) and cannot follow
volumes, so those go to `rarfile` (the maintained Python RAR reader: headers, encrypted ones too,
parsed in Python), which decodes members with `unar` (Debian's free RAR decoder; rarfile hands it a
temporary copy of the archive).  Encrypted archives open with a password from the same e-mail
(`unlock.rar_unlock`), else are reported `encrypted`.  A member split into volumes that are not
present is reported `multivolume`; when the scanned file is on disk with its next volumes beside it,
the member is read across them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..models import Incomplete, Item
from . import libarch
from .base import Budget, Child, LimitExceeded
from .unlock import rar_needs_password, rar_open, rar_unlock

_SPLIT_BEFORE, _SPLIT_AFTER = 0x01, 0x02  # rarfile's RarInfo.flags, both RAR versions


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    if rar_needs_password(item):
        yield from _with_rarfile(item, budget, "encrypted", ())
        return
    try:
        yield from libarch.extract(item, budget, "rar", "RAR", fallback=True)
    except libarch.Unreadable as exc:
        yield from _with_rarfile(item, budget, str(exc), exc.done)


def _open(item: Item, password: str | None) -> Any:
    """On disk with its volumes beside it: the path (rarfile then follows the volumes); else the bytes."""
    if item.path and Path(item.path).is_file():
        import rarfile

        rarfile.tool_setup(unrar=False, unar=True, bsdtar=False, sevenzip=False, sevenzip2=False)
        archive = rarfile.RarFile(item.path)
        if password is not None:
            archive.setpassword(password)
        return archive
    return rar_open(item, password)


def _with_rarfile(item: Item, budget: Budget, reason: str, done: tuple[str, ...]) -> Iterator[Child | Incomplete]:
    password = None
    if reason == "encrypted":
        password = rar_unlock(item).password if item.passwords else None
        if password is None:
            yield item.incomplete("encrypted", "encrypted RAR archive: no password from the e-mail opens it, "
                                               "contents not scanned", "archive")
            return
    try:
        archive = _open(item, password)
        members = [i for i in archive.infolist() if i.is_file() and i.filename not in done]
        volumes = len(archive.volumelist())
    except Exception as exc:  # noqa: BLE001 - rarfile raises its own and struct errors on damaged headers
        if type(exc).__name__ == "NeedFirstVolume":
            yield item.incomplete("multivolume", f"a later RAR volume whose first volume is not present: {exc}",
                                  "archive")
            return
        yield item.incomplete("corrupt", f"unreadable RAR archive ({reason}; {type(exc).__name__}: {exc})", "archive")
        return
    if not members and not done:
        yield item.incomplete("corrupt", f"RAR archive with no readable member ({reason})", "archive")
        return
    if shutil.which("unar") is None and members:
        yield item.incomplete("unsupported", f"RAR archive ({reason}) needs the `unar` tool, which is not "
                                             "installed: contents not scanned", "archive")
        return
    yield from _members(item, budget, archive, members, volumes)


def _members(item: Item, budget: Budget, archive: Any, members: list[Any],
             volumes: int) -> Iterator[Child | Incomplete]:
    limit = budget.settings.max_children
    if len(members) > limit:
        yield item.incomplete("max_children", f"{len(members)} members, only the first {limit} scanned "
                                              "(max_children)", "archive")
        members = members[:limit]
    produced = 0
    for info in members:
        name = info.filename
        if info.flags & _SPLIT_BEFORE or (info.flags & _SPLIT_AFTER and volumes < 2):
            yield item.incomplete("multivolume", f"{name}: split across RAR volumes that are not present, "
                                                 "not scanned", "archive")
            continue
        try:
            budget.check_declared(name, info.file_size, info.compress_size)
            if produced + info.file_size > 1024 * 1024 and \
                    produced + info.file_size > budget.settings.max_ratio * max(item.size, 1):
                raise LimitExceeded("max_ratio", f"{name}: members expand past max_ratio "
                                                 f"{budget.settings.max_ratio}:1 of the RAR archive")
            with archive.open(info) as stream:
                data = budget.read_stream(name, stream, info.compress_size)
        except LimitExceeded as exc:
            yield item.incomplete(exc.reason, exc.message, "archive")
            continue
        except Exception as exc:  # noqa: BLE001 - CRC, tool and volume errors alike
            yield item.incomplete("corrupt", f"{name}: {type(exc).__name__}: {exc}", "archive")
            continue
        if len(data) < info.file_size:
            yield item.incomplete("corrupt", f"{name}: truncated ({len(data)} of {info.file_size} bytes)", "archive")
        produced += len(data)
        yield Child(name, data)
