"""Excel 4.0 (XLM) macros: auto-open macro sheets that EXEC/CALL/REGISTER are a finding."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import SAMPLES, finding_keys

from scanner.api import Scanner
from scanner.extract.xlm import from_biff
from scanner.models import ItemReport

sys.path.insert(0, str(SAMPLES))
from build_containers import xlm_workbook

ScannerFactory = Callable[..., Scanner]


@pytest.fixture
def scan(make_scanner: ScannerFactory, rules_dir: Path) -> Callable[..., ItemReport]:
    def run(data: bytes, name: str) -> ItemReport:
        return make_scanner(rules_dir).scan_bytes(data, name)
    return run


@pytest.mark.parametrize("formula", ['EXEC("calc.exe")', 'CALL("Kernel32","WinExec","JCJ","calc",0)',
                                     'REGISTER("Kernel32","VirtualAlloc","JJJJJ","VA",,1,9)'])
def test_auto_open_exec_call_register(scan: Callable[..., ItemReport], formula: str) -> None:
    report = scan(xlm_workbook([formula, "HALT()"], auto_open=True), "a.xlsm")
    found = next(f for f in report.findings if f.id == "xlm_auto_exec")
    assert found.evidence["auto_open"] and formula in found.evidence["calls"]


def test_not_on_open_is_low(scan: Callable[..., ItemReport]) -> None:
    report = scan(xlm_workbook(['EXEC("calc.exe")'], auto_open=False), "a.xlsm")
    assert "office:xlm_macro_sheet" in finding_keys(report) and "office:xlm_auto_exec" not in finding_keys(report)


def test_harmless_macro_sheet_is_quiet(scan: Callable[..., ItemReport]) -> None:
    assert not scan(xlm_workbook(['SELECT("R1C1")', "RETURN()"], auto_open=False), "a.xlsm").findings


def test_biff_lines_from_oletools() -> None:
    """olevba's plugin_biff output for a legacy .xls (BOUNDSHEET, LABEL and formula lines)."""
    lines = ["0085     14 BOUNDSHEET : Sheet Information - Excel 4.0 macro sheet, visible - Macro1",
             "0018     23 LABEL : Cell Value, String Constant - built-in-name 1 Auto_Open len=11 Macro1!R1C1",
             "Macro1,R1C1,\"EXEC(\"\"cmd /c calc\"\")\",", "Macro1,R2C1,HALT(),"]
    facts = from_biff(lines)
    assert facts.sheets == 1 and facts.auto_open and facts.dangerous
    assert not from_biff(["0085 BOUNDSHEET : Sheet Information - worksheet or dialog sheet, visible - S1"]).sheets


@pytest.mark.parametrize("damage", ["truncated", "bad_xml"])
def test_damaged_workbooks_never_crash(scan: Callable[..., ItemReport], damage: str) -> None:
    good = xlm_workbook(['EXEC("calc.exe")'], auto_open=True)
    data = good[: len(good) // 2] if damage == "truncated" else good.replace(b"</f>", b"<f>")
    report = scan(data, "a.xlsm")
    assert report.verdict.value != "clean" or report.findings
