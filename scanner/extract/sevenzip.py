"""7z archives (py7zr), in memory under the limits.

Dependency: py7zr is the maintained pure-Python 7z reader (LZMA/LZMA2, BCJ,
AES).  It can be slow and memory-hungry on hostile input, so declared sizes are
checked before anything is decoded, py7zr's own `max_extract_size` caps what it
inflates, and every member goes into a capped in-memory writer.  Encrypted
archives are opened with a password from the same e-mail when one works
(`unlock.py`), else reported `encrypted`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any, cast

from ..models import Incomplete, Item
from .base import Budget, Child, LimitExceeded
from .unlock import sevenzip_needs_password, sevenzip_unlock
from .view import ViewReader


class _CappedIO:
    """py7zr `Py7zIO` writer that keeps at most `limit` bytes and notes an overflow."""

    def __init__(self, limit: int) -> None:
        self.buf = bytearray()
        self.limit = limit
        self.overflow = False

    def write(self, s: bytes | bytearray) -> int:
        if len(self.buf) + len(s) > self.limit:
            self.overflow = True
            return 0
        self.buf += s
        return len(s)

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def flush(self) -> None:
        return None

    def size(self) -> int:
        return len(self.buf)

    def close(self) -> None:
        return None


def _headerless(item: Item) -> bool:
    """Next-header size 0 reads as an empty archive in py7zr; 7-Zip writes that only for a
    32-byte empty archive, so anything after the start header is a damaged or forged one."""
    return item.size > 32 and int.from_bytes(item.data[20:28], "little") == 0


def _factory(limit: int) -> Any:
    from py7zr.io import WriterFactory

    class Factory(WriterFactory):
        def __init__(self) -> None:
            self.products: dict[str, _CappedIO] = {}

        def create(self, filename: str) -> Any:
            self.products[filename] = _CappedIO(limit)
            return self.products[filename]

    return Factory()


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    import py7zr  # imported on first 7z: keeps the scanner's start fast

    password: str | None = None
    if item.passwords and sevenzip_needs_password(item):
        password = sevenzip_unlock(item).password
    try:
        archive = py7zr.SevenZipFile(cast(IO[bytes], ViewReader(item.data)), password=password,
                                     max_extract_size=min(budget.total_left, budget.settings.max_file_size * 4))
    except py7zr.PasswordRequired:
        yield item.incomplete("encrypted", "7z archive with encrypted headers: no password from the e-mail "
                                           "opens it, contents not scanned", "archive")
        return
    except Exception as exc:  # noqa: BLE001 - py7zr raises many types on corrupt headers
        yield item.incomplete("corrupt", f"unreadable 7z archive: {type(exc).__name__}: {exc}", "archive")
        return
    with archive:
        if archive.needs_password() and password is None:
            yield item.incomplete("encrypted", "encrypted 7z archive: no password from the e-mail opens it, "
                                               "contents not scanned", "archive")
            return
        files = [f for f in archive.list() if f.is_file]
        if not files and _headerless(item):
            yield item.incomplete("corrupt", f"7z start header declares no archive header, yet {item.size - 32} "
                                             "bytes follow it: contents not scanned", "archive")
            return
        limit = budget.settings.max_children
        if len(files) > limit:
            yield item.incomplete("max_children", f"{len(files)} members, only the first {limit} scanned "
                                                  "(max_children)", "archive")
            files = files[:limit]
        wanted: list[str] = []
        declared = 0
        for f in files:
            try:
                budget.check_declared(f.filename, f.uncompressed)
                if declared + f.uncompressed > budget.total_left:
                    raise LimitExceeded("max_total_size", f"{f.filename}: would exceed max_total_size")
                ratio = (declared + f.uncompressed) // max(item.size, 1)
                if declared + f.uncompressed > 1024 * 1024 and ratio > budget.settings.max_ratio:
                    raise LimitExceeded("max_ratio", f"{f.filename}: declared sizes {ratio}:1 the archive's "
                                                     f"size exceed max_ratio {budget.settings.max_ratio}")
            except LimitExceeded as exc:
                yield item.incomplete(exc.reason, exc.message, "archive")
                continue
            declared += f.uncompressed
            wanted.append(f.filename)
        if not wanted:
            return
        factory = _factory(min(budget.settings.max_file_size, budget.total_left))
        try:
            archive.extract(targets=wanted, factory=factory)
        except Exception as exc:  # noqa: BLE001 - CRC, LZMA, bomb and header errors alike
            yield item.incomplete("corrupt", f"7z members not fully decoded: {type(exc).__name__}: {exc}",
                                  "archive")
        for name in wanted:
            out = factory.products.get(name)
            if out is None:
                continue
            if out.overflow:
                yield item.incomplete("max_file_size", f"{name}: expands past its declared size or limits",
                                      "archive")
                continue
            budget.total_left -= len(out.buf)
            yield Child(name, out.buf)
