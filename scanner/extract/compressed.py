"""Single-file compressed streams: bzip2 (stdlib bz2) and xz/lzma (stdlib lzma).

Decompressed incrementally with an output cap per call, so a bomb stops at the
limit instead of filling memory; concatenated streams (pbzip2, `xz` multi-stream)
are followed.  Like gzip, a truncated stream is `corrupt` and what was decoded
is still scanned.
"""

from __future__ import annotations

import bz2
import lzma
from collections.abc import Callable, Iterator
from typing import Any

from ..models import Incomplete, Item
from .base import CHUNK, Budget, Child, LimitExceeded

_SUFFIXES = {"bzip2": ((".tbz2", ".tar"), (".tbz", ".tar"), (".bz2", "")),
             "xz": ((".txz", ".tar"), (".xz", ""), (".lzma", ""))}


def _child_name(name: str, kind: str) -> str:
    base = name.rsplit("/", 1)[-1]
    for suffix, repl in _SUFFIXES[kind]:
        if base.lower().endswith(suffix) and len(base) > len(suffix):
            return base[:-len(suffix)] + repl
    return base + ".out"


def _extract(item: Item, budget: Budget, kind: str, new: Callable[[], Any], error: type[Exception],
             magic: bytes) -> Iterator[Child | Incomplete]:
    view = memoryview(item.data)
    name = _child_name(item.name, kind)
    state = {"dec": new(), "pos": 0, "pending": b"", "problem": ""}

    def read(n: int) -> bytes:
        while not state["problem"]:
            dec = state["dec"]
            if dec.eof:
                rest = dec.unused_data + bytes(view[state["pos"]:state["pos"] + len(magic)])
                if not rest.startswith(magic):  # trailing garbage or padding: ignored like gzip
                    return b""
                state["dec"], state["pending"] = new(), dec.unused_data
                continue
            src = state["pending"]
            if not src and dec.needs_input:
                if state["pos"] >= len(view):
                    state["problem"] = f"{kind} stream ends before its end marker"
                    return b""
                src = bytes(view[state["pos"]:state["pos"] + CHUNK])
                state["pos"] += len(src)
            state["pending"] = b""
            try:
                out: bytes = dec.decompress(src, max(1, n))
            except (error, EOFError, ValueError) as exc:
                state["problem"] = f"corrupt {kind} stream: {exc}"
                return b""
            if out:
                return out
        return b""

    try:
        data = budget.read_capped(name, read, len(view))
    except LimitExceeded as exc:
        yield item.incomplete(exc.reason, exc.message, "archive")
        return
    if state["problem"]:
        yield item.incomplete("corrupt", f"{item.name}: {state['problem']}", "archive")
    if data or not state["problem"]:
        yield Child(name, data)


def extract_bz2(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    yield from _extract(item, budget, "bzip2", bz2.BZ2Decompressor, OSError, b"BZh")


def extract_xz(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    yield from _extract(item, budget, "xz", lzma.LZMADecompressor, lzma.LZMAError, b"\xfd7zXZ\x00")
