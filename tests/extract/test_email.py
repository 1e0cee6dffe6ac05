"""E-mail extraction: .eml, mbox, .msg and attached messages, and the bad inputs of issue 4."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MARKER, SAMPLES, finding_keys, make_zip, reasons

from scanner.api import Scanner
from scanner.extract.passwords import candidates
from scanner.filetypes import FileType, identify
from scanner.models import ItemReport, Verdict

ScannerFactory = Callable[..., Scanner]


def mime(parts: list[str], headers: str = "From: a@example.com\nTo: b@example.com\nSubject: test\n",
         boundary: str = "BOUND") -> bytes:
    body = "".join(f"--{boundary}\n{p}\n" for p in parts)
    return (headers + f'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="{boundary}"\n\n'
            + body + f"--{boundary}--\n").replace("\n", "\r\n").encode()


def attachment(name: str, data: bytes, ctype: str = "application/octet-stream") -> str:
    return (f'Content-Type: {ctype}; name="{name}"\nContent-Disposition: attachment; filename="{name}"\n'
            f"Content-Transfer-Encoding: base64\n\n{base64.encodebytes(data).decode()}")


@pytest.fixture
def scan(make_scanner: ScannerFactory, rules_dir: Path) -> Callable[..., ItemReport]:
    scanner = make_scanner(rules_dir)

    def run(data: bytes, name: str = "mail.eml") -> ItemReport:
        return scanner.scan_bytes(data, name)

    return run


def locations(report: ItemReport) -> set[tuple[str, ...]]:
    return {i.location for i in report.items}


def test_attachment_lineage_and_from_email(scan: Callable[..., ItemReport]) -> None:
    inner = make_zip({"Setup.exe": MARKER})
    report = scan(mime(["Content-Type: text/plain\n\nhello", attachment("hotfix.zip", inner)]))
    assert report.type == "email" and report.verdict == Verdict.MALICIOUS
    hit = next(f for f in report.findings if f.id == "TEST_Marker")
    assert hit.location == ("mail.eml", "hotfix.zip", "Setup.exe")
    assert ("mail.eml", "body.txt") in locations(report)


def test_bodies_are_decoded_for_rules(scan: Callable[..., ItemReport]) -> None:
    """Base64 and quoted-printable bodies in a declared charset: rules see the decoded text."""
    b64 = base64.encodebytes(b"see " + MARKER).decode()
    report = scan(mime([f"Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n{b64}"]))
    assert {f.location for f in report.findings if f.id == "TEST_Marker"} == {("mail.eml", "body.html")}
    qp = "SCAMSCAN-TEST-=\n" + "MARKER caf=E9"
    report = scan(mime([f"Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: "
                        f"quoted-printable\n\n{qp}"]))
    assert ("mail.eml", "body.txt") in {f.location for f in report.findings if f.id == "TEST_Marker"}


def test_wrong_and_unknown_charsets_are_tolerated(scan: Callable[..., ItemReport]) -> None:
    for charset in ("x-made-up", "us-ascii", "utf-7"):
        data = mime([f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: 8bit\n\n"
                     "caf\u00e9 SCAMSCAN-TEST-MARKER"]).replace(b"caf\xc3\xa9", "café".encode())
        report = scan(data)
        assert "yara:TEST_Marker" in finding_keys(report), charset


def test_attached_message_is_extracted_recursively(scan: Callable[..., ItemReport]) -> None:
    inner = mime([attachment("payload.zip", make_zip({"run.bat": MARKER}))],
                 headers="From: x@evil.example\nTo: y@example.com\nSubject: inner\n"
                 "Date: Mon, 1 Jul 2024 00:00:00 +0000\n",
                 boundary="INNER")
    outer = mime(["Content-Type: text/plain\n\nFYI",
                  'Content-Type: message/rfc822\nContent-Disposition: attachment; filename="orig.eml"\n\n'
                  + inner.decode().replace("\r\n", "\n")])
    report = scan(outer)
    hit = next(f for f in report.findings if f.id == "TEST_Marker")
    assert hit.location == ("mail.eml", "orig.eml", "payload.zip", "run.bat")
    assert any(i.location == ("mail.eml", "orig.eml") and i.type == "email" for i in report.items)


def test_mbox_messages_are_items(scan: Callable[..., ItemReport]) -> None:
    one = mime(["Content-Type: text/plain\n\nfirst clean message"]).decode()
    two = mime([attachment("a.txt", MARKER)]).decode()
    data = (f"From a@example.com Mon Jul 22 10:00:00 2024\r\n{one}\r\n"
            f"From b@example.com Mon Jul 22 11:00:00 2024\r\n{two}\r\n").encode()
    assert identify(data) == FileType.MBOX
    report = scan(data, "box.mbox")
    assert report.type == "mbox"
    assert {("box.mbox", "message-1.eml"), ("box.mbox", "message-2.eml")} <= locations(report)
    assert next(f for f in report.findings if f.id == "TEST_Marker").location == ("box.mbox", "message-2.eml", "a.txt")


def test_outlook_msg_sample(make_scanner: ScannerFactory, rules_dir: Path) -> None:
    path = SAMPLES / "lures" / "mail" / "falcon_update.msg"
    data = path.read_bytes()
    assert identify(data) == FileType.MSG
    report = make_scanner(rules_dir).scan_bytes(data, "falcon_update.msg")
    assert report.type == "msg" and not report.incomplete
    locs = locations(report)
    assert {("falcon_update.msg", "body.txt"), ("falcon_update.msg", "falcon_hotfix.zip"),
            ("falcon_update.msg", "falcon_hotfix.zip", "install.ps1")} <= locs


def test_msg_identification_needs_directory_entries() -> None:
    """An OLE file that merely contains the stream name as text is not a .msg."""
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600) + "__substg1.0_0037001F".encode("utf-16-le") * 3
    assert identify(ole) == FileType.OLE


def test_password_candidates() -> None:
    assert candidates("", "The password for the archive is: Fix2024!")[0] == "Fix2024!"
    got = candidates("Passwort: abc123", "mot de passe : « sesame7 »", "contraseña: hola123.", "pw: 7788")
    assert {"abc123", "sesame7", "hola123", "7788"} <= set(got)
    assert "x7Kq2" in candidates("", "Use this to open it:\n\n   x7Kq2\n\nRegards")
    assert len(candidates("", "\n".join(f"tok{n}x" for n in range(500)))) <= 16


# --- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("sample,reason", [
    ("malformed_mime.eml", "corrupt"), ("broken_base64.eml", "corrupt"), ("many_parts.eml", "max_children")])
def test_bad_mail_is_recorded_not_clean(scan: Callable[..., ItemReport], sample: str, reason: str) -> None:
    report = scan((SAMPLES / "bad" / "mail" / sample).read_bytes(), sample)
    assert reason in reasons(report)
    assert report.verdict == Verdict.INCOMPLETE


def test_absurd_part_count_is_capped(make_scanner: ScannerFactory, rules_dir: Path) -> None:
    data = mime([f"Content-Type: text/plain\n\npart {n}" for n in range(50)])
    report = make_scanner(rules_dir, max_children=10).scan_bytes(data, "m.eml")
    assert "max_children" in reasons(report)
    assert len([i for i in report.items if len(i.location) == 2]) == 10


def test_deeply_nested_multipart_does_not_crash(scan: Callable[..., ItemReport]) -> None:
    depth = 300
    head = "".join(f'Content-Type: multipart/mixed; boundary="b{n}"\n\n--b{n}\n' for n in range(depth))
    tail = "".join(f"\n--b{n}--\n" for n in reversed(range(depth)))
    data = ("From: a@example.com\nSubject: deep\nMIME-Version: 1.0\n" + head
            + "Content-Type: text/plain\n\nSCAMSCAN-TEST-MARKER" + tail).encode()
    report = scan(data)
    assert report.verdict in (Verdict.MALICIOUS, Verdict.INCOMPLETE)
    assert report.verdict != Verdict.CLEAN


def test_header_injection_names_cannot_forge_report_lines(scan: Callable[..., ItemReport]) -> None:
    report = scan((SAMPLES / "bad" / "mail" / "header_injection.eml").read_bytes(), "h.eml")
    names = [i.location[-1] for i in report.items]
    assert all("\r" not in n and "\n" not in n and "\u202e" not in n for n in names)
    assert any(n.endswith("txt.exe") for n in names)


def test_garbage_and_truncated_mail_never_crash(scan: Callable[..., ItemReport]) -> None:
    good = (SAMPLES / "lures" / "mail" / "falcon_hotfix_password.eml").read_bytes()
    for data in (good[: len(good) // 2], good[:200], b"From: x\r\n\r\n" + bytes(range(256)) * 20,
                 b"Subject: =?utf-8?b?!!!?=\r\nFrom: =?x?q?=ZZ?= <@>\r\nContent-Type: multipart/mixed\r\n\r\n--\r\n"):
        report = scan(data)
        assert report.verdict is not None


def test_oversized_attachment_hits_the_limit(make_scanner: ScannerFactory, rules_dir: Path) -> None:
    data = mime([attachment("big.bin", b"A" * 50_000)])
    report = make_scanner(rules_dir, max_file_size=20_000).scan_bytes(data, "m.eml")
    assert "max_file_size" in reasons(report) and report.verdict == Verdict.INCOMPLETE


def test_cli_scans_the_mail_samples(tmp_path: Path) -> None:
    """The bundled samples folder scans end to end (verdicts per the manifest are checked by rules test)."""
    shutil.copytree(SAMPLES / "clean" / "mail", tmp_path / "clean")
    from helpers import run_scamscan
    result = run_scamscan(["scan", "--no-cache", str(tmp_path / "clean")])
    assert result.returncode == 0, result.stdout.decode()


def _mail(attachment: bytes, body: str = "Password: Open-Sesame-9") -> bytes:
    return (f'From: a@example.net\r\nSubject: files\r\nMIME-Version: 1.0\r\n'
            f'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n{body}\r\n'
            f'--B\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename="a.zip"\r\n'
            f"Content-Transfer-Encoding: base64\r\n\r\n{base64.encodebytes(attachment).decode()}\r\n--B--\r\n").encode()


@pytest.mark.parametrize("members,wanted", [
    ({"report.txt": b"plain"}, False),                 # nothing a password could open: bodies not searched
    ({"inner.zip": make_zip({"x.txt": b"x"})}, True),  # a nested archive may be encrypted
    ({"x.7z": b"7z\xbc\xaf\x27\x1c"}, True),
])
def test_passwords_collected_only_when_an_archive_may_need_them(members: dict[str, bytes], wanted: bool) -> None:
    from scanner.extract.mailparse import parse_eml

    data = _mail(make_zip(members))
    mail = parse_eml(data, f"sha-{sorted(members)}", 100)
    assert ("Open-Sesame-9" in mail.passwords) is wanted


def test_passwords_collected_for_a_broken_zip() -> None:
    from scanner.extract.mailparse import parse_eml

    mail = parse_eml(_mail(b"PK\x03\x04" + bytes(40)), "sha-broken", 100)
    assert "Open-Sesame-9" in mail.passwords


def _deeply_nested(levels: int) -> bytes:
    data = (b"From: a@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n')
    for i in range(1, levels):
        data += b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (i - 1, i)
    return data + b"--b%d\r\nContent-Type: text/plain\r\n\r\nhello\r\n" % (levels - 1)


def test_mime_too_deep_for_the_parser_is_corrupt_not_a_check_error(scan: Callable[..., ItemReport]) -> None:
    report = scan(_deeply_nested(3000), "deep.eml")
    assert report.verdict == Verdict.INCOMPLETE
    assert "corrupt" in reasons(report) and "check_error" not in reasons(report)


def test_charset_whose_codec_raises_plain_unicode_error_still_decodes(scan: Callable[..., ItemReport]) -> None:
    eml = (b'From: a@example.com\r\nSubject: x\r\nContent-Type: text/plain; charset="punycode"\r\n\r\n'
           b"get it at zz-9999 " + MARKER + b"\r\n")  # "incomplete punicode string"
    report = scan(eml, "p.eml")
    assert "check_error" not in reasons(report)
    assert ("p.eml", "body.txt") in {i.location for i in report.items}
    assert "yara:TEST_Marker" in finding_keys(report)


def test_text_rule_reported_once_for_a_7bit_body_and_at_the_body_when_encoded(
        scan: Callable[..., ItemReport]) -> None:
    """A 7-bit body is in the raw message too: one finding, at the message. A base64 body matches
    only once decoded: its finding is at body.txt."""
    head = b"From: a@example.com\r\nSubject: x\r\nContent-Type: text/plain\r\n"
    plain = scan(head + b"\r\nrun this: " + MARKER + b"\r\n", "p.eml")
    assert [f.location for f in plain.findings if f.id == "TEST_Marker"] == [("p.eml",)]
    encoded = scan(head + b"Content-Transfer-Encoding: base64\r\n\r\n"
                   + base64.encodebytes(b"run this: " + MARKER), "b.eml")
    assert [f.location for f in encoded.findings if f.id == "TEST_Marker"] == [("b.eml", "body.txt")]
