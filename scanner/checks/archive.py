"""`archive`: facts about containers that are themselves lure tactics.

* An archive encrypted with a password sent in the same e-mail: the encryption
  exists only to blind gateways (`password_sent_alongside`); the extractor opens
  it with that password, so its contents are scanned too.
* An encrypted archive nothing opens (`encrypted_archive`, plus the extractor's
  `incomplete` entry: never clean).
* Member names that climb out of the extraction folder or absolute paths, and tar
  links pointing outside (`unsafe_member_name`).
* A shortcut that runs a script interpreter with arguments (`lnk_runs_interpreter`);
  its command line is also a text child for YARA (see extract/lnk.py).
"""

from __future__ import annotations

import re
import tarfile
import zipfile
from collections.abc import Iterator

from ..extract import libarch
from ..extract.lnk import Shortcut
from ..extract.lnk import parse as parse_lnk
from ..extract.unlock import (
    Unlock,
    rar_needs_password,
    rar_unlock,
    sevenzip_needs_password,
    sevenzip_unlock,
    zip_unlock,
)
from ..extract.view import ViewReader
from ..filetypes import FileType
from ..models import Finding, Incomplete, Item
from .base import CheckContext, severity_for_score

MAX_NAMES = 10
_UNSAFE = re.compile(r"(?:^|[/\\])\.\.(?:[/\\]|$)|^[/\\]|^[A-Za-z]:")
INTERPRETERS = frozenset({
    "powershell.exe", "pwsh.exe", "cmd.exe", "mshta.exe", "wscript.exe", "cscript.exe", "rundll32.exe",
    "regsvr32.exe", "msiexec.exe", "certutil.exe", "bitsadmin.exe", "curl.exe", "conhost.exe", "forfiles.exe",
    "powershell", "cmd", "mshta", "wscript", "cscript", "rundll32", "regsvr32",
})
_LIBARCHIVE = {FileType.RAR: "rar", FileType.CAB: "cab", FileType.LHA: "lha", FileType.XAR: "xar"}


class ArchiveCheck:
    name = "archive"

    def __init__(self, ctx: CheckContext) -> None:
        self.settings = ctx.settings

    def applies(self, item: Item) -> bool:
        return item.filetype in (FileType.ZIP, FileType.SEVENZIP, FileType.TAR, FileType.LNK, *_LIBARCHIVE)

    def run(self, item: Item) -> Iterator[Finding | Incomplete]:
        if item.filetype == FileType.ZIP:
            names, encrypted = self._zip_names(item)
            yield from self._unsafe(item, names)
            if encrypted:
                yield from self._encrypted(item, zip_unlock(item) if item.passwords else Unlock(True))
        elif item.filetype == FileType.SEVENZIP:
            if sevenzip_needs_password(item):
                yield from self._encrypted(item, sevenzip_unlock(item) if item.passwords else Unlock(True, method="7z"))
        elif item.filetype == FileType.TAR:
            yield from self._unsafe(item, self._tar_names(item))
        elif item.filetype in _LIBARCHIVE:
            entries = libarch.entries(item, _LIBARCHIVE[item.filetype], self.settings.max_children)
            yield from self._unsafe(item, [e.name for e in entries] +
                                    [f"{e.name} -> {e.link}" for e in entries if e.link and _UNSAFE.search(e.link)])
            if item.filetype == FileType.RAR and rar_needs_password(item):
                yield from self._encrypted(item, rar_unlock(item) if item.passwords else Unlock(True, method="rar"))
        else:
            shortcut = parse_lnk(item)
            if isinstance(shortcut, Shortcut):
                yield from self._lnk(item, shortcut)

    def _finding(self, item: Item, id: str, score: int, message: str, evidence: dict[str, object]) -> Finding:
        return item.finding(self.name, id, severity_for_score(score), score, message, evidence)

    def _zip_names(self, item: Item) -> tuple[list[str], bool]:
        try:
            with zipfile.ZipFile(ViewReader(item.data)) as archive:
                infos = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
            return [], False  # the extractor reports the broken archive
        return [i.filename for i in infos], any(i.flag_bits & 0x1 for i in infos)

    def _tar_names(self, item: Item) -> list[str]:
        names: list[str] = []
        try:
            with tarfile.open(fileobj=ViewReader(item.data), mode="r:") as archive:
                for n, info in enumerate(archive):
                    if n >= self.settings.max_children:
                        break
                    names.append(info.name)
                    if (info.issym() or info.islnk()) and _UNSAFE.search(info.linkname):
                        names.append(f"{info.name} -> {info.linkname}")
        except (tarfile.TarError, OSError, ValueError, EOFError, UnicodeError):
            pass  # the extractor reports a broken tar
        return names

    def _unsafe(self, item: Item, names: list[str]) -> Iterator[Finding]:
        bad = [n for n in names if _UNSAFE.search(n) or " -> " in n]  # links are listed only when unsafe
        if bad:
            yield self._finding(item, "unsafe_member_name", 30,  # "zip slip": no legitimate archive needs it
                                f"member name escapes the extraction folder: {bad[0]!r}",
                                {"names": bad[:MAX_NAMES], "count": len(bad)})

    def _encrypted(self, item: Item, found: Unlock) -> Iterator[Finding]:
        if found.password is not None:
            yield self._finding(
                item, "password_sent_alongside", 40,
                f"archive is encrypted ({found.method}) and opens with the password {found.password!r} sent in the "
                "same e-mail: encryption that only blinds mail filters is a lure tactic",
                {"password": found.password, "method": found.method, "candidates_tried": found.tried})
        else:
            where = f"; {found.tried} password candidates from the e-mail tried" if item.passwords else ""
            yield self._finding(item, "encrypted_archive", 20,
                                f"encrypted archive: its contents could not be scanned{where}",
                                {"method": found.method, "candidates_tried": found.tried,
                                 "from_email": item.from_email})

    def _lnk(self, item: Item, shortcut: Shortcut) -> Iterator[Finding]:
        program = re.split(r"[\\/]", shortcut.target)[-1].lower()
        if program in INTERPRETERS and shortcut.arguments.strip():
            yield self._finding(item, "lnk_runs_interpreter", 40,
                                f"shortcut runs {program} with arguments: {shortcut.command[:200]}",
                                {"target": shortcut.target, "arguments": shortcut.arguments[:2000],
                                 "working_dir": shortcut.working_dir, "icon": shortcut.icon,
                                 "description": shortcut.description})
