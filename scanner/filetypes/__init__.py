"""Identify an item from its bytes, never from its name.

A scam's first trick is a misleading name (`update.pdf.exe`, a ZIP called `.txt`),
so the type that decides which extractors and checks run comes from magic bytes
and content.  The name only supplies the `extension` rule variable.

The rule for text: **type detection never reduces scanning; when in doubt, scan more.**
Structure is looked for in `textview.structure_head` (UTF-16 transcoded, BOM, NULs, stray
control bytes and leading blank lines dropped), so a mail is recognised by its headers,
and a page or a script by its first line, wherever NULs or control bytes are.  Anything
else that is mostly text is TEXT.  DATA means "no structure found", never "nothing to look
at": YARA, text-scoped rules included, still runs on it (checks/yara.py).
"""

from __future__ import annotations

import enum
import re

from . import disk
from .textview import BytesLike as BytesLike
from .textview import structure_head, utf16_codec, view


class FileType(enum.Enum):
    EMPTY = "empty"
    PE = "pe"
    ELF = "elf"
    MACHO = "macho"
    ZIP = "zip"
    OOXML = "ooxml"
    GZIP = "gzip"
    BZIP2 = "bzip2"
    XZ = "xz"
    SEVENZIP = "7z"
    RAR = "rar"
    CAB = "cab"  # also Windows update packages (.msu: a CAB of CABs)
    LHA = "lha"
    XAR = "xar"
    MSIX = "msix"  # MSIX/APPX/APPXBUNDLE: a ZIP with an AppxManifest.xml or AppxBundleManifest.xml
    ONENOTE = "onenote"
    TAR = "tar"
    OLE = "ole"
    PDF = "pdf"
    RTF = "rtf"
    ISO = "iso"
    VHD = "vhd"  # Virtual PC / Hyper-V disk: fixed (a footer after the raw disk) or dynamic
    VHDX = "vhdx"
    DISK = "disk"  # raw disk image: an MBR or GPT partition table, or a bare FAT/exFAT/NTFS volume
    LNK = "lnk"
    EMAIL = "email"
    MBOX = "mbox"
    MSG = "msg"  # Outlook message: an OLE file with __substg1.0_ property streams
    TNEF = "tnef"  # Outlook's winmail.dat (application/ms-tnef): attachments and rich body of a mail
    HTML = "html"
    TEXT = "text"
    DATA = "data"

    @property
    def loki(self) -> str:
        """The LOKI/THOR `filetype` external value, so community rules work unmodified."""
        return _LOKI.get(self, self.value.upper())

    @property
    def is_text(self) -> bool:
        return self in (FileType.TEXT, FileType.HTML, FileType.EMAIL)


TNEF_MAGIC = b"\x78\x9f\x3e\x22"  # signature 0x223E9F78, little-endian
ONENOTE_MAGIC = bytes.fromhex("e4525c7b8cd8a74daeb15378d02996d3")  # {7B5C52E4-D88C-4DA7-AEB1-5378D02996D3}

# Types that hold other files.  The engine reports `incomplete: unsupported` for one of these that
# has no extractor, so a recognised container is never passed as clean unopened
# (tests/test_containers.py enumerates them against `extract.EXTRACTORS`).
CONTAINERS = frozenset({
    FileType.ZIP, FileType.OOXML, FileType.GZIP, FileType.BZIP2, FileType.XZ, FileType.SEVENZIP, FileType.RAR,
    FileType.CAB, FileType.LHA, FileType.XAR, FileType.MSIX, FileType.ONENOTE, FileType.TAR, FileType.OLE,
    FileType.PDF, FileType.RTF, FileType.ISO, FileType.EMAIL, FileType.MBOX, FileType.MSG, FileType.TNEF,
    FileType.VHD, FileType.VHDX, FileType.DISK,
})

_LOKI = {FileType.PE: "EXE", FileType.SEVENZIP: "7Z", FileType.OLE: "OLE", FileType.MACHO: "MACH-O"}

_MAGIC: list[tuple[bytes, FileType]] = [
    (b"\x7fELF", FileType.ELF),
    (b"\x1f\x8b", FileType.GZIP),
    (b"BZh", FileType.BZIP2),
    (b"\xfd7zXZ\x00", FileType.XZ),
    (b"7z\xbc\xaf\x27\x1c", FileType.SEVENZIP),
    (b"Rar!\x1a\x07", FileType.RAR),
    (b"MSCF\x00\x00\x00\x00", FileType.CAB),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", FileType.OLE),
    (b"{\\rtf", FileType.RTF),
    (b"L\x00\x00\x00\x01\x14\x02\x00", FileType.LNK),
    (b"\xcf\xfa\xed\xfe", FileType.MACHO),
    (b"\xce\xfa\xed\xfe", FileType.MACHO),
    (TNEF_MAGIC, FileType.TNEF),
    (b"xar!", FileType.XAR),
    (ONENOTE_MAGIC, FileType.ONENOTE),
]
_APPX_NAMES = (b"AppxManifest.xml", b"AppxMetadata/AppxBundleManifest.xml")
_LHA = re.compile(rb"^..-(?:lh[0-7d]|lz[s45])-", re.DOTALL)

_EMAIL_HEADER = re.compile(
    rb"^(?:From |(?:Return-Path|Received|From|To|Subject|Date|Message-ID|MIME-Version|"
    rb"Delivered-To|X-[A-Za-z0-9-]+|Reply-To|Content-Type|DKIM-Signature|ARC-[A-Za-z-]+|"
    rb"Authentication-Results|Received-SPF|Envelope-To|Sender|Cc|In-Reply-To|References|Thread-Topic|"
    rb"Thread-Index|Importance|Content-Transfer-Encoding)"
    rb":[ \t])",
    re.IGNORECASE,
)
_HEADER_LINE = re.compile(rb"^[A-Za-z0-9-]{2,40}:[ \t]")
# Comments before the first tag: each `<!--` matches its own `-->` and nothing else, atomically.
# `(?:<!--.*?-->\s*)*` could also end a comment at a later `-->`, so a run of comments that
# never reached a tag was tried in 2^n ways (585 comments fit in the 4 KiB head: a hang).
_HTML_START = re.compile(rb"^\s*(?>(?:<!--(?:(?!-->).)*+-->\s*)*)"
                         rb"<(?:!doctype\s+html|html|head|body|script|meta|iframe)\b", re.IGNORECASE | re.DOTALL)


# The first line of a script a shell or script host runs (the extension is the attacker's choice).
_SCRIPT_START = re.compile(
    rb"^(?:#!|@?echo\s+off\b|::|rem\s|<#|<\?php|<job\b|<package\b|<script\b|param\s*\(|function\s|"
    rb"option\s+explicit\b|(?:dim|sub|set|on\s+error)\s|\$[A-Za-z_][\w:]*\s*=|(?:powershell|pwsh|cmd|mshta|"
    rb"certutil|bitsadmin|curl|wget|iex|iwr|irm|start-process|invoke-[a-z]+)\b)", re.IGNORECASE)


# mbox "From_" line: `From sender@host Sat Jan  3 01:05:34 1996` (envelope sender, then a date).
_MBOX_FROM = re.compile(rb"^From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) .{6,40}\d{4}")
_MSG_NAMES = ("__substg1.0_".encode("utf-16-le"), "__properties_version1.0".encode("utf-16-le"))
_MSG_SCAN = 16 * 1024 * 1024


def _is_msg(view: memoryview) -> bool:
    """An OLE file whose directory names Outlook's property streams.  Directory entries
    are 128-byte records inside 512/4096-byte sectors after a 512-byte header, so a real
    entry name starts at an offset that is 0 mod 128: text that merely mentions the name is not."""
    data = view[:_MSG_SCAN].tobytes() if len(view) > _MSG_SCAN else view.tobytes()
    for name in _MSG_NAMES:
        pos = data.find(name, 512)
        while pos >= 0 and pos % 128:
            pos = data.find(name, pos + 1)
        if pos < 0:
            return False
    return True


def _is_pe(head: bytes) -> bool:
    if head[:2] != b"MZ" or len(head) < 0x40:
        return False
    e_lfanew = int.from_bytes(head[0x3C:0x40], "little")
    return 0 < e_lfanew <= len(head) - 4 and head[e_lfanew:e_lfanew + 4] == b"PE\x00\x00"


def _is_zip(head: bytes) -> bool:
    return head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


def _looks_text(sample: bytes) -> bool:
    """Mostly text once `view()` has dropped NULs and stray control bytes: valid UTF-8
    (a multi-byte character may be cut by the sample window), or a legacy 8-bit charset
    (few bytes above 0x7f).  At most half the sample may be dropped bytes: a binary full
    of zeros is not text, and YARA still sees it as DATA."""
    if not sample:
        return False
    if utf16_codec(sample) is not None:
        return True
    text = view(sample)
    if not text or len(text) * 2 < len(sample):
        return False
    try:
        text.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        if exc.start >= len(text) - 3:
            return True
    return sum(1 for b in text if b > 0x7F) <= len(text) // 4


def identify(data: BytesLike, name: str = "") -> FileType:
    """Return the type of `data` (bytes, memoryview or mmap), from content alone."""
    view = memoryview(data)
    size = len(view)
    if size == 0:
        return FileType.EMPTY
    head = bytes(view[:4096])
    virtual = disk.virtual_kind(view)  # first: the raw disk inside may start with any other magic
    if virtual is not None:
        return FileType.VHD if virtual == "vhd" else FileType.VHDX
    if _is_zip(head):
        probe = bytes(view[:min(size, 65536)])
        directory = bytes(view[max(0, size - 65536):])  # the central directory names every member
        if any(name in part for name in _APPX_NAMES for part in (probe, directory)):
            return FileType.MSIX
        if b"[Content_Types].xml" in probe:
            return FileType.OOXML
        return FileType.ZIP
    if head[:2] == b"MZ":
        if _is_pe(head):
            return FileType.PE
        return FileType.DISK if disk.raw_kind(view) is not None else FileType.DATA  # an MBR's boot code is free
    for magic, ftype in _MAGIC:
        if head.startswith(magic):
            return FileType.MSG if ftype == FileType.OLE and _is_msg(view) else ftype
    if _LHA.match(head):
        return FileType.LHA
    iso = size > 0x8006 and bytes(view[0x8001:0x8006]) in (b"CD001", b"BEA01")  # ISO 9660, UDF
    if not iso and disk.raw_kind(view) is not None:  # hybrid ISOs carry an MBR/GPT too: ISO wins
        return FileType.DISK
    if b"%PDF-" in head[:1024]:
        return FileType.PDF
    if iso:
        return FileType.ISO
    if size >= 512 and bytes(view[257:262]) == b"ustar":
        return FileType.TAR
    text = structure_head(head)
    if _HTML_START.match(text):
        return FileType.HTML
    lines = text.splitlines()[:10]
    if lines and _MBOX_FROM.match(lines[0]) and sum(1 for ln in lines[1:] if _HEADER_LINE.match(ln)) >= 2:
        return FileType.MBOX
    if lines and _EMAIL_HEADER.match(lines[0]) and (
            lines[0].startswith(b"From ") or sum(1 for ln in lines if _HEADER_LINE.match(ln)) >= 2):
        return FileType.EMAIL
    if _SCRIPT_START.match(text) or _looks_text(head):
        return FileType.TEXT
    return FileType.DATA
