"""ZIP archives (stdlib zipfile), entirely in memory.

Sizes and ratios are checked from the central directory before a member is
inflated, and inflation is capped again while reading.  Encrypted members are
reported as `incomplete` (reason ``encrypted``), never skipped silently; a
truncated or corrupt archive or member is reported with reason ``corrupt``.
When the central directory is missing (a truncated download, or a lure broken
on purpose), members are still recovered by walking the local file headers.
"""

from __future__ import annotations

import contextlib
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator

from ..filetypes import BytesLike
from ..models import Incomplete, Item
from .base import Budget, Child, LimitExceeded
from .view import ViewReader
from .zipcrypt import ZipUnlocker


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    try:
        archive = zipfile.ZipFile(ViewReader(item.data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        # NotImplementedError: a "version needed" byte beyond what zipfile knows, i.e. a damaged record
        yield item.incomplete("corrupt", f"unreadable ZIP archive ({exc}): members recovered from local headers",
                              "archive")
        yield from _recover(item, budget)
        return
    unlocker = ZipUnlocker(item)
    with archive, contextlib.closing(unlocker):
        declared = _declared_entries(item.data)
        if declared is not None and declared > len(archive.infolist()):
            yield item.incomplete("corrupt", f"central directory declares {declared} members but only "
                                             f"{len(archive.infolist())} are readable: the rest not scanned", "archive")
        members = [i for i in archive.infolist() if not i.filename.endswith("/")]  # is_dir() fails on ""
        limit = budget.settings.max_children
        if len(members) > limit:
            yield item.incomplete(
                "max_children", f"{len(members)} members, only the first {limit} scanned (max_children)", "archive")
            members = members[:limit]
        for info in members:
            name = info.filename
            if info.flag_bits & 0x1:
                yield from unlocker.member(info, budget)  # password from the e-mail, else `encrypted`
                continue
            try:
                budget.check_declared(name, info.file_size, info.compress_size)
                with archive.open(info) as stream:
                    data = budget.read_stream(name, stream, info.compress_size)
            except LimitExceeded as exc:
                yield item.incomplete(exc.reason, exc.message, "archive")
                continue
            except NotImplementedError as exc:
                yield item.incomplete("unsupported", f"{name}: {exc}", "archive")
                continue
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError) as exc:
                yield item.incomplete("corrupt", f"{name}: {exc}", "archive")
                continue
            yield Child(name, data)


def _declared_entries(data: BytesLike) -> int | None:
    """Member count of the end-of-central-directory record zipfile reads (the last one).
    zipfile stops at the directory's byte size, so one damaged length field there silently
    swallows the entries after it; this count tells."""
    tail = bytes(memoryview(data)[-(22 + 0xFFFF):])  # the record plus the longest comment
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or pos + 22 > len(tail):
        return None
    (count,) = struct.unpack_from("<H", tail, pos + 10)
    return None if count == 0xFFFF else count  # ZIP64: the real count is in the ZIP64 record


_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_SIG = b"PK\x03\x04"


def _inflate_reader(raw: bytes) -> Callable[[int], bytes]:
    inflater = zlib.decompressobj(-15)
    pending = [raw]

    def read(n: int) -> bytes:
        out = b""
        while not out and not inflater.eof and (pending[0] or inflater.unconsumed_tail):
            src = inflater.unconsumed_tail or pending[0]
            pending[0] = b""
            out = inflater.decompress(src, n)
        return out

    return read


def _recover(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    """Members of an archive without a usable central directory, from their local headers."""
    data = bytes(item.data) if not isinstance(item.data, bytes) else item.data
    pos, count = data.find(_LOCAL_SIG), 0
    while 0 <= pos <= len(data) - _LOCAL.size:
        _, _, flags, method, _, _, _, csize, usize, nlen, elen = _LOCAL.unpack_from(data, pos)
        name = data[pos + 30:pos + 30 + nlen].decode("utf-8" if flags & 0x800 else "cp437", "replace")
        start = pos + 30 + nlen + elen
        sized = not flags & 0x8 and start + csize <= len(data)
        pos = data.find(_LOCAL_SIG, start + csize if sized else pos + 4)
        if not name or name.endswith("/"):
            continue
        if count >= budget.settings.max_children:
            yield item.incomplete("max_children", f"more than {count} members (max_children)", "archive")
            return
        count += 1
        if flags & 0x1:
            yield item.incomplete("encrypted", f"{name}: encrypted member, not scanned", "archive")
            continue
        if not sized or method not in (0, 8):
            yield item.incomplete("corrupt", f"{name}: member cannot be recovered (truncated or unsized)", "archive")
            continue
        raw = data[start:start + csize]
        try:
            budget.check_declared(name, usize, csize)
            payload = budget.read_capped(name, ViewReader(raw).read if method == 0 else _inflate_reader(raw), csize)
        except LimitExceeded as exc:
            yield item.incomplete(exc.reason, exc.message, "archive")
            continue
        except zlib.error as exc:
            yield item.incomplete("corrupt", f"{name}: {exc}", "archive")
            continue
        yield Child(name, payload)
