"""`office`: VBA macro behaviour (OLE items) and remote-template injection (OOXML items).

VBA: olevba's scanner (`VBA_Scanner`) classifies keywords; its findings are
grouped by what they let a macro do, because a report listing "Chr", "Open" and
"Lib" separately says nothing to the reader: auto-exec trigger (low: legitimate
templates use AutoOpen too), runs a command, downloads, obfuscation (medium each).
An auto-running macro that downloads and runs something scores malicious.  The
project is parsed once per OLE item (`extract.office.vba_project`, cached); read
errors are reported by the extractor, not twice here.

OOXML: Word fetches the template named by ``attachedTemplate`` (and external
OLE objects / frames) when the document opens, with no macro warning: a remote
http(s) or UNC target is how macro-less .docx lures pull a payload (T1221).
Local ``file:///C:/...`` templates are what Word writes itself and stay clean.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from typing import Any

from ..extract import xlm
from ..extract.office import vba_project
from ..extract.officecrypt import DEFAULT_PASSWORD, decrypt, may_be_encrypted
from ..extract.view import ViewReader
from ..filetypes import FileType
from ..models import Finding, Incomplete, Item, Severity
from .base import CheckContext

MAX_RELS = 500
MAX_RELS_SIZE = 1024 * 1024
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]{0,4000})>", re.IGNORECASE)
_ATTR = re.compile(rb"""\b(Type|Target|TargetMode)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_REMOTE = re.compile(r"^\s*(?:https?://|\\\\|//|file://(?!/|localhost/)|mhtml:|ms-\w+:)", re.IGNORECASE)
_COMMENT = re.compile(r"^\s*(?:'|rem\b)", re.IGNORECASE)
_LOLBIN = re.compile(
    r"\b(certutil(?:\.exe)?\s+[^\r\n\"]{0,40}-(?:decode|urlcache)|powershell|pwsh|mshta|rundll32|regsvr32|"
    r"bitsadmin|wscript|cscript|cmd(?:\.exe)?\s+/[ck])\b", re.IGNORECASE)

# (finding id, severity, score, message, olevba description fragments)
_GROUPS: list[tuple[str, Severity, int, str, tuple[str, ...]]] = [
    ("vba_runs_command", Severity.MEDIUM, 40, "VBA macro can run commands or programs",
     ("run an executable", "system command", "run powershell", "run an application", "shellcode",
      "inject code", "run code from a dll")),
    ("vba_downloads", Severity.MEDIUM, 40, "VBA macro can download files from the Internet",
     ("download files",)),
]


def _keywords(results: list[tuple[str, str, str]], kind: str) -> list[dict[str, str]]:
    return [{"keyword": str(k), "description": str(d)} for t, k, d in results if t == kind]


class OfficeCheck:
    name = "office"

    def __init__(self, ctx: CheckContext) -> None:
        self.settings = ctx.settings

    def applies(self, item: Item) -> bool:
        return item.filetype in (FileType.OLE, FileType.OOXML)

    def run(self, item: Item) -> Iterator[Finding | Incomplete]:
        if item.filetype == FileType.OLE:
            yield from self._opened(item)
            yield from self._vba(item)
            yield from self._xlm(item, xlm.from_biff(list(vba_project(item).xlm)))
        else:
            yield from self._relationships(item)
            yield from self._xlm(item, xlm.from_ooxml(item))

    # -- encryption --------------------------------------------------------
    def _opened(self, item: Item) -> Iterator[Finding]:
        """Which password opened an encrypted document (the extractor scans what it hides)."""
        project = vba_project(item)
        if not (project.encrypted or may_be_encrypted(project.streams)):
            return
        found = decrypt(item)
        if found.password is not None:
            default = found.password == DEFAULT_PASSWORD
            how = "Excel's default password (no prompt)" if default else "a password from the same e-mail"
            yield item.finding(self.name, "encrypted_document_opened", Severity.INFO, 0,
                               f"password-protected document opened with {how}: its contents are scanned",
                               {"password": found.password, "default_password": default,
                                "candidates_tried": found.tried})

    # -- VBA ---------------------------------------------------------------
    def _vba(self, item: Item) -> Iterator[Finding]:
        project = vba_project(item)
        if not project.modules:
            return
        from oletools.olevba import VBA_Scanner

        # comment lines never run: "run this from the Macros menu" must not read as a Run call
        code = "\n".join(line for m in project.modules for line in m.code.splitlines() if not _COMMENT.match(line))
        results = [(str(t), str(k), str(d)) for t, k, d in VBA_Scanner(code).scan(False, False)]
        modules = [m.name for m in project.modules]
        auto = _keywords(results, "AutoExec")
        if auto:
            yield item.finding(self.name, "vba_autoexec", Severity.LOW, 15,
                               "VBA macro runs automatically when the document is opened or closed",
                               {"keywords": auto, "modules": modules})
        suspicious = _keywords(results, "Suspicious")
        used: set[str] = set()
        for fid, severity, score, message, fragments in _GROUPS:
            hits = [k for k in suspicious if any(f in k["description"].lower() for f in fragments)]
            extra: list[str] = []
            if fid == "vba_runs_command":
                extra = sorted({m.group(1) for m in _LOLBIN.finditer(code)}, key=str.lower)[:10]
            if hits or extra:
                used.update(k["keyword"] for k in hits)
                evidence: dict[str, Any] = {"keywords": hits, "modules": modules}
                if extra:
                    evidence["command_lines"] = extra
                yield item.finding(self.name, fid, severity, score, message, evidence)
        obfuscation = [{"keyword": k[:80], "description": d} for t, k, d in results
                       if t in ("Hex String", "Base64 String", "Dridex String", "VBA string")]
        if obfuscation:
            yield item.finding(self.name, "vba_obfuscation", Severity.LOW, 15,
                               "VBA macro hides strings (hex, base64, Dridex or expression encoding)",
                               {"strings": obfuscation[:20], "modules": modules})
        rest = [k for k in suspicious if k["keyword"] not in used]
        if rest:
            yield item.finding(self.name, "vba_suspicious_keywords", Severity.INFO, 0,
                               "VBA macro uses other keywords olevba considers suspicious",
                               {"keywords": rest[:30], "modules": modules})

    # -- Excel 4.0 (XLM) macros --------------------------------------------
    def _xlm(self, item: Item, facts: xlm.XlmFacts) -> Iterator[Finding]:
        if not facts.sheets:
            return
        ev: dict[str, Any] = {"macro_sheets": facts.sheets, "auto_open": facts.auto_open,
                              "calls": list(facts.calls[:10]), "binary_sheets": facts.binary}
        dangerous = facts.dangerous
        if facts.auto_open and dangerous:
            yield item.finding(self.name, "xlm_auto_exec", Severity.HIGH, 75,
                               f"Excel 4.0 macro runs on open (Auto_Open) and calls {dangerous[0][:120]!r}", ev)
        elif facts.auto_open or facts.calls:  # a macro sheet of SELECT/FORMULA run by hand says nothing
            yield item.finding(self.name, "xlm_macro_sheet", Severity.LOW, 15,
                               f"workbook has {facts.sheets} Excel 4.0 (XLM) macro sheet(s)"
                               + (" that run on open" if facts.auto_open else ""), ev)

    # -- OOXML relationships -------------------------------------------------
    def _relationships(self, item: Item) -> Iterator[Finding]:
        try:
            archive = zipfile.ZipFile(ViewReader(item.data))
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            return  # the ZIP extractor reports the corruption
        with archive:
            rels = [i for i in archive.infolist() if i.filename.lower().endswith(".rels")][:MAX_RELS]
            for info in rels:
                if info.file_size > MAX_RELS_SIZE or info.flag_bits & 0x1:
                    continue
                try:
                    data = archive.read(info)
                except Exception:  # noqa: BLE001 - the ZIP extractor reports broken members
                    continue
                yield from self._external(item, info.filename, data)

    def _external(self, item: Item, part: str, data: bytes) -> Iterator[Finding]:
        for rel in _REL.finditer(data):
            attrs = {m.group(1).decode().lower(): (m.group(2) or m.group(3) or b"").decode("utf-8", "replace")
                     for m in _ATTR.finditer(rel.group(1))}
            target, kind = attrs.get("target", ""), attrs.get("type", "").rsplit("/", 1)[-1]
            if attrs.get("targetmode", "").lower() != "external" or not _REMOTE.match(target):
                continue
            evidence = {"part": part, "type": attrs.get("type", ""), "target": target}
            if kind == "attachedTemplate":
                yield item.finding(self.name, "remote_template", Severity.HIGH, 75,
                                   f"document loads its template from a remote location ({target[:200]})", evidence)
            elif kind in ("oleObject", "frame", "subDocument", "aFChunk"):
                yield item.finding(self.name, "remote_object", Severity.MEDIUM, 50,
                                   f"document loads an external {kind} from a remote location ({target[:200]})",
                                   evidence)
