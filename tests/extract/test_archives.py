"""More containers (7z, tar, bz2, xz, ISO, LNK) and encrypted archives opened with the e-mail's password."""

from __future__ import annotations

import base64
import bz2
import io
import lzma
import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MARKER, SAMPLES, finding_keys, make_zip, reasons

from scanner.api import Scanner
from scanner.models import ItemReport, Verdict

ScannerFactory = Callable[..., Scanner]


@pytest.fixture
def scan(make_scanner: ScannerFactory, rules_dir: Path) -> Callable[..., ItemReport]:
    def run(data: bytes, name: str, **settings: object) -> ItemReport:
        return make_scanner(rules_dir, **settings).scan_bytes(data, name)
    return run


def seven_zip(members: dict[str, bytes], password: str | None = None, headers: bool = False) -> bytes:
    import py7zr
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w", password=password, header_encryption=headers) as zf:
        for name, data in members.items():
            zf.writestr(data, name)
    return buf.getvalue()


def tar_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def aes_zip(members: dict[str, bytes], password: bytes) -> bytes:
    import pyzipper
    buf = io.BytesIO()
    with pyzipper.AESZipFile(buf, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as zf:
        zf.setpassword(password)
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def zipcrypto_zip(members: dict[str, bytes], password: bytes) -> bytes:
    import sys
    sys.path.insert(0, str(SAMPLES))
    from build import make_zipcrypto_zip
    return make_zipcrypto_zip(list(members.items()), password)


def mail_with(name: str, data: bytes, body: str) -> bytes:
    return (f'From: a@example.net\r\nTo: b@example.com\r\nSubject: files\r\nMIME-Version: 1.0\r\n'
            f'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n{body}\r\n'
            f'--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="{name}"\r\n'
            f"Content-Transfer-Encoding: base64\r\n\r\n{base64.encodebytes(data).decode()}\r\n--B--\r\n").encode()


def marker_location(report: ItemReport) -> tuple[str, ...]:
    """The deepest item the marker rule hit (an uncompressed container shows the bytes too)."""
    return max((f.location for f in report.findings if f.id == "TEST_Marker"), key=len)


@pytest.mark.parametrize("name,wrap,inner", [
    ("a.tar", lambda t: t, ("a.tar", "dir/x.txt")),
    ("a.tar.bz2", lambda t: bz2.compress(t), ("a.tar.bz2", "a.tar", "dir/x.txt")),
    ("a.tar.xz", lambda t: lzma.compress(t), ("a.tar.xz", "a.tar", "dir/x.txt")),
    ("a.tbz2", lambda t: bz2.compress(t[:600]) + bz2.compress(t[600:]), ("a.tbz2", "a.tar", "dir/x.txt")),
])
def test_tar_and_compressed_streams(scan: Callable[..., ItemReport], name: str, wrap: Callable[[bytes], bytes],
                                    inner: tuple[str, ...]) -> None:
    report = scan(wrap(tar_bytes({"dir/x.txt": MARKER})), name)
    assert marker_location(report) == inner and not report.incomplete


def test_sevenzip_members(scan: Callable[..., ItemReport]) -> None:
    report = scan(seven_zip({"a.txt": b"hello", "sub/b.bat": MARKER}), "s.7z")
    assert marker_location(report) == ("s.7z", "sub/b.bat")


def test_iso_and_lnk_samples(scan: Callable[..., ItemReport]) -> None:
    report = scan((SAMPLES / "lures" / "archives" / "falcon_recovery.iso").read_bytes(), "r.iso")
    locs = {i.location for i in report.items}
    assert ("r.iso", "Falcon Recovery.lnk", "Falcon Recovery.lnk:target") in locs
    lnk = next(f for f in report.findings if f.id == "lnk_runs_interpreter")
    assert lnk.evidence["target"].lower().endswith("powershell.exe") and "iex" in lnk.evidence["arguments"]


def test_lnk_target_text_child_is_scanned(scan: Callable[..., ItemReport]) -> None:
    data = (SAMPLES / "lures" / "archives" / "falcon_recovery.lnk").read_bytes()
    report = scan(data, "x.lnk")
    child = next(i for i in report.items if i.location == ("x.lnk", "x.lnk:target"))
    assert child.type == "text"


# --- passwords from the e-mail ---------------------------------------------------------------

@pytest.mark.parametrize("kind", ["zipcrypto", "aes", "7z"])
def test_encrypted_archive_opened_with_password_from_body(scan: Callable[..., ItemReport], kind: str) -> None:
    members = {"run.bat": MARKER}
    archive, name = {"zipcrypto": (lambda: zipcrypto_zip(members, b"S3cret-77"), "a.zip"),
                     "aes": (lambda: aes_zip(members, b"S3cret-77"), "a.zip"),
                     "7z": (lambda: seven_zip(members, "S3cret-77", headers=True), "a.7z")}[kind]
    report = scan(mail_with(name, archive(), "Hi,\r\nthe file is protected.\r\nPassword: S3cret-77\r\nBye"), "m.eml")
    assert marker_location(report) == ("m.eml", name, "run.bat")
    found = next(f for f in report.findings if f.id == "password_sent_alongside")
    assert found.evidence["password"] == "S3cret-77" and found.location == ("m.eml", name)
    assert "encrypted" not in reasons(report)


def test_password_in_subject_and_nested_archive(scan: Callable[..., ItemReport]) -> None:
    inner = aes_zip({"x.txt": MARKER}, b"subj-pw-1")
    outer = make_zip({"inner.zip": inner})
    data = mail_with("outer.zip", outer, "see attached").replace(b"Subject: files", b"Subject: docs (pw: subj-pw-1)")
    report = scan(data, "m.eml")
    assert marker_location(report) == ("m.eml", "outer.zip", "inner.zip", "x.txt")


def test_wrong_password_is_incomplete_with_finding(scan: Callable[..., ItemReport]) -> None:
    archive = zipcrypto_zip({"run.bat": MARKER}, b"right-one")
    report = scan(mail_with("a.zip", archive, "Password: wrong-one"), "m.eml")
    assert "encrypted" in reasons(report) and report.verdict == Verdict.INCOMPLETE
    f = next(f for f in report.findings if f.id == "encrypted_archive")
    assert f.evidence["candidates_tried"] >= 1


def test_damaged_aes_member_with_the_right_password(scan: Callable[..., ItemReport]) -> None:
    # pyzipper raises its own BadZipFile (not zipfile's) on a bad HMAC: it escaped both the password
    # probe and the member read as check_error (fuzz: falcon_hotfix_password.eml, teams_update_aes.eml).
    probe_broken = bytearray(aes_zip({"run.bat": b"echo hi"}, b"S3cret-77"))
    probe_broken[probe_broken.find(b"PK\x01\x02") - 1] ^= 1  # last byte of the HMAC
    report = scan(mail_with("a.zip", bytes(probe_broken), "Password: S3cret-77"), "m.eml")
    assert reasons(report) == {"encrypted"} and report.verdict == Verdict.INCOMPLETE
    other_broken = bytearray(aes_zip({"big.txt": b"x" * 500, "run.bat": MARKER}, b"S3cret-77"))
    other_broken[other_broken.find(b"PK\x03\x04", 1) - 1] ^= 1  # HMAC of big.txt; run.bat is the probe
    report = scan(mail_with("a.zip", bytes(other_broken), "Password: S3cret-77"), "m.eml")
    assert reasons(report) == {"encrypted"}
    assert marker_location(report) == ("m.eml", "a.zip", "run.bat")  # the members after it still scanned


def test_sevenzip_without_header_is_corrupt(scan: Callable[..., ItemReport]) -> None:
    # Next-header size 0 (start header CRC fixed) reads as an empty archive in py7zr: it was clean.
    data = bytearray(seven_zip({"a.txt": b"plain text"}))
    data[20:32] = bytes(12)  # next-header size and CRC
    data[8:12] = zlib.crc32(data[12:32]).to_bytes(4, "little")
    report = scan(bytes(data), "h.7z")
    assert reasons(report) == {"corrupt"} and report.verdict == Verdict.INCOMPLETE


def test_encrypted_without_any_password_is_never_clean(scan: Callable[..., ItemReport]) -> None:
    for data, name in ((seven_zip({"a.txt": b"x"}, "pw", headers=True), "a.7z"),
                       (seven_zip({"a.txt": b"x"}, "pw"), "b.7z"),
                       (aes_zip({"a.txt": b"x"}, b"pw"), "c.zip")):
        report = scan(data, name)
        assert "encrypted" in reasons(report) and report.verdict == Verdict.INCOMPLETE, name
        assert "archive:encrypted_archive" in finding_keys(report)


# --- limits and hostile input -----------------------------------------------------------------

def test_bz2_and_xz_bombs_stop_at_the_limit(scan: Callable[..., ItemReport]) -> None:
    zeros = b"\0" * (8 * 1024 * 1024)
    for data, name in ((bz2.compress(zeros), "z.bz2"), (lzma.compress(zeros), "z.xz")):
        report = scan(data, name, max_file_size=1024 * 1024)
        assert reasons(report) & {"max_file_size", "max_ratio"}, name
        assert report.verdict == Verdict.INCOMPLETE


def test_sevenzip_declared_sizes_are_checked_first(scan: Callable[..., ItemReport]) -> None:
    report = scan(seven_zip({"big.bin": b"\0" * (4 * 1024 * 1024)}), "b.7z", max_file_size=1024 * 1024)
    assert reasons(report) & {"max_file_size", "max_ratio"}


def test_member_count_limit(scan: Callable[..., ItemReport]) -> None:
    members = {f"f{n}.txt": b"x" for n in range(20)}
    for data, name in ((tar_bytes(members), "m.tar"), (seven_zip(members), "m.7z")):
        assert "max_children" in reasons(scan(data, name, max_children=5)), name


@pytest.mark.parametrize("name,data", [
    ("t.7z", b"7z\xbc\xaf\x27\x1c" + b"\x00\x04" + b"\xff" * 200),
    ("t.tar", (b"x" * 257 + b"ustar" + b"\x00" * 250)[:512] + b"\xff" * 100),
    ("t.bz2", b"BZh9" + b"\x31\x41\x59\x26\x53\x59" + b"\xff" * 50),
    ("t.xz", b"\xfd7zXZ\x00" + b"\xff" * 50),
    ("t.iso", bytes(0x8001) + b"CD001" + b"\xff" * 4000),
    ("t.lnk", b"L\x00\x00\x00\x01\x14\x02\x00" + b"\xff" * 40),
])
def test_corrupt_containers_are_recorded(scan: Callable[..., ItemReport], name: str, data: bytes) -> None:
    report = scan(data, name)
    assert report.verdict == Verdict.INCOMPLETE and reasons(report) & {"corrupt", "check_error"}, report.incomplete


def test_truncated_compressed_streams_keep_what_was_decoded(scan: Callable[..., ItemReport]) -> None:
    payload = MARKER + b" " + bytes(range(256)) * 400
    for data, name in ((bz2.compress(payload)[:-20], "x.bz2"), (lzma.compress(payload)[:-20], "x.xz")):
        report = scan(data, name)
        assert "corrupt" in reasons(report), name


def test_traversal_and_symlink_names_are_reported(scan: Callable[..., ItemReport]) -> None:
    report = scan((SAMPLES / "bad" / "mail" / "traversal.zip").read_bytes(), "t.zip")
    names = next(f for f in report.findings if f.id == "unsafe_member_name").evidence["names"]
    assert "../../Windows/System32/evil.txt" in names and "/etc/cron.d/update" in names
    report = scan((SAMPLES / "bad" / "mail" / "traversal_symlink.tar").read_bytes(), "t.tar")
    names = next(f for f in report.findings if f.id == "unsafe_member_name").evidence["names"]
    assert any("/etc/passwd" in n for n in names)
