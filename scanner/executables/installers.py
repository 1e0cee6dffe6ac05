"""Installer and packer type of a PE, from section names, version info and bounded byte markers.

Only windows of the file are searched (the overlay's first 64 KB, its last 4 KB, the resource
section up to 8 MB), in place for mmap and bytes, so a large installer costs microseconds.
"""

from __future__ import annotations

from ..filetypes import BytesLike
from .pe import PeInfo

MARKER_WINDOW = 64 * 1024
# Installer and packer markers: (type, where, bytes).  "overlay": the head of the overlay;
# "tail": the last bytes before the signature; "rsrc": the resource section.
_MARKERS: tuple[tuple[str, str, bytes], ...] = (
    ("NSIS", "overlay", b"NullsoftInst"),
    ("Inno Setup", "overlay", b"Inno Setup Setup Data"),
    ("Inno Setup", "overlay", b"rDlPtS"),
    ("InstallShield", "overlay", b"InstallShield"),
    ("InstallShield", "overlay", b"ISSetupStream"),
    ("7z SFX", "overlay", b"7z\xbc\xaf\x27\x1c"),
    ("RAR SFX", "overlay", b"Rar!\x1a\x07"),
    ("ZIP SFX", "overlay", b"PK\x03\x04"),
    ("MSI payload", "overlay", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
    ("AutoIt", "overlay", b"AU3!EA06"),
    ("AutoIt", "rsrc", b"AU3!EA06"),
    ("PyInstaller", "tail", b"MEI\x0c\x0b\x0a\x0b\x0e"),
)
_SECTION_MARKERS = {".ndata": "NSIS", ".wixburn": "WiX Burn bundle", "UPX0": "UPX", "UPX1": "UPX",
                    ".aspack": "ASPack", ".themida": "Themida", ".vmp0": "VMProtect", ".MPRESS1": "MPRESS"}
_VERSION_MARKERS = (("Inno Setup", "Inno Setup"), ("Nullsoft", "NSIS"), ("InstallShield", "InstallShield"),
                    ("WiX Toolset", "WiX Burn bundle"), ("7-Zip", "7z SFX"), ("PyInstaller", "PyInstaller"))


def detect(data: BytesLike, info: PeInfo) -> list[str]:
    found: list[str] = []
    for s in info.sections:
        kind = _SECTION_MARKERS.get(s.name)
        if kind and kind not in found:
            found.append(kind)
    if info.is_dotnet:
        found.append(".NET")
    windows: dict[str, tuple[int, int]] = {}
    if info.overlay_size:
        start = info.overlay_offset
        windows["overlay"] = (start, start + min(MARKER_WINDOW, info.overlay_size))
        tail_end = info.security[0] if info.security[1] and info.security[0] >= start else info.size
        windows["tail"] = (max(start, tail_end - 4096), tail_end)
    rsrc = next((s for s in info.sections if s.name == ".rsrc"), None)
    if rsrc is not None and rsrc.raw_size:
        windows["rsrc"] = (rsrc.raw_ptr, rsrc.raw_ptr + min(rsrc.raw_size, 8 * 1024 * 1024))
    find = data.find if not isinstance(data, memoryview) else data.tobytes().find  # mmap and bytes search in place
    for kind, where, marker in _MARKERS:
        if kind not in found and where in windows and find(marker, *windows[where]) >= 0:
            found.append(kind)
    text = " ".join(info.version.values())
    for needle, kind in _VERSION_MARKERS:
        if needle in text and kind not in found:
            found.append(kind)
    return found
