"""The fuzz targets: one per parser/extractor, plus the whole engine on arbitrary bytes.

A format target forces the root item's type, so every input reaches that format's parser
however broken its magic is, and runs what parses it: every check that applies to the root
(the format's own checks: PDF, Office, PE, signature, mail ...) and its extractor to the end,
each child materialised and identified, through the engine's own isolation (`_run_check`,
`_children`).  Children are not scanned in turn: a mail's 7z attachment is the 7z target's
job, and scanning it here would spend the mail target's time (0.75 s of py7zr key
derivation per mutated copy) on the wrong parser.  The `engine` target scans whole trees.

`libraries` names what is coverage-instrumented besides `scanner` (and only that), so the
mutations are guided through the format's parser library while the rest runs at full speed.
This module imports nothing from `scanner` at import time: `fuzz.target` reads it before it
starts instrumenting, and importing `scanner` would import (and so never instrument) all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.filetypes import FileType


@dataclass(frozen=True)
class Target:
    name: str
    kind: str | None                # a FileType value; None: identify from the bytes, scan the whole tree
    seed_kinds: tuple[str, ...]     # samples/ files (and nested items) of these FileType values seed it
    libraries: tuple[str, ...] = ()  # modules instrumented besides `scanner`

    @property
    def filetype(self) -> FileType | None:
        from scanner.filetypes import FileType
        return None if self.kind is None else FileType(self.kind)

    @property
    def seeds(self) -> tuple[FileType, ...]:
        from scanner.filetypes import FileType
        return tuple(FileType) if not self.seed_kinds else tuple(FileType(k) for k in self.seed_kinds)


_OFFICE = ("olefile", "oletools", "msoffcrypto", "extract_msg")
TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("zip", "zip", ("zip",), ("zipfile", "pyzipper")),
    Target("mail", "email", ("email", "mbox"), ("email",)),
    Target("pe", "pe", ("pe",), ("pefile",)),  # LIEF is native: not instrumentable
    Target("ooxml", "ooxml", ("ooxml",), ("zipfile", *_OFFICE)),
    Target("ole", "ole", ("ole", "msg"), _OFFICE),
    Target("pdf", "pdf", ("pdf",), ("pypdf",)),
    Target("tnef", "tnef", ("tnef",), ("tnefparse", "compressed_rtf")),
    Target("rtf", "rtf", ("rtf",), ("oletools", "olefile")),
    Target("7z", "7z", ("7z",), ("py7zr",)),
    Target("tar", "tar", ("tar",), ("tarfile",)),
    Target("iso", "iso", ("iso",), ("pycdlib",)),
    Target("diskimage", "disk", ("disk", "vhd", "vhdx")),  # 7-Zip runs as a subprocess: our side is Python
    Target("lnk", "lnk", ("lnk",), ("LnkParse3",)),
    Target("rar", "rar", ("rar",), ("rarfile",)),
    Target("cab", "cab", ("cab",), ("libarchive",)),
    Target("msix", "msix", ("msix",), ("zipfile", "asn1crypto")),
    Target("onenote", "onenote", ("onenote",)),
    Target("html", "html", ("html", "text")),  # smuggled payloads, encoded commands
    Target("engine", None, ()),
)}
