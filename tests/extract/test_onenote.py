"""OneNote sections: embedded files (FileDataStoreObject blocks) become children, bounded and checked."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MARKER, SAMPLES, reasons

from scanner.api import Scanner
from scanner.models import ItemReport, Verdict

sys.path.insert(0, str(SAMPLES))
from build_containers import onenote

from .test_archives import marker_location

ScannerFactory = Callable[..., Scanner]


@pytest.fixture
def scan(make_scanner: ScannerFactory, rules_dir: Path) -> Callable[..., ItemReport]:
    def run(data: bytes, name: str, **settings: object) -> ItemReport:
        return make_scanner(rules_dir, **settings).scan_bytes(data, name)
    return run


def test_embedded_files_are_children(scan: Callable[..., ItemReport]) -> None:
    report = scan(onenote([b"\x89PNG\r\n\x1a\n" + bytes(40), b"@echo off\r\n" + MARKER]), "notes.one")
    assert report.type == "onenote"
    assert marker_location(report) == ("notes.one", "embedded-2.txt")
    assert [i.location[-1] for i in report.items[1:]] == ["embedded-1.bin", "embedded-2.txt"]


def test_limits_hold(scan: Callable[..., ItemReport]) -> None:
    many = onenote([b"x" * 10] * 6)
    assert "max_children" in reasons(scan(many, "n.one", max_children=3))
    big = onenote([b"A" * 5000])
    assert "max_file_size" in reasons(scan(big, "n.one", max_file_size=1000))
    nested = onenote([onenote([onenote([MARKER])])])
    assert "max_depth" in reasons(scan(nested, "n.one", max_depth=1))


@pytest.mark.parametrize("damage", ["truncated", "huge_length", "no_footer"])
def test_damaged_sections_are_never_clean(scan: Callable[..., ItemReport], damage: str) -> None:
    good = onenote([b"@echo off\r\n" + MARKER * 10])
    block = good.find(bytes.fromhex("e716e3bd65261145a4c48d4d0b7a9eac"))
    data = {"truncated": good[:-40],
            "huge_length": good[:block + 16] + (2**63).to_bytes(8, "little") + good[block + 24:],
            "no_footer": good[:-16] + bytes(16)}[damage]
    report = scan(data, "n.one")  # the marker is in the section's own bytes too: malicious, not only incomplete
    assert "corrupt" in reasons(report) and report.verdict != Verdict.CLEAN


def test_password_protected_section_is_encrypted(scan: Callable[..., ItemReport]) -> None:
    data = onenote([]) + b"<encryption xmlns=\"http://schemas.microsoft.com/office/2006/encryption\" " \
        b"xmlns:p=\"http://schemas.microsoft.com/office/2006/keyEncryptor/password\"></encryption>"
    assert "encrypted" in reasons(scan(data, "n.one"))
