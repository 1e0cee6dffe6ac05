"""RTF documents: embedded OLE objects (`{\\object ... {\\*\\objdata <hex>}}`) become children.

A lure RTF carries its payload as an OLE1 object, typically an OLE "Package"
wrapping a .bat/.ps1/.exe/.lnk/.hta the reader is told to double-click.  Its
bytes are hex digits in the RTF, invisible to every rule; extracted, the file
is scanned like any other (`notice.rtf > Falcon_Hotfix.bat`).  A Package
yields its file under its own name, another OLE object (an embedded Word or
Excel storage) its data as `object-N.<class>`, a non-OLE blob `object-N.bin`.

Dependency: oletools' rtfobj, the RTF object parser that follows Word's own
quirks (odd hex digits, `\\bin`, `\\'` tricks).  It was not written for hostile
input: parse errors are reported `corrupt` (objects found before still
scanned), and it swallows every exception while reading an OLE1 header, our
deadline included, so a slow parse is turned back into a timeout here and an
OLE1 header it gave up on is reported `corrupt` (the raw object still scanned).
"""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator
from typing import Any

from ..models import Incomplete, Item
from ..timeouts import CheckTimeout
from .base import Budget, Child


def _text(value: Any) -> str:
    raw = value if isinstance(value, bytes | bytearray) else str(value or "").encode("latin-1", "replace")
    return bytes(raw).split(b"\0", 1)[0].decode("latin-1")


def _child(obj: Any, n: int) -> tuple[str, bytes, str]:
    """(name, bytes, problem) of one rtfobj object."""
    from .mailparse import safe_name  # stdlib email loads on first use (start time)

    if obj.olepkgdata is not None:  # set before rtfobj's file type guess, which may raise
        for path in (obj.filename, obj.temp_path, obj.src_path):
            name = safe_name(_text(path).replace("\\", "/").rsplit("/", 1)[-1])
            if name.strip("."):
                return name, bytes(obj.olepkgdata), ""
        return f"object-{n}.bin", bytes(obj.olepkgdata), ""
    if obj.is_ole:
        kind = safe_name(_text(obj.class_name).replace("/", "_").replace("\\", "_"), 60) or "bin"
        broken = f"object {n}: OLE Package unreadable" if kind.lower() == "package" else ""
        return f"object-{n}.{kind}", bytes(obj.oledata or b""), broken
    raw = bytes(obj.rawdata or b"")
    # rtfobj reads a linked object (format 1; its target is in the header) as a blob; an embedded one only if whole
    ole1 = len(raw) >= 8 and struct.unpack_from("<I", raw, 4)[0] == 2
    return f"object-{n}.bin", raw, f"object {n}: OLE1 object unreadable (truncated?)" if ole1 else ""


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    from oletools.rtfobj import RtfObjParser  # imported on the first RTF (start-up time)

    parser = RtfObjParser(bytes(item.data))
    start, error = time.monotonic(), ""
    try:
        parser.parse()
    except CheckTimeout:
        raise
    except Exception as exc:  # noqa: BLE001 - rtfobj raises many types on hostile input
        error = f"RTF unreadable after {len(parser.objects)} object(s) ({type(exc).__name__}: {str(exc)[:120]})"
    if 0 < budget.settings.timeout <= time.monotonic() - start:
        raise CheckTimeout()  # our deadline fired inside rtfobj's bare `except`, which swallowed it
    limit, seen = budget.settings.max_children, set[str]()
    for n, obj in enumerate(parser.objects, 1):
        if n > limit:
            yield item.incomplete("max_children", f"more than {limit} embedded objects, the rest not "
                                                  "scanned (max_children)", "archive")
            break
        name, payload, problem = _child(obj, n)
        if problem:
            yield item.incomplete("corrupt", problem, "archive")
        name = f"object-{n}-{name}" if name in seen else name
        seen.add(name)
        refused = budget.take(name, len(payload))
        if refused is not None:
            yield item.incomplete(refused.reason, refused.message, "archive")
            continue
        yield Child(name, payload, item.passwords)
    if error:
        yield item.incomplete("corrupt", error, "archive")
