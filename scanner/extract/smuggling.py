"""HTML smuggling: files carried inside a page or script (HTML, SVG, JS, HTA) and handed to the browser.

A smuggling page holds its payload as a base64 or hex string, a `data:` URI, the argument of
`atob(...)`, or an array of byte values (`new Uint8Array([80,75,3,4,...])`,
`String.fromCharCode(...)`), and saves it through a Blob (`a.download = "falcon_hotfix.zip"`,
`navigator.msSaveOrOpenBlob(blob, name)`), so no gateway sees an attachment.  Each payload that
decodes to a file type we know becomes a child under the download name the code gives it
(`page.html > falcon_hotfix.zip > setup.exe`), so the same extractors and rules judge it.

No JavaScript engine: the literals are decoded as written (what deliberately computed strings hide
stays hidden; that is what the page's rules are for).  Bounds: the first `MAX_SCAN` bytes are
searched, at most `MAX_PAYLOADS` payloads of at most the item limits each.  A base64 or hex run
must be `MIN_RUN` characters long and decode to a known, non-text type (a small inline image or font
is `data` and is left alone), except the argument of `atob(...)`/`fromCharCode(...)`, which is code.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from ..domains.indicators import decode_text
from ..filetypes import FileType, identify
from ..models import Incomplete, Item
from . import probe
from .base import Budget, Child, LimitExceeded

MAX_SCAN = 8 * 1024 * 1024
MAX_PAYLOADS = 20
MIN_RUN = 200  # characters of base64/hex before a string is worth decoding blind

PROBE_WORDS = (b"atob(", b";base64,", b"uint8array", b"fromcharcode")
_WORDS = probe.register(b"blob", *PROBE_WORDS, limit=MAX_SCAN)
# Types that a page has no business handing out as a download it built itself.
RISKY = frozenset({FileType.PE, FileType.ZIP, FileType.OOXML, FileType.MSIX, FileType.SEVENZIP, FileType.RAR,
                   FileType.CAB, FileType.ISO, FileType.OLE, FileType.LNK, FileType.ONENOTE, FileType.GZIP,
                   FileType.TAR, FileType.XZ, FileType.BZIP2, FileType.ELF, FileType.MACHO, FileType.PDF,
                   FileType.HTML, FileType.RTF, FileType.LHA, FileType.XAR})
_EXT = {FileType.PE: "exe", FileType.ZIP: "zip", FileType.OOXML: "docx", FileType.MSIX: "msix", FileType.SEVENZIP: "7z",
        FileType.RAR: "rar", FileType.CAB: "cab", FileType.ISO: "iso", FileType.OLE: "doc", FileType.LNK: "lnk",
        FileType.ONENOTE: "one", FileType.PDF: "pdf", FileType.HTML: "html", FileType.TEXT: "js"}

_DATA_URI = re.compile(r"data:([\w.+-]+/[\w.+-]+)?(?:;[\w=.-]+)*;base64,([A-Za-z0-9+/=\s\\]{16,})", re.IGNORECASE)
_ATOB = re.compile(r"""atob\(\s*["'`]([A-Za-z0-9+/=\s\\]{8,})["'`]\s*\)""")
_B64_RUN = re.compile(r"""["'`]([A-Za-z0-9+/\\\r\n]{200,}={0,2})["'`]""")  # MIN_RUN characters
_HEX_RUN = re.compile(r"""["'`]((?:[0-9a-fA-F]{2}){100,})["'`]""")
_NUM_ARRAY = re.compile(r"(Uint8Array\s*\(\s*\[|fromCharCode\s*\(|\[)\s*((?:(?:0x[0-9a-fA-F]{1,2}|\d{1,3})\s*,\s*){63,}"
                        r"(?:0x[0-9a-fA-F]{1,2}|\d{1,3}))\s*[\])]")
_NAME = re.compile(r"""(?:\.download\s*=\s*|\bdownload\s*=\s*|msSaveOrOpenBlob\s*\([^,()]{1,200},\s*|"""
                   r"""msSaveBlob\s*\([^,()]{1,200},\s*|new\s+File\s*\(\s*\[[^\]]{1,200}\]\s*,\s*)["'`]([^"'`<>\r\n]{1,200})["'`]""")
SINKS = re.compile(r"\.download\s*=|\bdownload\s*=\s*[\"']|msSaveOrOpenBlob|msSaveBlob|createObjectURL|"
                   r"new\s+File\s*\(", re.IGNORECASE)


@dataclass(frozen=True)
class Smuggled:
    data: bytes
    filetype: FileType
    how: str      # "data-uri", "atob", "base64", "hex", "byte-array"
    offset: int
    name: str     # the download name the code gives it, or "" when it names none


def wants(item: Item) -> bool:
    """Cheap probe (`probe`): every sink (Blob, msSaveOrOpenBlob) says "blob"; the decoders have their own words."""
    return probe.holds(item, _WORDS, MAX_SCAN)


def _b64(text: str) -> bytes:
    compact = re.sub(r"[\s\\]+|\\n", "", text)
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        return b""


def _numbers(text: str) -> bytes:
    values = [int(v, 16) if v.lower().startswith("0x") else int(v) for v in re.split(r"\s*,\s*", text.strip())]
    return bytes(values) if all(v < 256 for v in values) else b""


def _candidates(text: str) -> Iterator[tuple[str, int, bytes, bool]]:
    """(how, offset, decoded bytes, is code) for every literal worth decoding."""
    for m in _DATA_URI.finditer(text):
        mime = (m.group(1) or "").lower()
        if not mime.startswith(("image/", "font/", "audio/", "video/")):
            yield "data-uri", m.start(), _b64(m.group(2)), mime in ("text/html", "text/javascript")
    for m in _ATOB.finditer(text):
        yield "atob", m.start(), _b64(m.group(1)), True
    for m in _B64_RUN.finditer(text):
        yield "base64", m.start(), _b64(m.group(1)), False
    for m in _HEX_RUN.finditer(text):
        yield "hex", m.start(), bytes.fromhex(m.group(1)), False
    for m in _NUM_ARRAY.finditer(text):
        yield "byte-array", m.start(), _numbers(m.group(2)), m.group(1).startswith("fromCharCode")


def find(text: str, limit: int) -> list[Smuggled]:
    """Payloads in `text` that decode to a known file type (code from atob/fromCharCode too)."""
    names = [(m.start(), m.group(1)) for m in _NAME.finditer(text)]
    found: list[Smuggled] = []
    seen: set[bytes] = set()
    for how, offset, raw, is_code in sorted(_candidates(text), key=lambda c: c[1]):
        if len(raw) < 16 or len(raw) > limit or raw in seen:
            continue
        ftype = identify(raw)
        if ftype not in RISKY and not (is_code and ftype == FileType.TEXT):
            continue
        seen.add(raw)
        after = [n for pos, n in names if pos > offset]  # the name set after the payload, else the last one
        found.append(Smuggled(raw, ftype, how, offset, after[0] if after else (names[-1][1] if names else "")))
    return found


_cache: OrderedDict[str, list[Smuggled]] = OrderedDict()


def smuggled(item: Item, limit: int) -> list[Smuggled]:
    """Memoised per item (the `script` check and this extractor both ask)."""
    hit = _cache.get(item.sha256)
    if hit is None:
        hit = find(decode_text(item.data, MAX_SCAN), limit) if wants(item) else []
        _cache[item.sha256] = hit
        while len(_cache) > 16:
            _cache.popitem(last=False)
    return hit


def child_name(payload: Smuggled, index: int) -> str:
    name = re.split(r"[\\/]", payload.name)[-1].strip() if payload.name else ""
    return name or f"smuggled-{index}.{_EXT.get(payload.filetype, 'bin')}"


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    found = smuggled(item, budget.settings.max_file_size)
    if len(found) > MAX_PAYLOADS:
        yield item.incomplete("max_children", f"{len(found)} smuggled payloads, only the first {MAX_PAYLOADS} "
                                              "decoded", "script")
    used: set[str] = set()
    for index, payload in enumerate(found[:MAX_PAYLOADS], 1):
        name = child_name(payload, index)
        if name in used:
            name = f"{index}-{name}"
        used.add(name)
        stop = budget.take(name, len(payload.data))
        if isinstance(stop, LimitExceeded):
            yield item.incomplete(stop.reason, stop.message, "script")
            continue
        yield Child(name, payload.data)
