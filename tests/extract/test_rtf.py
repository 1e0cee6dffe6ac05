"""RTF documents: embedded OLE objects (`\\objdata`) as child items, broken and hostile objects."""

from __future__ import annotations

import struct
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MARKER, SAMPLES, reasons

from scanner.api import Scanner
from scanner.config import Settings
from scanner.models import ItemReport, Verdict
from scanner.timeouts import CheckTimeout

sys.path.insert(0, str(SAMPLES))
from build_docs import ole1_object, ole1_package, rtf_doc

ScannerFactory = Callable[..., Scanner]


def objects_rtf(*objdata: bytes) -> bytes:
    """An RTF holding each object in its own `{\\object{\\*\\objdata HEX}}` group."""
    groups = "".join(f"{{\\object\\objemb{{\\*\\objdata {o.hex()}}}}}" for o in objdata)
    return ("{\\rtf1\\ansi Please open the objects below.\\par " + groups + "}").encode()


@pytest.fixture
def scan(make_scanner: ScannerFactory, rules_dir: Path) -> Callable[..., ItemReport]:
    def run(data: bytes, **settings: object) -> ItemReport:
        return make_scanner(rules_dir, **settings).scan_bytes(data, "doc.rtf")
    return run


@pytest.fixture(scope="module")
def bundled() -> Scanner:
    return Scanner(Settings().replace(result_cache=False, jobs=1))


def marker_at(report: ItemReport) -> set[tuple[str, ...]]:
    return {f.location for f in report.findings if f.id == "TEST_Marker"}


# --- the samples, with the bundled rules -----------------------------------------------------

def test_lure_package_is_extracted_and_matched(bundled: Scanner) -> None:
    report = bundled.scan_file(str(SAMPLES / "lures" / "docs" / "falcon_remediation.rtf"))
    assert report.verdict is Verdict.MALICIOUS and not report.incomplete
    fix = next(f for f in report.findings if f.id == "SCAM_CS_FixScript_Delete_And_Download")
    assert fix.location == ("falcon_remediation.rtf", "Falcon_Hotfix.bat")
    assert next(i for i in report.items if i.location == ("falcon_remediation.rtf",)).type == "rtf"


def test_clean_sample_is_opened_and_clean(bundled: Scanner) -> None:
    report = bundled.scan_file(str(SAMPLES / "clean" / "docs" / "meeting_notes.rtf"))
    assert report.verdict is Verdict.CLEAN and not report.findings and not report.incomplete
    agenda = next(i for i in report.items if i.location[-1] == "agenda.txt")
    assert agenda.location == ("meeting_notes.rtf", "agenda.txt") and agenda.type == "text"


# --- object kinds and names ------------------------------------------------------------------

def test_package_payload_is_the_child(scan: Callable[..., ItemReport]) -> None:
    report = scan(rtf_doc(["Run the fix."], ole1_package("fix.bat", b"echo " + MARKER), "fix.bat"))
    assert marker_at(report) == {("doc.rtf", "fix.bat")}  # hex in the RTF: only the child matches
    assert report.verdict is Verdict.MALICIOUS and not report.incomplete


def test_linked_object_keeps_its_header(scan: Callable[..., ItemReport]) -> None:
    topic = b"http://192.0.2.5/" + MARKER + b"\0"
    linked = struct.pack("<III", 0x501, 1, 6) + b"Excel\0" + struct.pack("<I", len(topic)) + topic + bytes(4)
    report = scan(objects_rtf(linked))  # format 1 (linked): no data, the target is in the header
    assert marker_at(report) == {("doc.rtf", "object-1.bin")} and not report.incomplete  # whole, not corrupt


def test_other_ole_objects_and_raw_blobs(scan: Callable[..., ItemReport]) -> None:
    report = scan(objects_rtf(ole1_object("Word.Document.8", MARKER), b"raw " + MARKER))
    assert marker_at(report) == {("doc.rtf", "object-1.Word.Document.8"), ("doc.rtf", "object-2.bin")}
    assert not report.incomplete


@pytest.mark.parametrize("label,shown", [
    ("notes\r\nCLEAN x.txt.exe", "notes\ufffd\ufffdCLEAN x.txt.exe"),  # CR/LF cannot start a report line
    ("..\\..\\Startup\\run.bat", "run.bat"),                          # a path: its last part only
    ("C:/Users/Public/run.bat", "run.bat"),
])
def test_names_cannot_forge_report_lines(scan: Callable[..., ItemReport], label: str, shown: str) -> None:
    report = scan(objects_rtf(ole1_package(label, MARKER)))
    assert marker_at(report) == {("doc.rtf", shown)}


def test_same_names_stay_apart(scan: Callable[..., ItemReport]) -> None:
    report = scan(objects_rtf(ole1_package("a.txt", b"one"), ole1_package("a.txt", MARKER)))
    assert marker_at(report) == {("doc.rtf", "object-2-a.txt")}


def test_max_children(scan: Callable[..., ItemReport]) -> None:
    report = scan(objects_rtf(*(ole1_package(f"f{n}.txt", b"x") for n in range(3)), ole1_package("m.txt", MARKER)),
                  max_children=2)
    assert {i.location for i in report.items} == {("doc.rtf",), ("doc.rtf", "f0.txt"), ("doc.rtf", "f1.txt")}
    assert "max_children" in reasons(report) and report.verdict is Verdict.INCOMPLETE


def test_total_size_is_charged(scan: Callable[..., ItemReport]) -> None:
    report = scan(objects_rtf(ole1_package("big.bin", bytes(5000)), ole1_package("m.txt", MARKER)),
                  max_total_size=4000)
    assert "max_total_size" in reasons(report) and marker_at(report) == {("doc.rtf", "m.txt")}


# --- broken objects: reported, never a silent clean --------------------------------------------

def test_truncated_objdata_is_corrupt_and_still_scanned(scan: Callable[..., ItemReport]) -> None:
    whole = ole1_package("fix.bat", MARKER + bytes(64))
    report = scan(objects_rtf(whole[: len(whole) - 40]))
    assert "corrupt" in reasons(report) and "check_error" not in reasons(report)
    assert marker_at(report) == {("doc.rtf", "object-1.bin")}  # the raw object is scanned anyway


def test_garbled_package_is_corrupt(scan: Callable[..., ItemReport]) -> None:
    report = scan(objects_rtf(ole1_object("Package", b"\x02\x00" + b"A" * 2000)))  # label never ends
    assert "corrupt" in reasons(report) and "check_error" not in reasons(report)
    assert report.verdict is Verdict.INCOMPLETE
    assert ("doc.rtf", "object-1.Package") in {i.location for i in report.items}


@pytest.mark.parametrize("junk", [b"zz\\'4g\\bin5 {{{", b"\\objdata " * 50, bytes(range(256))])
def test_garbled_rtf_never_fails_the_scan(scan: Callable[..., ItemReport], junk: bytes) -> None:
    data = objects_rtf(ole1_package("a.txt", b"x")).replace(b"\\objdata ", b"\\objdata " + junk, 1)
    report = scan(data)
    assert "check_error" not in reasons(report) and report.items


def test_parser_errors_keep_what_was_found(scan: Callable[..., ItemReport], monkeypatch: pytest.MonkeyPatch) -> None:
    from oletools import rtfobj

    def fail(self: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(rtfobj.RtfObjParser, "_end_of_file", fail)  # after every object was read
    report = scan(objects_rtf(ole1_package("fix.bat", MARKER)))
    assert "corrupt" in reasons(report) and "check_error" not in reasons(report)
    assert marker_at(report) == {("doc.rtf", "fix.bat")}


def test_timeout_is_not_swallowed(scan: Callable[..., ItemReport], monkeypatch: pytest.MonkeyPatch) -> None:
    from oletools import rtfobj

    def slow(self: object) -> None:
        raise CheckTimeout()

    monkeypatch.setattr(rtfobj.RtfObjParser, "parse", slow)
    report = scan(objects_rtf(ole1_package("fix.bat", MARKER)))
    assert "timeout" in reasons(report) and "corrupt" not in reasons(report)
    assert report.verdict is Verdict.INCOMPLETE


def test_timeout_swallowed_by_rtfobj_is_raised_again(scan: Callable[..., ItemReport],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """rtfobj's bare `except` around the OLE1 header swallows our deadline: a parse that took
    longer than the timeout is reported as a timeout, not as a clean or corrupt object."""
    from types import SimpleNamespace

    from scanner.extract import rtf

    clock = iter([0.0, 100.0])
    monkeypatch.setattr(rtf, "time", SimpleNamespace(monotonic=lambda: next(clock)))
    report = scan(objects_rtf(ole1_package("fix.bat", MARKER)), timeout=5)
    assert "timeout" in reasons(report) and report.verdict is Verdict.INCOMPLETE
