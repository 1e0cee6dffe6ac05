"""Cheap facts about a PE file: headers, sections, overlay, version info, installer type.

Why not pefile here: this runs on every PE the scanner sees, and the libwine corpus
(693 real PE files) is the benchmark.  ``pefile.PE(data=..., fast_load=True)`` alone costs
~1.9 ms per file there (it builds an object per header field and flag), its resource parse
another ~1.9 ms: together more than a quarter of the whole bundled-rules scan.  The few
structures needed for every file (COFF/optional headers, section table, data directories,
the RT_VERSION branch of the resource tree, VS_VERSIONINFO) are read here with `struct` in
~0.1 ms, every offset bounds-checked and every loop capped, so hostile headers cost nothing.
pefile does the deeper, rarer work (imports: `scanner/executables/imports.py`).
"""

from __future__ import annotations

import math
import struct
from collections import Counter
from dataclasses import dataclass, field

from ..filetypes import BytesLike

MAX_SECTIONS = 96  # the Windows loader's own limit
MAX_DIR_ENTRIES = 512  # per resource directory: more is an absurd tree
MAX_VERSION_SIZE = 64 * 1024
MAX_VERSION_BLOCKS = 256
ENTROPY_SAMPLE = 256 * 1024
VERSION_KEYS = ("CompanyName", "ProductName", "FileDescription", "OriginalFilename", "InternalName",
                "LegalCopyright", "FileVersion", "ProductVersion", "Comments")
DIR_IMPORT, DIR_RESOURCE, DIR_SECURITY, DIR_CLR = 1, 2, 4, 14
SCN_EXEC, SCN_WRITE, SCN_CODE = 0x20000000, 0x80000000, 0x00000020
STANDARD_SECTIONS = frozenset({".text", ".data", ".rdata", ".rsrc", ".reloc", ".pdata", ".bss", ".idata",
                               ".edata", ".tls", ".CRT", ".xdata", ".didat", ".gfids", ".00cfg", ".debug",
                               "CODE", "DATA", "BSS", ".itext", ".orpc", ".sxdata", ".buildid", "/4", "/19"})


class PeError(ValueError):
    """Headers that cannot be read at all (truncated or not a PE)."""


@dataclass(frozen=True)
class Section:
    name: str
    vaddr: int
    vsize: int
    raw_ptr: int
    raw_size: int
    flags: int

    @property
    def executable(self) -> bool:
        return bool(self.flags & (SCN_EXEC | SCN_CODE))

    @property
    def writable(self) -> bool:
        return bool(self.flags & SCN_WRITE)


@dataclass
class PeInfo:
    size: int
    machine: int
    is_64: bool
    is_dll: bool
    entry_rva: int
    size_of_image: int
    sections: list[Section]
    dirs: list[tuple[int, int]]
    overlay_offset: int
    overlay_size: int  # excluding the certificate table
    security: tuple[int, int]  # file offset and size of the certificate table, (0, 0) if none
    version: dict[str, str] = field(default_factory=dict)
    installers: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # truncation, bogus directories, absurd trees

    @property
    def is_dotnet(self) -> bool:
        return self.dirs[DIR_CLR][0] != 0 and self.dirs[DIR_CLR][1] != 0

    @property
    def signed(self) -> bool:
        return self.security[1] > 0

    def rva_to_offset(self, rva: int) -> int | None:
        for s in self.sections:
            if s.vaddr <= rva < s.vaddr + max(s.vsize, s.raw_size) and rva - s.vaddr < s.raw_size:
                return (s.raw_ptr & ~0x1FF) + rva - s.vaddr
        return rva if 0 <= rva < (self.sections[0].raw_ptr if self.sections else self.size) else None

    def section_at(self, rva: int) -> Section | None:
        return next((s for s in self.sections if s.vaddr <= rva < s.vaddr + max(s.vsize, s.raw_size)), None)

    def facts(self) -> dict[str, object]:
        """Evidence for findings: what a person checks first."""
        return {"version_info": self.version, "installer": self.installers, "dotnet": self.is_dotnet,
                "machine": hex(self.machine), "dll": self.is_dll, "overlay_size": self.overlay_size,
                "sections": [s.name for s in self.sections], "problems": self.problems}


def entropy(buf: bytes) -> float:
    """Shannon entropy in bits per byte (0..8)."""
    if not buf:
        return 0.0
    n = len(buf)
    return -sum(c / n * math.log2(c / n) for c in Counter(buf).values())


def _u16(data: BytesLike, off: int) -> int:
    return int.from_bytes(data[off:off + 2], "little")


def parse(data: BytesLike) -> PeInfo:
    """Read the headers; raise PeError when they are not there.  Never reads more than it bounds."""
    size = len(data)
    head = bytes(data[:4096])
    if size < 0x40 or head[:2] != b"MZ":
        raise PeError("no DOS header")
    pe_off = struct.unpack_from("<I", head, 0x3C)[0]
    hdr = bytes(data[pe_off:pe_off + 24 + 240]) if pe_off < size else b""
    if len(hdr) < 24 or hdr[:4] != b"PE\0\0":
        raise PeError("no PE signature at e_lfanew")
    machine, nsec, _ts, sym_ptr, nsym, opt_size, chars = struct.unpack_from("<HHIIIHH", hdr, 4)
    opt = 24
    if len(hdr) < opt + 2:
        raise PeError("truncated optional header")
    magic = struct.unpack_from("<H", hdr, opt)[0]
    is_64 = magic == 0x20B
    if magic not in (0x10B, 0x20B) or len(hdr) < opt + (112 if is_64 else 96):
        raise PeError(f"bad or truncated optional header (magic {magic:#x})")
    entry, = struct.unpack_from("<I", hdr, opt + 16)
    size_of_image, = struct.unpack_from("<I", hdr, opt + 56)
    ndirs, = struct.unpack_from("<I", hdr, opt + (108 if is_64 else 92))
    dir_off = opt + (112 if is_64 else 96)
    dirs = [(0, 0)] * 16
    for i in range(min(ndirs, 16, (len(hdr) - dir_off) // 8)):
        dirs[i] = struct.unpack_from("<II", hdr, dir_off + 8 * i)
    problems: list[str] = []
    sec_off = pe_off + opt + opt_size
    if nsec > MAX_SECTIONS:
        problems.append(f"{nsec} sections (the loader accepts {MAX_SECTIONS})")
    table = bytes(data[sec_off:sec_off + 40 * min(nsec, MAX_SECTIONS)])
    if len(table) < 40 * min(nsec, MAX_SECTIONS):
        problems.append("section table truncated")
    sections = []
    for i in range(len(table) // 40):
        name, vsize, vaddr, raw_size, raw_ptr, _r, _l, _nr, _nl, flags = struct.unpack_from(
            "<8sIIIIIIHHI", table, 40 * i)
        sections.append(Section(name.split(b"\0", 1)[0].decode("latin-1"), vaddr, vsize, raw_ptr, raw_size, flags))
    end = max((s.raw_ptr + s.raw_size for s in sections if s.raw_size), default=min(size, sec_off + len(table)))
    if end > size:
        problems.append(f"truncated: sections end at {end}, file has {size} bytes")
    sec_file, sec_size = dirs[DIR_SECURITY]
    security = (0, 0)
    if sec_size:
        if sec_file + sec_size > size or sec_file < min(end, size):
            problems.append(f"certificate table outside the file or inside the image ({sec_file}+{sec_size})")
        else:
            security = (sec_file, sec_size)
    for i, (rva, dsize) in enumerate(dirs):
        if i != DIR_SECURITY and dsize and (rva + dsize > max(size_of_image, end) or dsize > 0x10000000):
            problems.append(f"data directory {i} points outside the image ({rva:#x}+{dsize:#x})")
    overlay_offset = min(end, size)
    if sym_ptr == overlay_offset and nsym:  # a COFF symbol and string table (mingw builds): not an overlay
        strtab = sym_ptr + 18 * nsym
        overlay_offset = min(size, strtab + int.from_bytes(data[strtab:strtab + 4], "little"))
    overlay = size - overlay_offset - (security[1] if security[1] and security[0] >= overlay_offset else 0)
    info = PeInfo(size, machine, is_64, bool(chars & 0x2000), entry, size_of_image, sections, dirs,
                  overlay_offset, max(0, overlay), security, problems=problems)
    info.version = _version_info(data, info)
    return info


def _res_entries(data: BytesLike, base: int, off: int, limit: int, info: PeInfo) -> list[tuple[int, int]]:
    """(name or id, offset-to-data) of one IMAGE_RESOURCE_DIRECTORY, capped."""
    hdr = bytes(data[base + off:base + off + 16])
    if len(hdr) < 16:
        return []
    named, ids = struct.unpack_from("<HH", hdr, 12)
    count = named + ids
    if count > MAX_DIR_ENTRIES:
        info.problems.append(f"resource directory with {count} entries")
        count = MAX_DIR_ENTRIES
    raw = bytes(data[base + off + 16:min(base + off + 16 + 8 * count, limit)])
    return [struct.unpack_from("<II", raw, 8 * i) for i in range(len(raw) // 8)]


def _version_info(data: BytesLike, info: PeInfo) -> dict[str, str]:
    rva, rsize = info.dirs[DIR_RESOURCE]
    base = info.rva_to_offset(rva) if rsize else None
    if base is None:
        return {}
    limit = min(info.size, base + rsize)
    entries = [e for e in _res_entries(data, base, 0, limit, info) if e[0] == 16]  # RT_VERSION
    seen: set[int] = set()
    for _level in range(2):  # name, then language: take the first of each
        if not entries or not entries[0][1] & 0x80000000:
            return {}
        sub = entries[0][1] & 0x7FFFFFFF
        if sub in seen:
            info.problems.append("resource tree loops")
            return {}
        seen.add(sub)
        entries = _res_entries(data, base, sub, limit, info)[:1]
    if not entries or entries[0][1] & 0x80000000:
        return {}
    leaf = bytes(data[base + entries[0][1]:base + entries[0][1] + 8])
    if len(leaf) < 8:
        return {}
    data_rva, vsize = struct.unpack("<II", leaf)
    off = info.rva_to_offset(data_rva)
    if off is None or vsize > MAX_VERSION_SIZE:
        info.problems.append("version resource unreadable or oversized")
        return {}
    return _string_file_info(bytes(data[off:off + vsize]))


def _block(buf: bytes, off: int, end: int) -> tuple[str, int, int, int] | None:
    """One VS_VERSIONINFO-style block: (key, value offset, children offset, block end)."""
    if off + 6 > end:
        return None
    length = _u16(buf, off)
    if length < 6:
        return None
    blk_end = min(off + length, end)
    pos = buf.find(b"\0\0", off + 6, blk_end)
    while pos != -1 and (pos - off - 6) % 2:
        pos = buf.find(b"\0\0", pos + 1, blk_end)
    if pos == -1:
        return None
    key = buf[off + 6:pos].decode("utf-16-le", "replace")
    voff = (pos + 2 + 3) & ~3
    vlen = _u16(buf, off + 2) * (2 if _u16(buf, off + 4) == 1 else 1)
    return key, voff, (voff + vlen + 3) & ~3, blk_end


def _children(buf: bytes, start: int, end: int, budget: list[int]) -> list[tuple[str, int, int, int]]:
    out = []
    while start < end and budget[0] > 0:
        budget[0] -= 1
        blk = _block(buf, start, end)
        if blk is None:
            break
        out.append(blk)
        start = (blk[3] + 3) & ~3
    return out


def _string_file_info(buf: bytes) -> dict[str, str]:
    root = _block(buf, 0, len(buf))
    if root is None or root[0] != "VS_VERSION_INFO":
        return {}
    budget = [MAX_VERSION_BLOCKS]
    found: dict[str, str] = {}
    for key, _v, child, end in _children(buf, root[2], root[3], budget):
        if key != "StringFileInfo":
            continue
        for _table, _tv, tchild, tend in _children(buf, child, end, budget):
            for name, voff, _c, send in _children(buf, tchild, tend, budget):
                if name in VERSION_KEYS and name not in found:
                    text = buf[voff:send].decode("utf-16-le", "replace").split("\0", 1)[0].strip()
                    if text:
                        found[name] = text[:256]
    return found


def overlay_entropy(data: BytesLike, info: PeInfo) -> float:
    start = info.overlay_offset
    return entropy(bytes(data[start:start + min(ENTROPY_SAMPLE, info.overlay_size)]))


def section_entropy(data: BytesLike, s: Section) -> float:
    return entropy(bytes(data[s.raw_ptr:s.raw_ptr + min(ENTROPY_SAMPLE, s.raw_size)]))
