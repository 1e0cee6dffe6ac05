"""OLE directory entries that declare more bytes than the whole file holds.

olefile reads a stream by following its sector chain for as many sectors as the entry declares;
a chain that loops (a sector that points to itself) turns a few KB into GBs: a 2.7 KB file made
olevba allocate 2.4 GB (fuzz, ole target) through an *orphaned* entry, one the directory tree does
not reach but olevba reads anyway.  No real entry is larger than its file, so every reader of a
whole OLE file (olevba, msoffcrypto, extract-msg) is asked only when this finds none.
"""

from __future__ import annotations

import io
from typing import Any

from ..timeouts import CheckTimeout


def oversized_entry(ole: Any, size: int) -> str | None:
    """The name of the first entry larger than `size` bytes: the MiniFAT, every entry of the tree,
    and the orphaned stream entries olevba loads as well (`_load_direntry`, as olevba does)."""
    import olefile

    # The MiniFAT's size is a header field (sectors x sector size), read the same way on first use
    # of a small stream (fuzz: 2,097,153 MiniFAT sectors declared in a 1.9 KB file, 2.3 GB).
    if int(getattr(ole, "num_mini_fat_sectors", 0)) * int(getattr(ole, "sector_size", 512)) > size:
        return "MiniFAT"
    for sid in range(len(ole.direntries)):
        entry = ole.direntries[sid]
        if entry is None:  # not in the tree: olevba still reads it when it is a stream
            try:
                entry = ole._load_direntry(sid)
            except CheckTimeout:
                raise
            except Exception:  # noqa: BLE001 - an unreadable orphan is one olevba cannot read either
                continue
            if entry.entry_type != olefile.STGTY_STREAM:
                continue
        if entry.size > size:
            return str(entry.name)
    return None


def refuse(raw: bytes) -> str:
    """Why `raw` must not be handed to a whole-file OLE reader, or "" (unreadable files are the
    readers' own business: they report them)."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(raw))
    except CheckTimeout:
        raise
    except Exception:  # noqa: BLE001 - olefile raises many types on hostile input
        return ""
    try:
        name = oversized_entry(ole, len(raw))
    finally:
        ole.close()
    return f"damaged OLE structure: entry {name[:40]!r} larger than the file" if name is not None else ""
