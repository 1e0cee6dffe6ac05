"""Summary information of Windows Installer packages (MSI, MSP patches, MST transforms).

An MSI is an OLE compound file; its SummaryInformation stream names the Author (the
manufacturer), Subject (the product) and Title, which is where a fake "CrowdStrike Falcon
Sensor Update" MSI claims its brand.  Read with olefile, the standard OLE parser for Python
(also what oletools builds on), from memory and with its own size checks.
"""

from __future__ import annotations

import io

import olefile

from .filetypes import BytesLike

MAX_MSI_SIZE = 256 * 1024 * 1024
# Root storage CLSIDs of Windows Installer files.
MSI_CLSIDS = {
    "000C1084-0000-0000-C000-000000000046": "MSI",
    "000C1086-0000-0000-C000-000000000046": "MSP",
    "000C1082-0000-0000-C000-000000000046": "MST",
}
FIELDS = ("title", "subject", "author", "keywords", "comments", "creating_application")


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
        meta = ole.get_metadata()
        out: dict[str, str] = {}
        for name in FIELDS:
            value = getattr(meta, name, None)
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            if isinstance(value, str) and value.strip():
                out[name] = value.strip()[:256]
        return kind, out
    except (OSError, ValueError, IndexError, KeyError, TypeError) as exc:
        raise MsiError(f"unreadable summary information: {exc}") from None
    finally:
        ole.close()
