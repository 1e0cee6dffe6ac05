"""The fuzz targets: one per parser/extractor, plus the whole engine on arbitrary bytes.

Each format target forces the root item's type, so every input reaches that format's
extractor and checks however broken its magic is; children are identified as in a real
scan.  Everything runs through `Engine`'s own isolation (`_visit`), because what the
project promises is about the engine: a *finding* is an exception escaping it, a scan
that runs past its deadline, or memory over a bound (see `harness.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.filetypes import FileType


@dataclass(frozen=True)
class Target:
    name: str
    filetype: FileType | None      # None: identify from the bytes (the engine as a whole)
    seeds: tuple[FileType, ...]    # samples/ files of these types seed the corpus


TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("zip", FileType.ZIP, (FileType.ZIP,)),
    Target("mail", FileType.EMAIL, (FileType.EMAIL, FileType.MBOX)),
    Target("pe", FileType.PE, (FileType.PE,)),
    Target("ooxml", FileType.OOXML, (FileType.OOXML,)),
    Target("ole", FileType.OLE, (FileType.OLE, FileType.MSG)),
    Target("pdf", FileType.PDF, (FileType.PDF,)),
    Target("tnef", FileType.TNEF, (FileType.TNEF,)),
    Target("rtf", FileType.RTF, (FileType.RTF,)),
    Target("7z", FileType.SEVENZIP, (FileType.SEVENZIP,)),
    Target("tar", FileType.TAR, (FileType.TAR,)),
    Target("iso", FileType.ISO, (FileType.ISO,)),
    Target("lnk", FileType.LNK, (FileType.LNK,)),
    Target("rar", FileType.RAR, (FileType.RAR,)),
    Target("cab", FileType.CAB, (FileType.CAB,)),
    Target("msix", FileType.MSIX, (FileType.MSIX,)),
    Target("onenote", FileType.ONENOTE, (FileType.ONENOTE,)),
    Target("html", FileType.HTML, (FileType.HTML, FileType.TEXT)),  # smuggled payloads, encoded commands
    Target("engine", None, tuple(FileType)),
)}
