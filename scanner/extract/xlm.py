"""Excel 4.0 (XLM) macros: macro sheets, what their formulas call, and whether they run on open.

XLM macros live in macro sheets, not in a VBA project, so VBA analysis never sees them; lures
used them (with an `Auto_Open` name) to run `EXEC("cmd ...")`, `CALL("urlmon", ...)` or
`REGISTER(...)`-ed Win32 functions.  Legacy .xls: oletools' XLM support (olevba's
`detect_xlm_macros`, oledump's plugin_biff) lists the macro sheets, names and formulas.  OOXML
.xlsm/.xlsx: plugin_biff reads only BIFF and XLMMacroDeobfuscator (which olevba would use) pulls
a dozen more packages and wants a file on disk, so the macro sheets' `<f>` formulas and the
workbook's `_xlnm.Auto_Open` name are read here from the XML (bounded sizes); an .xlsb's binary
macro sheets are reported present, their formulas not read.
"""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass

from ..models import Item
from .view import ViewReader

MAX_PART = 8 * 1024 * 1024
CALLS = re.compile(r"\b(EXEC|CALL|REGISTER|RUN|FOPEN|FWRITE|URLDownloadToFileA?|ShellExecuteA?)\s*\(", re.IGNORECASE)
_DANGEROUS = frozenset({"EXEC", "CALL", "REGISTER"})
_AUTO = re.compile(r"auto_open|auto_activate|auto_close", re.IGNORECASE)
_FORMULA = re.compile(rb"<(?:\w+:)?f(?:\s[^>]*)?>(.*?)</(?:\w+:)?f>", re.DOTALL)
_NAME = re.compile(rb"<(?:\w+:)?definedName\b[^>]*\bname=\"([^\"]+)\"", re.IGNORECASE)


@dataclass(frozen=True)
class XlmFacts:
    sheets: int = 0                   # macro sheets
    auto_open: bool = False           # an Auto_Open / Auto_Activate name
    calls: tuple[str, ...] = ()       # formulas that call EXEC/CALL/REGISTER/... (first ones)
    binary: bool = False              # .xlsb macro sheets: formulas not read

    @property
    def dangerous(self) -> list[str]:
        return [f for f in self.calls if {m.upper() for m in CALLS.findall(f)} & _DANGEROUS]


def _calls(formulas: list[str]) -> tuple[str, ...]:
    return tuple(f[:300] for f in formulas if CALLS.search(f))[:20]


def from_ooxml(item: Item) -> XlmFacts:
    try:
        archive = zipfile.ZipFile(ViewReader(item.data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return XlmFacts()
    with archive:
        infos = archive.infolist()
        sheets = [i for i in infos if i.filename.lower().startswith("xl/macrosheets/") and not i.is_dir()]
        if not sheets:
            return XlmFacts()
        formulas: list[str] = []
        for info in sheets:
            if info.filename.lower().endswith(".xml") and info.file_size <= MAX_PART:
                try:
                    part = archive.read(info)
                    formulas += [html.unescape(m.decode("utf-8", "replace")) for m in _FORMULA.findall(part)]
                except Exception:  # noqa: BLE001 - a broken part is the ZIP extractor's to report
                    continue
        names: list[bytes] = []
        for info in infos:
            if info.filename.lower() == "xl/workbook.xml" and info.file_size <= MAX_PART:
                try:
                    names = _NAME.findall(archive.read(info))
                except Exception:  # noqa: BLE001
                    names = []
        auto = any(_AUTO.search(n.decode("utf-8", "replace")) for n in names)
        binary = any(i.filename.lower().endswith(".bin") for i in sheets)
        return XlmFacts(len(sheets), auto, _calls(formulas), binary)


def from_biff(lines: list[str]) -> XlmFacts:
    """Facts from olevba's plugin_biff output (BOUNDSHEET, LABEL and formula CSV lines)."""
    sheets = sum(1 for line in lines if "Excel 4.0 macro sheet" in line)
    if not sheets:
        return XlmFacts()
    auto = any("LABEL" in line.upper() and _AUTO.search(line) for line in lines)
    return XlmFacts(sheets, auto, _calls([line for line in lines if "LABEL" not in line.upper()]))
