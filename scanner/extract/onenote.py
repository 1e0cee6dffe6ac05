"""OneNote sections (.one): the files embedded in them become children.

The 2023 lure wave hid .hta/.bat/.wsf/.exe payloads behind a "double click to view" picture in a
OneNote section.  Every embedded file is stored in a FileDataStoreObject (MS-ONESTORE 2.6.13):
a 16-byte header GUID, a 64-bit length, 12 reserved bytes, the file's bytes, padding to 8 bytes
and a footer GUID.  This module finds those blocks by their GUIDs and reads them under the limits.

Why own code: `one-extract` (Volexity), the maintained extractor, does the same GUID scan but
pins msoffcrypto-tool ~= 5.0 (we need 6.x for encrypted Office), reads the 64-bit length as 32
bits, returns a silently shortened blob when the file is truncated and logs instead of raising on
damage.  Here a block whose footer GUID is missing is `corrupt`, sizes are checked against the
limits before any copy, and a password-protected section is `encrypted`, never passed as empty.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from ..filetypes import FileType, identify
from ..models import Incomplete, Item
from .base import Budget, Child

FILE_DATA_HEADER = bytes.fromhex("e716e3bd65261145a4c48d4d0b7a9eac")  # {BDE316E7-2665-4511-A4C4-8D4D0B7A9EAC}
FILE_DATA_FOOTER = bytes.fromhex("22a7fb71790f0b4abb13899256426b24")  # {71FBA722-0F79-4A0B-BB13-899256426B24}
ENCRYPTED_MARKER = b"http://schemas.microsoft.com/office/2006/keyEncryptor/password"
_EXT = {FileType.PE: "exe", FileType.ZIP: "zip", FileType.HTML: "hta", FileType.TEXT: "txt", FileType.LNK: "lnk",
        FileType.OLE: "doc", FileType.OOXML: "docx", FileType.PDF: "pdf", FileType.ISO: "iso", FileType.MSIX: "msix"}


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    data = bytes(item.data)
    if ENCRYPTED_MARKER in data[:1_000_000]:
        yield item.incomplete("encrypted", "password-protected OneNote section: embedded files not scanned", "archive")
        return
    pos, count = data.find(FILE_DATA_HEADER), 0
    while pos >= 0:
        if count >= budget.settings.max_children:
            yield item.incomplete("max_children", f"more than {count} embedded files, the rest not scanned "
                                                  "(max_children)", "archive")
            return
        count += 1
        if pos + 36 > len(data):
            yield item.incomplete("corrupt", f"embedded file {count}: header cut off", "archive")
            return
        (size,) = struct.unpack_from("<Q", data, pos + 16)
        start, end = pos + 36, pos + 36 + size
        footer = start + size + (-size % 8)
        name = f"embedded-{count}"
        if data[footer:footer + 16] != FILE_DATA_FOOTER:
            yield item.incomplete("corrupt", f"{name}: declared {size} bytes at offset {pos} but no "
                                             "FileDataStoreObject footer follows (truncated or damaged)", "archive")
            pos = data.find(FILE_DATA_HEADER, pos + 16)
            continue
        stop = budget.take(name, size)
        if stop is not None:
            yield item.incomplete(stop.reason, stop.message, "archive")
        else:
            blob = data[start:end]
            yield Child(f"{name}.{_EXT.get(identify(blob), 'bin')}", blob)
        pos = data.find(FILE_DATA_HEADER, footer + 16)
