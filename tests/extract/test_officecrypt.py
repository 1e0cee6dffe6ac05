"""Encrypted Office documents: VelvetSweatshop and the mail's passwords open them; otherwise `encrypted`."""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MARKER, SAMPLES, make_zip, reasons

from scanner.api import Scanner
from scanner.models import ItemReport, Verdict

sys.path.insert(0, str(SAMPLES))
from build_containers import encrypt_ooxml

from .test_archives import mail_with, marker_location

ScannerFactory = Callable[..., Scanner]


def _workbook() -> bytes:
    """The clean sample workbook plus a part carrying the test marker."""
    with zipfile.ZipFile(SAMPLES / "clean" / "docs" / "budget.xlsx") as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    return make_zip({**members, "xl/worksheets/sheet9.xml": b"<sheetData>" + MARKER + b"</sheetData>"})


WORKBOOK = _workbook()


@pytest.fixture
def scan(make_scanner: ScannerFactory, rules_dir: Path) -> Callable[..., ItemReport]:
    def run(data: bytes, name: str, **settings: object) -> ItemReport:
        return make_scanner(rules_dir, **settings).scan_bytes(data, name)
    return run


def opened(report: ItemReport) -> dict[str, object]:
    return next(f.evidence for f in report.findings if f.id == "encrypted_document_opened")


def test_velvetsweatshop_opens_without_prompt(scan: Callable[..., ItemReport]) -> None:
    report = scan(encrypt_ooxml(WORKBOOK, "VelvetSweatshop"), "book.xlsx")
    assert marker_location(report) == ("book.xlsx", "book.decrypted.xlsx", "xl/worksheets/sheet9.xml")
    assert opened(report) == {"password": "VelvetSweatshop", "default_password": True, "candidates_tried": 1}


def test_password_from_the_mail_opens_it(scan: Callable[..., ItemReport]) -> None:
    doc = encrypt_ooxml(WORKBOOK, "Q3-budget!")
    report = scan(mail_with("book.xlsx", doc, "Hi,\r\nPassword: Q3-budget!\r\n"), "m.eml")
    assert marker_location(report)[:3] == ("m.eml", "book.xlsx", "book.decrypted.xlsx")
    assert opened(report)["password"] == "Q3-budget!" and opened(report)["default_password"] is False


def test_no_password_opens_it(scan: Callable[..., ItemReport]) -> None:
    report = scan(mail_with("book.xlsx", encrypt_ooxml(WORKBOOK, "right-1"), "Password: wrong-1"), "m.eml")
    assert "encrypted" in reasons(report) and report.verdict == Verdict.INCOMPLETE
    assert not [f for f in report.findings if f.id == "encrypted_document_opened"]


def test_decrypted_document_is_charged_to_the_limits(scan: Callable[..., ItemReport]) -> None:
    doc = encrypt_ooxml(WORKBOOK, "VelvetSweatshop")
    report = scan(doc, "book.xlsx", max_total_size=len(WORKBOOK) - 1)
    assert "max_total_size" in reasons(report) and report.verdict != Verdict.CLEAN


@pytest.mark.parametrize("damage", ["truncated", "header", "package"])
def test_damaged_encrypted_document_is_never_clean(scan: Callable[..., ItemReport], damage: str) -> None:
    doc = encrypt_ooxml(WORKBOOK, "VelvetSweatshop")
    data = {"truncated": doc[: len(doc) // 2],
            "header": doc[:512] + b"\xff" * 1024 + doc[1536:],
            "package": doc[:-2048] + bytes(b ^ 0x5A for b in doc[-2048:])}[damage]
    report = scan(data, "book.xlsx")
    assert report.verdict != Verdict.CLEAN, [(i.reason, i.message) for i in report.incomplete]


def test_encryption_streams_msoffcrypto_cannot_read_stay_encrypted(scan: Callable[..., ItemReport]) -> None:
    """An OLE file with an EncryptedPackage stream that is not a valid encrypted document (as fuzzed
    files in Apache POI's corpus have) is `encrypted`, not clean."""
    doc = bytearray(encrypt_ooxml(WORKBOOK, "VelvetSweatshop"))
    info = doc.find("EncryptionInfo".encode("utf-16-le"))
    start = next(i for i in range(info, len(doc)) if doc[i:i + 4] == b"\x04\x00\x04\x00")  # agile version 4.4
    doc[start:start + 4] = b"\x09\x00\x09\x00"  # a version msoffcrypto does not know
    report = scan(bytes(doc), "book.xlsx")
    assert "encrypted" in reasons(report) and report.verdict == Verdict.INCOMPLETE


def test_hostile_spin_count_is_not_paid_for_every_candidate(scan: Callable[..., ItemReport],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """An agile document names its own key-derivation cost (spinCount; Office writes 100,000, the
    format allows 10,000,000).  Paid for Excel's default and each of the mail's candidates, a
    hostile one held a gateway worker for minutes; now the rounds per document are capped and the
    candidates left untried are named in the report, which stays `encrypted`, never clean."""
    from msoffcrypto.method.ecma376_agile import ECMA376Agile

    from scanner.extract.officecrypt import MAX_KEY_ROUNDS

    doc = encrypt_ooxml(WORKBOOK, "right-1")
    assert doc.count(b'spinCount="100000"') == 1
    doc = doc.replace(b'spinCount="100000"', b'spinCount="999999"')  # same length: the OLE stream stays valid
    requested: list[int] = []
    real = ECMA376Agile._derive_iterated_hash_from_password

    def spy(password: str, salt: bytes, algorithm: str, spin: int) -> object:
        requested.append(spin)
        return real(password, salt, algorithm, 1)  # cheap: the rounds asked for are what is measured

    monkeypatch.setattr(ECMA376Agile, "_derive_iterated_hash_from_password", staticmethod(spy))
    report = scan(mail_with("book.xlsx", doc, "Password: wrong-1\r\nor: wrong-2\r\n"), "m.eml")
    assert requested and all(r == 999_999 for r in requested)
    assert sum(requested) <= MAX_KEY_ROUNDS
    messages = [i.message for i in report.incomplete if i.reason == "encrypted"]
    assert any("999,999 hash rounds per password" in m and "candidates not tried" in m for m in messages), messages
    assert report.verdict == Verdict.INCOMPLETE


def test_office_spin_count_still_opens_with_every_candidate(scan: Callable[..., ItemReport]) -> None:
    """The cap leaves room for Office's own 100,000 rounds: Excel's default and the mail's
    candidates are all tried, the last one opens it."""
    words = [f"wrong-{n}" for n in range(6)]
    body = "".join(f"Password: {w}\r\n" for w in words) + "Password: right-7\r\n"
    report = scan(mail_with("book.xlsx", encrypt_ooxml(WORKBOOK, "right-7"), body), "m.eml")
    assert opened(report)["password"] == "right-7", opened(report)
    assert opened(report)["candidates_tried"] == 8  # Excel's default, six wrong ones, the right one
