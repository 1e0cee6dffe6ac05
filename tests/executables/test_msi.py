"""MSI summary information on real packages built by wixl (samples/build_msi.py), and bad MSIs."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import olefile
import pytest
from helpers import REPO_ROOT

from scanner.api import Scanner
from scanner.config import Settings
from scanner.executables import msi
from scanner.models import Verdict

LURE = REPO_ROOT / "samples/lures/pe/CrowdStrike_Falcon_Sensor_Update.msi"
BENIGN = REPO_ROOT / "samples/clean/pe/Northwind_Notepad_Setup.msi"
# What samples/build_msi.py put in the .wxs (Manufacturer, Description, Comments); wixl sets the Title.
EXPECTED = {
    LURE: {"author": "CrowdStrike, Inc.", "subject": "CrowdStrike Falcon Sensor Update",
           "title": "Installation Database", "comments": "Falcon Sensor Hotfix for the 2024-07-19 BSOD"},
    BENIGN: {"author": "Northwind Traders Ltd", "subject": "Northwind Traders Notepad",
             "title": "Installation Database", "comments": "A small text editor"},
}
SUMMARY = "\x05SummaryInformation"


@pytest.fixture(scope="module")
def scanner(tmp_path_factory: pytest.TempPathFactory) -> Scanner:
    return Scanner(Settings(cache_dir=str(tmp_path_factory.mktemp("c")), result_cache=False, jobs=1))


def msiinfo_suminfo(path: Path) -> dict[str, str]:
    """msitools' own reading of the summary information (Title/Subject/Author/Comments)."""
    out = subprocess.run(["msiinfo", "suminfo", str(path)], check=True, capture_output=True, text=True).stdout
    keys = {"Title": "title", "Subject": "subject", "Author": "author", "Comments": "comments"}
    pairs = (line.split(": ", 1) for line in out.splitlines() if ": " in line)
    return {keys[k]: v.strip() for k, v in pairs if k in keys}


@pytest.mark.parametrize("path", [LURE, BENIGN], ids=["crowdstrike", "northwind"])
def test_summary_information_of_real_msi(path: Path) -> None:
    found = msi.summary(path.read_bytes())
    assert found is not None
    kind, fields = found
    assert kind == "MSI"
    expected = msiinfo_suminfo(path) if shutil.which("msiinfo") else EXPECTED[path]
    assert expected == EXPECTED[path]  # the committed package holds what the build script wrote
    assert {k: fields.get(k) for k in expected} == expected


def test_crowdstrike_msi_unsigned_is_flagged(scanner: Scanner) -> None:
    report = scanner.scan_file(str(LURE))
    assert report.verdict in (Verdict.SUSPICIOUS, Verdict.MALICIOUS)
    finding = next(f for f in report.findings if f.check == "brand")
    assert finding.id == "unsigned_brand_claim"
    assert finding.evidence["msi"] == "MSI"
    assert {"brand": "crowdstrike", "claim": "company", "source": "msi:author",
            "text": "CrowdStrike, Inc."} in finding.evidence["claims"]


def test_benign_msi_is_clean(scanner: Scanner) -> None:
    report = scanner.scan_file(str(BENIGN))
    assert report.verdict == Verdict.CLEAN
    assert not report.findings and not report.incomplete


@pytest.mark.parametrize("keep", [512, 4000, 9000], ids=["header", "half", "tail-missing"])
def test_truncated_msi_is_incomplete(scanner: Scanner, tmp_path: Path, keep: int) -> None:
    cut = tmp_path / "FalconUpdate.msi"
    cut.write_bytes(LURE.read_bytes()[:keep])
    with pytest.raises(msi.MsiError):
        msi.summary(cut.read_bytes())
    report = scanner.scan_file(str(cut))
    assert report.verdict != Verdict.CLEAN
    assert "corrupt" in {i.reason for i in report.incomplete}


def _with_summary(tmp_path: Path, patch: dict[int, bytes]) -> Path:
    """A copy of the lure whose summary stream has bytes overwritten (same size, olefile)."""
    copy = tmp_path / "FalconUpdate.msi"
    shutil.copyfile(LURE, copy)
    with olefile.OleFileIO(str(copy), write_mode=True) as ole:
        data = bytearray(ole.openstream(SUMMARY).read())
        for pos, value in patch.items():
            data[pos:pos + len(value)] = value
        ole.write_stream(SUMMARY, bytes(data))
    return copy


def test_summary_section_offset_out_of_range_is_incomplete(scanner: Scanner, tmp_path: Path) -> None:
    bad = _with_summary(tmp_path, {44: struct.pack("<I", 0x7FFFFFF0)})
    with pytest.raises(msi.MsiError):
        msi.summary(bad.read_bytes())
    report = scanner.scan_file(str(bad))
    assert report.verdict != Verdict.CLEAN
    assert "corrupt" in {i.reason for i in report.incomplete}


def test_huge_vector_property_does_not_hang(tmp_path: Path) -> None:
    """A property retyped as a vector of 2**32-1 empties (olefile's get_metadata loops over it)."""
    data = LURE.read_bytes()
    with olefile.OleFileIO(str(LURE)) as ole:
        stream = ole.openstream(SUMMARY).read()
    (section,) = struct.unpack_from("<I", stream, 44)
    pids = {struct.unpack_from("<I", stream, section + 8 + 8 * i)[0]: struct.unpack_from(
        "<I", stream, section + 12 + 8 * i)[0] for i in range(struct.unpack_from("<I", stream, section + 4)[0])}
    pos = section + pids[5]  # Keywords
    bad = _with_summary(tmp_path, {pos: struct.pack("<II", 0x1000, 0xFFFFFFFF)})
    assert bad.read_bytes() != data
    found = msi.summary(bad.read_bytes())
    assert found is not None
    assert found[1]["author"] == "CrowdStrike, Inc." and "keywords" not in found[1]
