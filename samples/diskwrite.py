"""Write small disk images in pure Python, byte for byte reproducible: a FAT12 volume, an MBR disk,
fixed and dynamic VHD, VHDX.

Why by hand: mtools, mkfs.fat and qemu-img stamp the clock and random serials into what they write,
so rebuilds would differ; the hostile variants (cluster loops, lying sizes, block tables pointing
outside the file) need bytes no tool writes on purpose.  Layouts follow the FAT specification,
Microsoft's VHD format specification (2006) and [MS-VHDX].
"""

from __future__ import annotations

import struct
import uuid
import zlib

SECTOR = 512
# 2024-07-19 04:09:00, FAT's date and time fields
_FAT_DATE = ((2024 - 1980) << 9) | (7 << 5) | 19
_FAT_TIME = (4 << 11) | (9 << 5)
_VHD_TIME = 774_590_940  # 2024-07-19 04:09:00 UTC, seconds since 2000-01-01


def _lfn_checksum(short: bytes) -> int:
    total = 0
    for b in short:
        total = (((total & 1) << 7) + (total >> 1) + b) & 0xFF
    return total


def _dir_entries(name: str, n: int, cluster: int, size: int) -> bytes:
    """Long-name entries (UTF-16, as Windows writes them), then an 8.3 alias FILE~N."""
    short = f"FILE{n:04d}".encode().ljust(8) + (name.rsplit(".", 1)[1][:3].upper().encode()
                                                if "." in name else b"").ljust(3)
    units = name.encode("utf-16-le")
    units += b"\0\0" if len(units) % 26 else b""
    chunks = [units[i:i + 26].ljust(26, b"\xff") for i in range(0, len(units), 26)]
    out = b""
    for seq in range(len(chunks), 0, -1):
        part = chunks[seq - 1]
        order = seq | (0x40 if seq == len(chunks) else 0)
        out += (bytes([order]) + part[:10] + b"\x0f\x00" + bytes([_lfn_checksum(short)]) + part[10:22]
                + b"\0\0" + part[22:26])
    return out + short + struct.pack("<BBBHHHHHHHI", 0x20, 0, 0, _FAT_TIME, _FAT_DATE, _FAT_DATE, 0, _FAT_TIME,
                                     _FAT_DATE, cluster, size)


def fat12(files: list[tuple[str, bytes]], sectors: int = 256, hidden: int = 0, label: bytes = b"SCAMSCAN") -> bytes:
    """A FAT12 volume (512-byte clusters, 64 root entries) holding `files` in its root folder."""
    root_entries, reserved, fats = 64, 1, 2
    fat_sectors = (sectors * 3 // 2 + SECTOR - 1) // SECTOR + 1
    root_sectors = root_entries * 32 // SECTOR
    boot = bytearray(SECTOR)
    boot[0:3] = b"\xeb\x3c\x90"
    boot[3:11] = b"MSDOS5.0"
    struct.pack_into("<HBHBHHBHHHII", boot, 11, SECTOR, 1, reserved, fats, root_entries, sectors, 0xF8,
                     fat_sectors, 32, 2, hidden, 0)
    struct.pack_into("<BBBI11s8s", boot, 36, 0x80, 0, 0x29, 0x20240719, label.ljust(11), b"FAT12   ")
    boot[510:512] = b"\x55\xaa"
    fat = [0xFF8, 0xFFF]
    root = b""
    data = b""
    for n, (name, content) in enumerate(files, 1):
        clusters = max(1, (len(content) + SECTOR - 1) // SECTOR)
        first = len(fat)
        fat += [first + i + 1 for i in range(clusters - 1)] + [0xFFF]
        root += _dir_entries(name, n, first, len(content))
        data += content.ljust(clusters * SECTOR, b"\0")
    packed = bytearray(fat_sectors * SECTOR)
    for i, value in enumerate(fat):
        at = i * 3 // 2
        if i % 2 == 0:
            packed[at] = value & 0xFF
            packed[at + 1] = (packed[at + 1] & 0xF0) | (value >> 8)
        else:
            packed[at] = (packed[at] & 0x0F) | ((value & 0x0F) << 4)
            packed[at + 1] = value >> 4
    volume = bytes(boot) + bytes(packed) * fats + root.ljust(root_sectors * SECTOR, b"\0") + data
    if len(volume) > sectors * SECTOR:
        raise ValueError("files do not fit the volume")
    return volume.ljust(sectors * SECTOR, b"\0")


def mbr(partitions: list[bytes], start: int = 63, ptype: int = 0x01) -> bytes:
    """A disk with an MBR and `partitions` one after the other from sector `start` (FAT12 type 0x01)."""
    table = bytearray(SECTOR)
    lba = start
    body = b""
    for n, part in enumerate(partitions):
        count = len(part) // SECTOR
        struct.pack_into("<B3sB3sII", table, 446 + 16 * n, 0x80 if n == 0 else 0, b"\xfe\xff\xff", ptype,
                         b"\xfe\xff\xff", lba, count)
        body += part
        lba += count
    table[440:444] = struct.pack("<I", 0x20240719)  # disk signature
    table[510:512] = b"\x55\xaa"
    return bytes(table) + bytes((start - 1) * SECTOR) + body


def gpt(partitions: list[bytes]) -> bytes:
    """A GPT disk (protective MBR, primary and backup headers and tables) with "basic data" partitions
    from sector 34, one after the other."""
    basic = uuid.UUID("ebd0a0a2-b9e5-4433-87c0-68b6b72699c7").bytes_le
    entries = bytearray(128 * 128)
    lba = 34
    body = b""
    for n, part in enumerate(partitions):
        count = len(part) // SECTOR
        struct.pack_into("<16s16sQQQ72s", entries, 128 * n, basic, uuid.UUID(int=0x5CA7 + n).bytes_le, lba,
                         lba + count - 1, 0, f"Falcon hotfix {n}".encode("utf-16-le"))
        body += part
        lba += count
    last = lba + 32  # backup table (32 sectors), then the backup header
    table_crc = zlib.crc32(entries)

    def header(current: int, backup: int, table: int) -> bytes:
        h = bytearray(struct.pack("<8sIIIIQQQQ16sQIII", b"EFI PART", 0x00010000, 92, 0, 0, current, backup, 34,
                                  lba - 1, uuid.UUID(int=0x20240719).bytes_le, table, 128, 128, table_crc))
        struct.pack_into("<I", h, 16, zlib.crc32(h))
        return bytes(h).ljust(SECTOR, b"\0")

    protective = bytearray(SECTOR)
    struct.pack_into("<B3sB3sII", protective, 446, 0, b"\0\2\0", 0xEE, b"\xff\xff\xff", 1, min(last, 0xFFFFFFFF))
    protective[510:512] = b"\x55\xaa"
    return (bytes(protective) + header(1, last, 2) + bytes(entries) + body + bytes(entries)
            + header(last, 1, lba))


def _vhd_footer(size: int, disk_type: int, data_offset: int) -> bytes:
    cylinders = min(65535, size // (16 * 63 * SECTOR))
    footer = bytearray(struct.pack(">8sIIQI4sI4sQQHBBII16sB", b"conectix", 2, 0x00010000, data_offset, _VHD_TIME,
                                   b"win ", 0x000A0000, b"Wi2k", size, size, cylinders, 16, 63, disk_type, 0,
                                   uuid.UUID("5ca75ca7-0000-4000-8000-201907190409").bytes, 0).ljust(SECTOR, b"\0"))
    struct.pack_into(">I", footer, 64, ~sum(footer) & 0xFFFFFFFF)
    return bytes(footer)


def vhd_fixed(disk: bytes) -> bytes:
    """A fixed VHD: the raw disk, then a 512-byte footer."""
    disk = disk.ljust(-(-len(disk) // SECTOR) * SECTOR, b"\0")
    return disk + _vhd_footer(len(disk), 2, 0xFFFFFFFFFFFFFFFF)


def vhd_dynamic(disk: bytes, block: int = 64 * 1024, virtual_size: int | None = None,
                bat_override: dict[int, int] | None = None) -> bytes:
    """A dynamic VHD: footer copy, sparse header, block table, then only the blocks that hold data.
    `bat_override` sets raw block-table entries (sector numbers), for hostile variants."""
    size = virtual_size or -(-len(disk) // block) * block
    blocks = -(-size // block)
    bat_offset = 3 * SECTOR
    bat_bytes = -(-blocks * 4 // SECTOR) * SECTOR
    bitmap_bytes = (block // SECTOR + 7) // 8  # one bit per sector, padded to whole sectors
    bitmap = (bitmap_bytes + SECTOR - 1) // SECTOR * SECTOR
    footer = _vhd_footer(size, 3, SECTOR)
    sparse = bytearray(struct.pack(">8sQQIIII16sII", b"cxsparse", 0xFFFFFFFFFFFFFFFF, bat_offset, 0x00010000, blocks,
                                   block, 0, bytes(16), 0, 0).ljust(1024, b"\0"))
    struct.pack_into(">I", sparse, 36, ~sum(sparse) & 0xFFFFFFFF)
    bat = [0xFFFFFFFF] * blocks
    body = b""
    at = bat_offset + bat_bytes
    for n in range(blocks):
        chunk = disk[n * block:(n + 1) * block]
        if chunk.strip(b"\0"):
            bat[n] = (at + len(body)) // SECTOR
            body += b"\xff" * bitmap + chunk.ljust(block, b"\0")
    for n, value in (bat_override or {}).items():
        bat[n] = value
    table = b"".join(struct.pack(">I", v) for v in bat).ljust(bat_bytes, b"\xff")
    return footer + bytes(sparse) + table + body + footer


def _crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc = _CRC32C[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _crc32c_table() -> list[int]:
    table = []
    for i in range(256):
        r = i
        for _ in range(8):
            r = (r >> 1) ^ (0x82F63B78 if r & 1 else 0)
        table.append(r)
    return table


_CRC32C = _crc32c_table()
MiB = 1024 * 1024
_GUID = {name: bytes.fromhex(h) for name, h in {
    "bat": "6677c22d23f600429d64115e9bfd4a08", "metadata": "06a27c8b90479a4bb8fe575f050f886e",
    "file_parameters": "3767a1ca36fa434db3b633f0aa44e76b", "disk_size": "2442a52f1bcd7648b2115dbed83bf4b8",
    "disk_id": "ab12cabee6b2234593efc309e000c746", "logical_sector": "1dbf41816fa90947ba47f233a8faab5f",
    "physical_sector": "c748a3cd5d4471449cc9e9885251c556"}.items()}


def _with_crc(block: bytearray, at: int = 4) -> bytes:
    struct.pack_into("<I", block, at, _crc32c(bytes(block)))
    return bytes(block)


def vhdx(disk: bytes) -> bytes:
    """A dynamic VHDX with 1 MiB blocks: header section, metadata region (1 MiB), block table (1 MiB),
    then the blocks that hold data.  Every region is 1 MiB-aligned by the format: 4 MiB at least."""
    size = max(MiB, -(-len(disk) // MiB) * MiB)
    ident = (b"vhdxfile" + "scamscan samples".encode("utf-16-le")).ljust(64 * 1024, b"\0")
    headers = b""
    for seq in (1, 2):
        h = bytearray(4096)
        struct.pack_into("<4sIQ16s16s16sHHIQ", h, 0, b"head", 0, seq, uuid.UUID(int=1).bytes, uuid.UUID(int=2).bytes,
                         bytes(16), 0, 1, 0, 0)
        headers += _with_crc(h).ljust(64 * 1024, b"\0")
    region = bytearray(64 * 1024)
    struct.pack_into("<4sIII", region, 0, b"regi", 0, 2, 0)
    struct.pack_into("<16sQII", region, 16, _GUID["bat"], 2 * MiB, MiB, 1)
    struct.pack_into("<16sQII", region, 48, _GUID["metadata"], MiB, MiB, 1)
    regions = _with_crc(region) * 2
    meta = bytearray(MiB)
    items = [("file_parameters", struct.pack("<II", MiB, 0), 4), ("disk_size", struct.pack("<Q", size), 6),
             ("disk_id", uuid.UUID(int=3).bytes, 6), ("logical_sector", struct.pack("<I", SECTOR), 6),
             ("physical_sector", struct.pack("<I", SECTOR), 6)]
    struct.pack_into("<8sHH", meta, 0, b"metadata", 0, len(items))
    offset = 64 * 1024
    for n, (name, value, flags) in enumerate(items):
        struct.pack_into("<16sIIII", meta, 32 + 32 * n, _GUID[name], offset, len(value), flags, 0)
        meta[offset:offset + len(value)] = value
        offset += 4096
    bat = bytearray(MiB)
    blocks = b""
    for n in range(size // MiB):
        chunk = disk[n * MiB:(n + 1) * MiB]
        if chunk.strip(b"\0"):
            struct.pack_into("<Q", bat, 8 * n, (3 * MiB + len(blocks)) | 6)  # PAYLOAD_BLOCK_FULLY_PRESENT
            blocks += chunk.ljust(MiB, b"\0")
    head = (ident + headers + regions).ljust(MiB, b"\0")
    return head + bytes(meta) + bytes(bat) + blocks
