"""Disk images from their structure: VHD, VHDX, and raw disks (MBR, GPT, a bare FAT/exFAT/NTFS volume).

Windows mounts `.vhd` and `.vhdx` with a double click, like `.iso`, and fake-update lures ship their
"hotfix" inside one to dodge scanners and Mark-of-the-Web.  `virtual_kind` and `raw_kind` name the
outermost layer, as the 7-Zip type the extractor (`extract/diskimage.py`) expects to open first.

Strictness, because real files carry a 0x55AA at byte 510 by chance: an MBR needs a partition table
whose used entries are all well-formed and whose unused entries are all zero; a FAT boot sector a
jump instruction and a consistent BIOS parameter block; NTFS, exFAT and BitLocker their OEM name.
A partition may point past the end of the file: the image is still a disk (the extractor reports
what it cannot read), so a broken table never makes a lure `data`.
"""

from __future__ import annotations

import struct

_FOOTER = b"conectix"
_BOOT_SIGNATURE = b"\x55\xaa"
_SECTOR_SIZES = (512, 1024, 2048, 4096)
_OEM = {b"NTFS    ": "ntfs", b"EXFAT   ": "exfat", b"-FVE-FS-": "bitlocker"}

# Kinds that are a whole disk or volume, as 7-Zip names the format that opens them (`-t<kind>`);
# exFAT and BitLocker have no 7-Zip reader: the extractor reports them.
KINDS = ("vhd", "vhdx", "gpt", "mbr", "fat", "ntfs", "exfat", "bitlocker")


def virtual_kind(view: memoryview) -> str | None:
    """"vhdx" or "vhd" (a footer at the end, or its copy at the start of a dynamic disk), else None."""
    size = len(view)
    if bytes(view[:8]) == b"vhdxfile":
        return "vhdx"
    if size >= 512 and (bytes(view[:8]) == _FOOTER or bytes(view[size - 512:size - 504]) == _FOOTER
                        or bytes(view[size - 511:size - 503]) == _FOOTER):  # old images: a 511-byte footer
        return "vhd"
    return None


def raw_kind(view: memoryview) -> str | None:
    """The partition table or file system a raw disk image starts with, else None."""
    size = len(view)
    if size < 512:
        return None
    if any(bytes(view[at:at + 8]) == b"EFI PART" for at in (512, 4096) if size >= at + 92):
        return "gpt"
    boot = bytes(view[:512])
    if boot[510:512] != _BOOT_SIGNATURE:
        return None
    oem = _OEM.get(boot[3:11])
    if oem is not None and _sector_size_ok(boot):
        return oem
    if _is_fat(boot):
        return "fat"
    if _is_mbr(boot):
        return "mbr"
    return None


def kind(view: memoryview) -> str | None:
    return virtual_kind(view) or raw_kind(view)


def _sector_size_ok(boot: bytes) -> bool:
    return boot[3:11] == b"EXFAT   " or struct.unpack_from("<H", boot, 11)[0] in _SECTOR_SIZES


def _is_fat(boot: bytes) -> bool:
    if not ((boot[0] == 0xEB and boot[2] == 0x90) or boot[0] == 0xE9):
        return False
    per_cluster, reserved, fats, media = boot[13], struct.unpack_from("<H", boot, 14)[0], boot[16], boot[21]
    return (_sector_size_ok(boot) and per_cluster in (1, 2, 4, 8, 16, 32, 64, 128) and reserved >= 1
            and fats in (1, 2) and (media == 0xF0 or media >= 0xF8))


def _is_mbr(boot: bytes) -> bool:
    used = 0
    for n in range(4):
        entry = boot[446 + 16 * n:462 + 16 * n]
        if entry == bytes(16):
            continue
        status, ptype = entry[0], entry[4]
        start, count = struct.unpack_from("<II", entry, 8)
        if status not in (0x00, 0x80) or ptype == 0 or start == 0 or count == 0:
            return False
        used += 1
    return used > 0
