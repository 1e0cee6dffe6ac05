"""A minimal RAR5 writer (stored members only), for synthetic samples and tests.

No installable tool writes RAR (WinRAR's `rar` is non-free and not in Debian; libarchive reads RAR
but cannot write it), so the lure samples are written here from the published RAR 5.0 format:
signature, main header, one file header per member (method 0 "store", CRC32), end header.  Both
readers the scanner uses (libarchive and rarfile) read the result.
"""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"Rar!\x1a\x07\x01\x00"


def vint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _block(fields: bytes) -> bytes:
    body = vint(len(fields)) + fields
    return struct.pack("<I", zlib.crc32(body)) + body


def _file(name: str, data: bytes, mtime: int) -> bytes:
    raw = name.encode("utf-8")
    fields = (vint(2) + vint(0x0002) + vint(len(data))   # type file, flags: data area present, its size
              + vint(0x0002 | 0x0004)                    # file flags: mtime and CRC32 present
              + vint(len(data)) + vint(0x20)             # unpacked size, attributes (archive)
              + struct.pack("<II", mtime, zlib.crc32(data))
              + vint(0) + vint(0)                        # compression: version 0, store; host OS Windows
              + vint(len(raw)) + raw)
    return _block(fields) + data


def rar5(members: list[tuple[str, bytes]], mtime: int = 1721362140) -> bytes:
    """A RAR5 archive storing `members` (name, bytes) in order."""
    out = SIGNATURE + _block(vint(1) + vint(0) + vint(0))          # main header, no archive flags
    for name, data in members:
        out += _file(name, data, mtime)
    return out + _block(vint(5) + vint(0) + vint(0))              # end of archive
