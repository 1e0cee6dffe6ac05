from __future__ import annotations

import gzip
import mmap
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import make_zip, minimal_pe

from scanner.api import Scanner
from scanner.filetypes import FileType, identify

OOXML = make_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})

CASES: list[tuple[str, bytes, str, FileType]] = [
    ("empty", b"", "empty.bin", FileType.EMPTY),
    ("zip named txt", make_zip({"a.txt": b"hello"}), "notes.txt", FileType.ZIP),
    ("empty zip", make_zip({}), "x.bin", FileType.ZIP),
    ("ooxml named zip", OOXML, "doc.zip", FileType.OOXML),
    ("pe named pdf", minimal_pe(), "invoice.pdf", FileType.PE),
    ("MZ without PE", b"MZ" + b"this is not a PE header at all" * 4, "Setup.exe", FileType.DATA),
    ("gzip named exe", gzip.compress(b"hi"), "update.exe", FileType.GZIP),
    ("pdf named txt", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "a.txt", FileType.PDF),
    ("elf", b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "a.exe", FileType.ELF),
    ("ole", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a.txt", FileType.OLE),
    ("rtf", b"{\\rtf1\\ansi hello}", "a.doc", FileType.RTF),
    ("html named jpg", b"<!DOCTYPE html><html><body>x</body></html>", "cat.jpg", FileType.HTML),
    ("email", b"From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nbody", "msg.txt", FileType.EMAIL),
    ("text named exe", b"just some words\n", "Setup.exe", FileType.TEXT),
    ("utf16 text", "hola mundo".encode("utf-16"), "a.bin", FileType.TEXT),
    ("binary", bytes(range(256)) * 4, "a.txt", FileType.DATA),
    # TNEF (winmail.dat): signature 0x223E9F78 little-endian, then a key and attributes.
    ("tnef named txt", b"\x78\x9f\x3e\x22\x17\x5a\x01\x06\x90\x08\x00" + bytes(8), "winmail.txt", FileType.TNEF),
    ("tnef signature big-endian", b"\x22\x3e\x9f\x78\x17\x5a" + bytes(30), "winmail.dat", FileType.DATA),
]


@pytest.mark.parametrize(("data", "name", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_identify_from_bytes_not_name(data: bytes, name: str, expected: FileType) -> None:
    assert identify(data, name) is expected


def test_name_is_irrelevant() -> None:
    data = make_zip({"a": b"b"})
    assert {identify(data, n) for n in ("a.zip", "a.txt", "a.exe", "", "a.pdf")} == {FileType.ZIP}


def test_identify_accepts_memoryview_and_mmap(tmp_path: Path) -> None:
    data = minimal_pe(b"payload")
    assert identify(memoryview(data)) is FileType.PE
    assert identify(bytearray(data)) is FileType.PE
    p = tmp_path / "a.bin"
    p.write_bytes(data)
    with p.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        assert identify(mm) is FileType.PE


def test_loki_filetype_names() -> None:
    assert FileType.PE.loki == "EXE"
    assert FileType.ZIP.loki == "ZIP"
    assert FileType.PDF.loki == "PDF"
    assert FileType.TNEF.loki == "TNEF"
    assert FileType.EMAIL.is_text and FileType.HTML.is_text and not FileType.ZIP.is_text


@pytest.mark.parametrize(("fname", "data", "expected"), [
    ("archive.txt", make_zip({"inner.txt": b"hello"}), "zip"),
    ("report.pdf", minimal_pe(), "pe"),
    ("empty.bin", b"", "empty"),
])
def test_scan_reports_detected_type(tmp_path: Path, rules_dir: Path, make_scanner: Callable[..., Scanner],
                                    fname: str, data: bytes, expected: str) -> None:
    p = tmp_path / fname
    p.write_bytes(data)
    report = make_scanner(rules_dir).scan_file(str(p))
    assert report.type == expected
    if expected == "zip":
        # Opened as an archive although named .txt: its member was scanned.
        assert [s.location for s in report.items] == [(fname,), (fname, "inner.txt")]
