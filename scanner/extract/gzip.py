"""gzip streams (stdlib zlib), inflated in chunks under the limits.

The child's name is the FNAME stored in the header, else the parent's name
without ``.gz``.  Trailing garbage after the first member is ignored; a stream
cut short is reported with reason ``corrupt`` and what was inflated is still scanned.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from ..models import Incomplete, Item
from .base import CHUNK, Budget, Child, LimitExceeded


def _stored_name(head: bytes, default: str) -> str:
    if len(head) < 10 or not head[3] & 0x08:  # FNAME flag
        return default
    pos = 10
    if head[3] & 0x04:  # FEXTRA
        if len(head) < 12:
            return default
        pos += 2 + int.from_bytes(head[10:12], "little")
    end = head.find(b"\x00", pos)
    if end <= pos:
        return default
    return head[pos:end].decode("latin-1").rsplit("/", 1)[-1] or default


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    base = item.name.rsplit("/", 1)[-1]
    lower = base.lower()
    default = base[:-3] if lower.endswith(".gz") else base[:-4] + ".tar" if lower.endswith(".tgz") else base + ".out"
    name = _stored_name(bytes(item.data[:1024]), default)
    view = memoryview(item.data)
    inflater = zlib.decompressobj(wbits=47)
    pos = 0
    truncated: str | None = None

    def read(n: int) -> bytes:
        nonlocal pos, truncated
        out = b""
        while not out and not inflater.eof and truncated is None:
            if inflater.unconsumed_tail:
                src = inflater.unconsumed_tail
            elif pos < len(view):
                src = bytes(view[pos:pos + CHUNK])
                pos += len(src)
            else:
                truncated = "gzip stream ends before its end marker"
                break
            try:
                out = inflater.decompress(src, max(1, n))
            except zlib.error as exc:
                truncated = f"corrupt gzip stream: {exc}"
        return out

    try:
        data = budget.read_capped(name, read, len(view))
    except LimitExceeded as exc:
        yield item.incomplete(exc.reason, exc.message, "archive")
        return
    if truncated:
        yield item.incomplete("corrupt", f"{item.name}: {truncated}", "archive")
    if data or not truncated:
        yield Child(name, data)
