"""Outlook TNEF (winmail.dat): attachments and bodies are extracted, damaged streams are never clean."""

from __future__ import annotations

import base64
import struct
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MARKER, SAMPLES, finding_keys, reasons

from scanner.api import Scanner
from scanner.config import Settings
from scanner.extract.mailparse import parse_eml
from scanner.models import ItemReport, Verdict
from scanner.timeouts import CheckTimeout

sys.path.insert(0, str(SAMPLES))
from build import make_zipcrypto_zip
from build_tnef import (
    ATT_ATTACH_DATA,
    ATT_ATTACH_REND_DATA,
    ATT_ATTACH_TITLE,
    ATT_ATTACHMENT,
    ATT_MSG_PROPS,
    ATTACHMENT,
    MESSAGE,
    attribute,
    mapi_props,
    tnef,
)

ScannerFactory = Callable[..., Scanner]
IID_IMESSAGE = b"\x07\x03\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"


def mail_with(winmail: bytes, body: str = "See the attached files.") -> bytes:
    return (f'From: a@example.net\r\nTo: b@example.com\r\nSubject: files\r\nMIME-Version: 1.0\r\n'
            f'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n{body}\r\n'
            f'--B\r\nContent-Type: application/ms-tnef; name="winmail.dat"\r\n'
            f'Content-Disposition: attachment; filename="winmail.dat"\r\n'
            f"Content-Transfer-Encoding: base64\r\n\r\n{base64.encodebytes(winmail).decode()}\r\n--B--\r\n").encode()


@pytest.fixture
def scan(make_scanner: ScannerFactory, rules_dir: Path) -> Callable[..., ItemReport]:
    scanner = make_scanner(rules_dir)
    return lambda data, name="winmail.dat": scanner.scan_bytes(data, name)


@pytest.fixture(scope="module")
def bundled() -> Scanner:
    return Scanner(Settings().replace(result_cache=False, jobs=1))


def locations(report: ItemReport) -> set[tuple[str, ...]]:
    return {i.location for i in report.items}


def marker_at(report: ItemReport) -> tuple[str, ...]:
    """The deepest item the marker rule hit (TNEF stores bytes as they are: the containers match too)."""
    return max((f.location for f in report.findings if f.id == "TEST_Marker"), key=len, default=())


# --- the samples, with the bundled rules -----------------------------------------------------

def test_lure_sample_is_found_inside_winmail_dat(bundled: Scanner) -> None:
    report = bundled.scan_file(str(SAMPLES / "lures" / "mail" / "falcon_winmail.eml"))
    assert report.verdict == Verdict.MALICIOUS and not report.incomplete
    fix = next(f for f in report.findings if f.id == "SCAM_CS_FixScript_Delete_And_Download")
    assert fix.location == ("falcon_winmail.eml", "winmail.dat", "Falcon_Sensor_Hotfix.zip",
                            "Falcon_Sensor_Hotfix.bat")
    assert next(i for i in report.items if i.location[-1] == "winmail.dat").type == "tnef"
    # The lure rules for mail bodies need `from_email`: it reached the body inside winmail.dat.
    bodies = {f.location for f in report.findings if f.id == "SCAM_Email_Urgent_Brand_Fix_Attachment"}
    assert ("falcon_winmail.eml", "winmail.dat", "body.txt") in bodies
    assert ("falcon_winmail.eml", "winmail.dat", "body.rtf") in locations(report)


def test_clean_sample_is_opened_and_clean(bundled: Scanner) -> None:
    report = bundled.scan_file(str(SAMPLES / "clean" / "mail" / "meeting_winmail.eml"))
    assert report.verdict == Verdict.CLEAN and not report.findings and not report.incomplete
    agenda = next(i for i in report.items if i.location[-1] == "Meeting_Agenda.txt")
    assert agenda.location == ("meeting_winmail.eml", "winmail.dat", "Meeting_Agenda.txt") and agenda.type == "text"


# --- names, bodies, attached messages ---------------------------------------------------------

@pytest.mark.parametrize("options,name", [
    ({}, "Falcon_Sensor_Hotfix.bat"),                               # long name (MAPI) wins
    ({"long_names": False}, "FALCON~1.BAT"),                          # else the 8.3 title
    ({"long_names": False, "titles": False}, "attachment-1.bin"),     # else a made-up name
])
def test_attachment_names(scan: Callable[..., ItemReport], options: dict[str, bool], name: str) -> None:
    report = scan(tnef([("Falcon_Sensor_Hotfix.bat", MARKER)], **options))
    assert marker_at(report) == ("winmail.dat", name)
    assert report.verdict == Verdict.MALICIOUS and not report.incomplete


@pytest.mark.parametrize("long_names,shown", [(True, "Résumé.txt"), (False, "RÉSUMÉ.TXT")])
def test_names_are_read_in_the_code_page(scan: Callable[..., ItemReport], long_names: bool, shown: str) -> None:
    """cp1252 names, long (MAPI) or 8.3 (attAttachTitle, which tnefparse itself decodes as UTF-8)."""
    report = scan(tnef([("Résumé.txt", b"hello")], long_names=long_names))
    assert ("winmail.dat", shown) in locations(report) and not report.incomplete


def test_names_cannot_forge_report_lines(scan: Callable[..., ItemReport]) -> None:
    report = scan(tnef([("notes\r\nCLEAN x.txt.exe", b"x")]))
    assert ("winmail.dat", "notes\ufffd\ufffdCLEAN x.txt.exe") in locations(report)


def test_bodies_become_children(scan: Callable[..., ItemReport]) -> None:
    data = tnef([], body="plain body\r\n", html=f"<html><body>{MARKER.decode()}</body></html>",
                rtf="{\\rtf1\\ansi hello}")
    report = scan(data)
    assert {("winmail.dat", "body.txt"), ("winmail.dat", "body.html"), ("winmail.dat", "body.rtf")} <= locations(report)
    assert marker_at(report) == ("winmail.dat", "body.html")
    assert next(i for i in report.items if i.location[-1] == "body.rtf").type == "rtf"


def test_attached_message_is_extracted_in_turn(scan: Callable[..., ItemReport]) -> None:
    inner = tnef([("run.bat", MARKER)])
    props = mapi_props([(0x000D, 0x3701, IID_IMESSAGE + inner)])  # PR_ATTACH_DATA_OBJ, PT_OBJECT
    data = (tnef([]) + attribute(ATTACHMENT, ATT_ATTACH_REND_DATA, bytes(14))
            + attribute(ATTACHMENT, ATT_ATTACH_TITLE, b"Fwd hotfix\x00") + attribute(ATTACHMENT, ATT_ATTACHMENT, props))
    report = scan(data)
    assert marker_at(report) == ("winmail.dat", "Fwd hotfix.tnef", "run.bat")
    assert not report.incomplete


def test_winmail_dat_alone_is_not_from_email(make_scanner: ScannerFactory, rules_dir: Path) -> None:
    """`from_email` comes from the mail around winmail.dat, not from TNEF itself."""
    (rules_dir / "yara" / "mail.yar").write_text(
        'rule FROM_MAIL { strings: $m = "PROBE-FROM-MAIL" condition: $m and from_email }\n')
    scanner = make_scanner(rules_dir)
    data = tnef([("x.txt", b"PROBE-FROM-MAIL")])
    assert "yara:FROM_MAIL" not in finding_keys(scanner.scan_bytes(data, "winmail.dat"))
    report = scanner.scan_bytes(mail_with(data), "m.eml")
    assert ("m.eml", "winmail.dat", "x.txt") in {f.location for f in report.findings if f.id == "FROM_MAIL"}


# --- passwords from the mail -------------------------------------------------------------------

def test_encrypted_zip_in_winmail_dat_opens_with_password_from_the_mail(scan: Callable[..., ItemReport]) -> None:
    locked = make_zipcrypto_zip([("run.bat", MARKER)], b"S3cret-77")
    report = scan(mail_with(tnef([("invoice.zip", locked)]), "Hi,\r\nthe file is protected.\r\nPassword: S3cret-77"),
                  "m.eml")
    assert marker_at(report) == ("m.eml", "winmail.dat", "invoice.zip", "run.bat")
    found = next(f for f in report.findings if f.id == "password_sent_alongside")
    assert found.location == ("m.eml", "winmail.dat", "invoice.zip")
    assert "encrypted" not in reasons(report)


def test_a_tnef_attachment_makes_the_mail_collect_passwords() -> None:
    body = "Password: Open-Sesame-9"
    assert "Open-Sesame-9" in parse_eml(mail_with(tnef([("a.txt", b"x")]), body), "sha-tnef", 100).passwords
    assert parse_eml(mail_with(b"just some text", body), "sha-text", 100).passwords == ()


# --- damaged and hostile streams ----------------------------------------------------------------

def test_truncated_winmail_dat_is_corrupt_and_keeps_what_came_before(scan: Callable[..., ItemReport]) -> None:
    data = tnef([("first.txt", MARKER), ("second.txt", b"quiet " * 200)])
    cut = scan(data[:-300])
    assert ("winmail.dat",) in {i.location for i in cut.incomplete if i.reason == "corrupt"}
    assert marker_at(cut) == ("winmail.dat", "first.txt")  # what came before the cut is scanned
    quiet = scan(tnef([("notes.txt", b"nothing to see " * 200)])[:-100])
    assert quiet.verdict == Verdict.INCOMPLETE and "corrupt" in reasons(quiet)


def test_every_cut_of_a_winmail_dat_is_reported(scan: Callable[..., ItemReport]) -> None:
    data = tnef([("notes.txt", b"nothing to see here")], body="hello")
    ends, pos = set(), 6
    while pos < len(data):  # a cut exactly between attributes cannot be told from a shorter stream
        pos += 11 + struct.unpack_from("<I", data, pos + 5)[0]
        ends.add(pos)
    for size in range(6, len(data)):
        report = scan(data[:size])
        if size not in ends:
            assert report.verdict == Verdict.INCOMPLETE and "corrupt" in reasons(report), size


def test_truncated_winmail_dat_in_a_mail(scan: Callable[..., ItemReport]) -> None:
    report = scan(mail_with(tnef([("agenda.txt", b"1. budget " * 50)])[:-40]), "m.eml")
    assert report.verdict == Verdict.INCOMPLETE
    assert {i.location for i in report.incomplete if i.reason == "corrupt"} == {("m.eml", "winmail.dat")}


def test_damaged_checksum_is_reported(scan: Callable[..., ItemReport]) -> None:
    data = bytearray(tnef([("notes.txt", b"nothing to see here")]))
    data[data.index(b"nothing")] ^= 0x20
    report = scan(bytes(data))
    assert report.verdict == Verdict.INCOMPLETE
    assert any("checksum" in i.message for i in report.incomplete if i.reason == "corrupt")


def test_false_mapi_counts_are_refused_and_the_rest_is_scanned(scan: Callable[..., ItemReport]) -> None:
    """Property lists claiming 50,000 values in a few bytes are left out (with 2**32, tnefparse loops for hours
    or fills the memory): a multi-valued property, and a property count."""
    bomb = attribute(MESSAGE, ATT_MSG_PROPS, struct.pack("<IHHI", 1, 0x1002, 0x6001, 50_000))
    skip = attribute(MESSAGE, ATT_MSG_PROPS, struct.pack("<I", 50_000))
    for hostile in (bomb, skip):
        head = tnef([])
        report = scan(head + hostile + tnef([("run.bat", MARKER)])[len(head):])
        assert marker_at(report) == ("winmail.dat", "run.bat")
        assert any("attMsgProps not read" in i.message for i in report.incomplete), report.incomplete


def test_attribute_tnefparse_raises_on_is_left_out(scan: Callable[..., ItemReport]) -> None:
    """A string where an attached message belongs makes tnefparse raise before it reads the data."""
    poison = mapi_props([(0x001E, 0x3701, b"abc\x00")])
    data = (tnef([]) + attribute(ATTACHMENT, ATT_ATTACH_REND_DATA, bytes(14))
            + attribute(ATTACHMENT, ATT_ATTACHMENT, poison) + attribute(ATTACHMENT, ATT_ATTACH_DATA, MARKER))
    report = scan(data)
    assert marker_at(report) == ("winmail.dat", "attachment-1.bin")
    assert "corrupt" in reasons(report)


def test_repeated_attribute_is_reported_not_hidden(scan: Callable[..., ItemReport]) -> None:
    """Two attAttachData in one attachment: tnefparse keeps the last; the first must not vanish silently."""
    data = (tnef([]) + attribute(ATTACHMENT, ATT_ATTACH_REND_DATA, bytes(14))
            + attribute(ATTACHMENT, ATT_ATTACH_DATA, b"hidden first copy")
            + attribute(ATTACHMENT, ATT_ATTACH_DATA, b"x"))
    report = scan(data)
    assert report.verdict == Verdict.INCOMPLETE
    assert any("attAttachData repeated" in i.message for i in report.incomplete if i.reason == "corrupt")


def test_deadline_inside_tnefparse_is_not_swallowed(scan: Callable[..., ItemReport],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """tnefparse catches every Exception in a MAPI list; the scan deadline must still end the extraction."""
    import tnefparse.mapi

    def expire(*args: object) -> None:
        raise CheckTimeout()

    monkeypatch.setattr(tnefparse.mapi, "parse_property", expire)
    report = scan(tnef([("notes.txt", b"x")]))  # the long name is a MAPI property
    assert "timeout" in reasons(report) and report.verdict == Verdict.INCOMPLETE


def test_attachment_count_is_capped(make_scanner: ScannerFactory, rules_dir: Path) -> None:
    data = tnef([(f"f{n}.txt", b"x") for n in range(8)])
    report = make_scanner(rules_dir, max_children=3).scan_bytes(data, "winmail.dat")
    assert "max_children" in reasons(report) and report.verdict == Verdict.INCOMPLETE
    assert len([i for i in report.items if len(i.location) == 2]) == 3


def test_password_written_inside_winmail_dat_opens_its_archive(scan: Callable[..., ItemReport]) -> None:
    """Outlook puts the whole rich body in winmail.dat: the outer mail may say nothing at all."""
    locked = make_zipcrypto_zip([("run.bat", MARKER)], b"Tnef-Pass-42")
    winmail = tnef([("invoice.zip", locked)], body="The archive is protected.\r\nPassword: Tnef-Pass-42\r\n")
    report = scan(mail_with(winmail, "(see attachment)"), "m.eml")
    assert marker_at(report) == ("m.eml", "winmail.dat", "invoice.zip", "run.bat")
    assert "encrypted" not in reasons(report)
