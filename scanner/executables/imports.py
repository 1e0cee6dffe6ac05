"""Imported functions of a PE and the combinations that mean something (pefile).

pefile is the reference PE parser for Python (ordinal tables, bound and delay imports,
malformed tables handled leniently), so imports are read with it rather than by hand.
It is also slow (~2-5 ms per file), so the `pe` check calls this only when the item's
context warrants a closer look (see checks/pe.py), never on every PE of a software folder.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass, field

import pefile

from ..filetypes import BytesLike

MAX_IMPORTS = 4096
# category -> (score, groups): the category applies when every group has one imported name.
CATEGORIES: dict[str, tuple[int, tuple[frozenset[str], ...]]] = {
    "process_injection": (20, (frozenset({"VirtualAllocEx", "NtAllocateVirtualMemory"}),
                               frozenset({"WriteProcessMemory", "NtWriteVirtualMemory"}),
                               frozenset({"CreateRemoteThread", "CreateRemoteThreadEx", "NtCreateThreadEx",
                                          "RtlCreateUserThread", "QueueUserAPC"}))),
    "process_hollowing": (20, (frozenset({"NtUnmapViewOfSection", "ZwUnmapViewOfSection"}),
                               frozenset({"SetThreadContext", "Wow64SetThreadContext"}),
                               frozenset({"ResumeThread"}))),
    "download_and_run": (15, (frozenset({"URLDownloadToFileA", "URLDownloadToFileW", "URLDownloadToCacheFileA",
                                         "URLDownloadToCacheFileW"}),
                              frozenset({"ShellExecuteA", "ShellExecuteW", "ShellExecuteExA", "ShellExecuteExW",
                                         "WinExec", "CreateProcessA", "CreateProcessW"}))),
    "keylogging": (15, (frozenset({"SetWindowsHookExA", "SetWindowsHookExW"}),
                        frozenset({"GetAsyncKeyState", "GetKeyState", "GetKeyboardState"}))),
    "credential_access": (15, (frozenset({"CryptUnprotectData"}),)),
}
MAX_SCORE = 25


@dataclass
class Imports:
    dlls: list[str] = field(default_factory=list)
    functions: set[str] = field(default_factory=set)
    categories: dict[str, list[str]] = field(default_factory=dict)
    error: str = ""

    @property
    def score(self) -> int:
        return min(MAX_SCORE, sum(CATEGORIES[c][0] for c in self.categories))

    @property
    def resolves_at_runtime(self) -> bool:
        """Almost nothing imported but the loader functions: typical of packed code."""
        return 0 < len(self.functions) <= 4 and "GetProcAddress" in self.functions

    def evidence(self) -> dict[str, object]:
        return {"dlls": self.dlls[:32], "function_count": len(self.functions), "categories": self.categories}


def read_imports(data: BytesLike) -> Imports:
    out = Imports()
    raw = data if isinstance(data, (bytes, mmap.mmap)) else bytes(data)
    try:
        pe = pefile.PE(data=raw, fast_load=True)
        pe.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_IMPORT"]])
    except pefile.PEFormatError as exc:
        out.error = str(exc)
        return out
    for entry in getattr(pe, "DIRECTORY_ENTRY_IMPORT", [])[:256]:
        out.dlls.append((entry.dll or b"").decode("latin-1"))
        for imp in entry.imports:
            if imp.name and len(out.functions) < MAX_IMPORTS:
                out.functions.add(imp.name.decode("latin-1"))
    for category, (_score, groups) in CATEGORIES.items():
        hits = [sorted(g & out.functions)[0] for g in groups if g & out.functions]
        if len(hits) == len(groups):
            out.categories[category] = hits
    return out
