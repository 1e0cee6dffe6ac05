"""Container extractors, one module each, registered here by file type.

Adding a container: write `extract/<name>.py` with ``extract(item, budget)`` and
add one line to `EXTRACTORS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..filetypes import FileType
from ..models import Incomplete, Item
from . import (
    cab,
    compressed,
    decoded,
    diskimage,
    email,
    gzip,
    iso,
    lnk,
    mbox,
    office,
    onenote,
    pdf,
    rar,
    rtf,
    script,
    sevenzip,
    smuggling,
    tar,
    tnef,
    zip,
)
from .base import Budget, Child, Extractor, LimitExceeded

# Containers whose children came "from an email" (the `from_email` rule variable).
MAIL_TYPES = frozenset({FileType.EMAIL, FileType.MBOX, FileType.MSG})


def _text(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    """Text and pages: encoded PowerShell payloads (script.py), then smuggled files (smuggling.py).
    Text that needs decoding (NULs, control bytes, UTF-16) gets its decoded child instead, and
    that child is searched for both (decoded.py)."""
    if decoded.wants(item, budget.settings.max_text_size):
        yield from decoded.extract(item, budget)
        return
    if script.wants(item):
        yield from script.extract(item, budget)
    if smuggling.wants(item):
        yield from smuggling.extract(item, budget)


def _text_probe(item: Item) -> bool:
    return script.wants(item) or smuggling.wants(item) or decoded.wants(item)


EXTRACTORS: dict[FileType, Extractor] = {
    FileType.ZIP: zip.extract,
    FileType.OOXML: zip.extract,
    FileType.GZIP: gzip.extract,
    FileType.OLE: office.extract,
    FileType.PDF: pdf.extract,
    FileType.RTF: rtf.extract,
    FileType.TEXT: _text,
    FileType.HTML: _text,
    FileType.EMAIL: email.extract,
    FileType.MBOX: mbox.extract,
    FileType.MSG: email.extract_msg,
    FileType.SEVENZIP: sevenzip.extract,
    FileType.TAR: tar.extract,
    FileType.BZIP2: compressed.extract_bz2,
    FileType.XZ: compressed.extract_xz,
    FileType.ISO: iso.extract,
    FileType.LNK: lnk.extract,
    FileType.RAR: rar.extract,
    FileType.CAB: cab.extract,  # .cab and .msu (CABs inside a CAB)
    FileType.LHA: cab.extract_lha,
    FileType.XAR: cab.extract_xar,
    FileType.MSIX: zip.extract,
    FileType.ONENOTE: onenote.extract,
    FileType.VHD: diskimage.extract,  # VHD, VHDX, raw disks: 7-Zip (`7zz`) in a subprocess
    FileType.VHDX: diskimage.extract,
    FileType.DISK: diskimage.extract,
    FileType.TNEF: tnef.extract,  # from a mail, its children keep `from_email` (inherited from winmail.dat)
}



# Types whose extractor only decodes (no container): a cheap probe decides whether it runs at all,
# so plain text neither pays for it nor reports `max_depth`, and its children are not "in_archive".
PROBES: dict[FileType, Callable[[Item], bool]] = {FileType.TEXT: _text_probe, FileType.HTML: _text_probe}


def extractor_for(item: Item) -> Extractor | None:
    probe = PROBES.get(item.filetype)
    return EXTRACTORS.get(item.filetype) if probe is None or probe(item) else None


__all__ = ["EXTRACTORS", "MAIL_TYPES", "PROBES", "Budget", "Child", "Extractor", "LimitExceeded", "extractor_for"]
