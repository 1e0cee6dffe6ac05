"""VBA macros of OLE files (.doc, .xls, .ppt and the vbaProject.bin inside .docm/.xlsm/.pptm).

OOXML documents are ZIPs and go through `extract.zip`, which already yields
``word/vbaProject.bin`` as an OLE child; this extractor turns every OLE item's
VBA modules into text children (``doc.docm > word/vbaProject.bin > Module1.bas``)
so YARA rules and the domain checks see the macro source.

Dependency: oletools (olevba), the reference parser for VBA projects (MS-OVBA
decompression, dir stream, module offsets, orphaned streams), maintained and used
by most mail-filter stacks.  It is imported lazily: its import costs ~0.2 s, which
scans without Office files (PE corpora, mail without attachments) must not pay.
The analysis of the OLE item is cached by sha256 so the `office` check and this
extractor parse it once.
"""

from __future__ import annotations

import io
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from ..filetypes import BytesLike
from ..models import Incomplete, Item
from ..timeouts import CheckTimeout
from . import officecrypt
from .base import Budget, Child, LimitExceeded
from .olesize import oversized_entry

MAX_SOURCE = 4 * 1024 * 1024  # total VBA source kept per OLE file
_CACHE_SIZE = 8


@dataclass(frozen=True)
class Module:
    name: str  # e.g. "Module1.bas"
    stream: str  # e.g. "VBA/Module1"
    code: str


@dataclass(frozen=True)
class VbaProject:
    """What olevba found in one OLE file; `error` set when it could not be read."""

    modules: tuple[Module, ...] = ()
    has_vba: bool = False
    encrypted: bool = False
    error: str = ""
    truncated: bool = False
    streams: tuple[str, ...] = ()
    xlm: tuple[str, ...] = ()  # oletools' plugin_biff lines when the workbook has Excel 4.0 macro sheets


_cache: OrderedDict[str, VbaProject] = OrderedDict()
_lock = threading.Lock()


def _has_code(code: str) -> bool:
    return any(line.strip() and not line.lstrip().lower().startswith("attribute ") for line in code.splitlines())


def _parse(data: BytesLike, name: str) -> VbaProject:
    import olefile
    with warnings.catch_warnings():  # pyparsing >= 3.3 deprecation noise from olevba's grammar
        warnings.simplefilter("ignore")
        from oletools.olevba import VBA_Parser

    raw = bytes(data)
    try:
        ole = olefile.OleFileIO(raw)
        streams = tuple("/".join(p) for p in ole.listdir(streams=True, storages=False))
        # olevba reads every directory entry, listed or orphaned (olesize.py)
        oversized = oversized_entry(ole, len(raw))
        ole.close()
        damage = _damage(raw) if ole.parsing_issues else ""
    except CheckTimeout:
        raise
    except Exception as exc:  # noqa: BLE001 - olefile raises many types on hostile input
        return VbaProject(error=f"unreadable OLE file ({type(exc).__name__}: {exc})")
    if oversized is not None:
        return VbaProject(error=f"damaged OLE structure: entry {oversized[:40]!r} larger than the file",
                          streams=streams)
    if any(s.lower() in ("encryptedpackage", "encryptioninfo") for s in streams):
        return VbaProject(encrypted=True, streams=streams)
    try:
        parser = VBA_Parser(name, data=raw)
        try:
            has_vba = bool(parser.detect_vba_macros())
            found = parser.extract_all_macros() if has_vba else []
            xlm = tuple(str(line) for line in parser.xlm_macros or []) \
                if any(s.lower() in ("workbook", "book") for s in streams) and parser.detect_xlm_macros() else ()
        finally:
            parser.close()
    except CheckTimeout:
        raise
    except Exception as exc:  # noqa: BLE001 - oletools raises many types on hostile input
        return VbaProject(error=f"VBA project unreadable ({type(exc).__name__}: {exc})", streams=streams)
    modules: list[Module] = []
    total, truncated = 0, False
    for _, stream, vba_name, code in found:
        if not isinstance(code, str) or not _has_code(code):
            continue
        if total + len(code) > MAX_SOURCE:
            truncated = True
            break
        total += len(code)
        modules.append(Module(str(vba_name or stream), str(stream), code))
    error = "VBA project found but no module could be decompressed" if has_vba and not found else damage
    return VbaProject(tuple(modules), has_vba, error=error, truncated=truncated, streams=streams, xlm=xlm)


def _damage(raw: bytes) -> str:
    """Why the OLE structure is wrong, or "" for harmless oddities.  olefile skips broken
    directory entries and sectors (`parsing_issues`), so the streams, macros included, may be
    partly missing; only its `DEFECT_INCORRECT` level and above means that."""
    import olefile
    try:
        olefile.OleFileIO(raw, raise_defects=olefile.DEFECT_INCORRECT).close()
    except CheckTimeout:
        raise
    except Exception as exc:  # noqa: BLE001 - olefile raises many types on hostile input
        return f"damaged OLE structure, streams may be missing ({type(exc).__name__}: {exc})"
    return ""


def vba_project(item: Item) -> VbaProject:
    """The VBA project of an OLE item (cached: the check and the extractor share it)."""
    with _lock:
        hit = _cache.get(item.sha256)
        if hit is not None:
            _cache.move_to_end(item.sha256)
            return hit
    project = _parse(item.data, item.name)
    with _lock:
        _cache[item.sha256] = project
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return project


def _unique(name: str, seen: set[str]) -> str:
    base, n = name, 1
    while name in seen:
        n += 1
        name = f"{base}.{n}"
    seen.add(name)
    return name


def decrypted_name(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.decrypted.{ext}" if dot and stem else f"{name}.decrypted"


def _decrypted(item: Item, budget: Budget, project: VbaProject) -> Iterator[Child | Incomplete]:
    """The decrypted document as a child (officecrypt.py), or `encrypted` when no password opens it."""
    found = officecrypt.decrypt(item)
    if not found.encrypted:
        if project.encrypted:  # encryption streams msoffcrypto cannot read: still never passed unopened
            why = f" ({found.error})" if found.error else ""
            yield item.incomplete("encrypted", f"password-protected Office document: contents not scanned{why}",
                                  "office")
        return
    if found.password is None:
        where = f"; Excel's default and {found.tried - 1} password(s) from the e-mail tried" if item.passwords \
            else "; Excel's default password tried"
        if found.capped:
            where = f"; {found.capped}"
        yield item.incomplete("encrypted", f"password-protected Office document: contents not scanned{where}",
                              "office")
        return
    name = decrypted_name(item.name.split("/")[-1])
    stop = budget.take(name, len(found.data))
    if stop is not None:
        yield item.incomplete(stop.reason, stop.message, "office")
        return
    yield Child(name, found.data)


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    project = vba_project(item)
    if project.encrypted or officecrypt.may_be_encrypted(project.streams):
        yield from _decrypted(item, budget, project)
    if project.encrypted:
        return
    if project.error:
        yield item.incomplete("corrupt", project.error, "office")
    if project.truncated:
        yield item.incomplete("max_file_size", f"VBA source beyond {MAX_SOURCE} bytes not scanned", "office")
    seen: set[str] = set()
    for count, module in enumerate(project.modules):
        if count >= budget.settings.max_children:
            yield item.incomplete("max_children", f"more than {count} VBA modules (max_children)", "office")
            return
        data = module.code.encode("utf-8", "surrogateescape")
        try:
            budget.check_declared(module.name, len(data))
            payload = budget.read_capped(module.name, io.BytesIO(data).read)
        except LimitExceeded as exc:
            yield item.incomplete(exc.reason, exc.message, "office")
            continue
        yield Child(_unique(module.name, seen), payload)
