"""Summary information of Windows Installer packages (MSI, MSP patches, MST transforms).

An MSI is an OLE compound file; its SummaryInformation stream names the Author (the
manufacturer), Subject (the product) and Title, which is where a fake "CrowdStrike Falcon
Sensor Update" MSI claims its brand.  Read with olefile, the standard OLE parser for Python
(also what oletools builds on), from memory and with its own size checks.  The property set
itself is parsed here, not with olefile's get_metadata: that loops over a vector property's
declared count (up to 2**32) and swallows every exception, so one corrupted byte hangs it.
"""

from __future__ import annotations

import codecs
import io
import struct

import olefile

from ..filetypes import BytesLike

MAX_MSI_SIZE = 256 * 1024 * 1024
# Root storage CLSIDs of Windows Installer files.
MSI_CLSIDS = {
    "000C1084-0000-0000-C000-000000000046": "MSI",
    "000C1086-0000-0000-C000-000000000046": "MSP",
    "000C1082-0000-0000-C000-000000000046": "MST",
}
# SummaryInformation property ids of the string fields a person sees.
FIELDS = {2: "title", 3: "subject", 4: "author", 5: "keywords", 6: "comments", 18: "creating_application"}
MAX_STREAM = 64 * 1024  # real summary streams are a few hundred bytes
PID_CODEPAGE, VT_I2, VT_LPSTR = 1, 2, 30


class MsiError(ValueError):
    pass


def summary(data: BytesLike) -> tuple[str, dict[str, str]] | None:
    """(kind, summary fields) when `data` is a Windows Installer file, None for other OLE files."""
    if len(data) > MAX_MSI_SIZE:
        raise MsiError(f"larger than {MAX_MSI_SIZE} bytes: not parsed")
    try:
        ole = olefile.OleFileIO(io.BytesIO(bytes(data)))
    except (OSError, ValueError, IndexError, KeyError, TypeError) as exc:  # olefile's own errors are OSErrors
        raise MsiError(f"unreadable OLE file: {exc}") from None
    try:
        kind = MSI_CLSIDS.get((ole.root.clsid or "").upper()) if ole.root is not None else None
        if kind is None:
            return None
        if not ole.exists("\x05SummaryInformation"):
            return kind, {}
        if ole.get_size("\x05SummaryInformation") > MAX_STREAM:
            raise MsiError(f"summary information larger than {MAX_STREAM} bytes")
        out = _properties(ole.openstream("\x05SummaryInformation").read(MAX_STREAM))
        return kind, out
    except (OSError, ValueError, IndexError, KeyError, TypeError) as exc:
        raise MsiError(f"unreadable summary information: {exc}") from None
    finally:
        ole.close()


def _properties(data: bytes) -> dict[str, str]:
    """The string FIELDS of a property set stream (MS-OLEPS), every offset bounds-checked."""
    try:
        (section,) = struct.unpack_from("<I", data, 44)  # 28-byte header, then FMTID + offset
        size, count = struct.unpack_from("<II", data, section)
        end = min(len(data), section + size)
        raw: dict[int, bytes] = {}
        codepage = 1252
        for i in range(min(count, (end - section - 8) // 8)):
            pid, off = struct.unpack_from("<II", data, section + 8 + 8 * i)
            pos = section + off
            if pos + 8 > end:
                continue
            (vtype,) = struct.unpack_from("<I", data, pos)
            if pid == PID_CODEPAGE and vtype == VT_I2:
                codepage = struct.unpack_from("<H", data, pos + 4)[0]
            elif pid in FIELDS and vtype == VT_LPSTR:
                (length,) = struct.unpack_from("<I", data, pos + 4)
                raw[pid] = data[pos + 8:min(end, pos + 8 + length)].split(b"\0", 1)[0]
    except struct.error as exc:
        raise MsiError(f"unreadable summary information: {exc}") from None
    encoding = "utf-8" if codepage == 65001 else f"cp{codepage}"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"
    out: dict[str, str] = {}
    for pid, value in raw.items():
        text = value.decode(encoding, "replace").strip()
        if text:
            out[FIELDS[pid]] = text[:256]
    return out
