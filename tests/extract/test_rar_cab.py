"""RAR (v4/v5, solid, encrypted, volumes), CAB and MSU, on archives we did not make and on our own."""

from __future__ import annotations

import hashlib
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MARKER, SAMPLES, finding_keys, reasons

from scanner.api import Scanner
from scanner.checks.archive import ArchiveCheck
from scanner.checks.base import CheckContext
from scanner.config import Settings
from scanner.extract import rar
from scanner.extract.base import Budget, Child
from scanner.filetypes import identify
from scanner.models import Finding, Incomplete, Item, ItemReport, Verdict

sys.path.insert(0, str(SAMPLES))
from build_containers import cab
from rar5write import rar5

from .test_archives import mail_with, marker_location

REAL = Path(__file__).parent / "data" / "rarfile"
ScannerFactory = Callable[..., Scanner]
needs_gcab = pytest.mark.skipif(shutil.which("gcab") is None, reason="gcab (Debian) writes the CAB fixtures")


@pytest.fixture
def scan(make_scanner: ScannerFactory, rules_dir: Path) -> Callable[..., ItemReport]:
    def run(data: bytes, name: str, **settings: object) -> ItemReport:
        return make_scanner(rules_dir, **settings).scan_bytes(data, name)
    return run


def member_names(report: ItemReport) -> list[str]:
    return [i.location[-1] for i in report.items[1:]]


# --- real archives (rarfile's test files, written by WinRAR) ---------------------------------------

@pytest.mark.parametrize("name,members", [
    ("rar3-solid.rar", ["stest1.txt", "stest2.txt"]),            # RAR4 solid: libarchive stops, rarfile+unar
    ("rar3-comment-plain.rar", ["file1.txt", "file2.txt"]),      # libarchive stops at the 2nd member
    ("rar5-solid.rar", ["stest1.txt", "stest2.txt"]),            # RAR5 solid through libarchive
])
def test_real_rar_members_are_children(scan: Callable[..., ItemReport], name: str, members: list[str]) -> None:
    report = scan((REAL / name).read_bytes(), name)
    assert report.type == "rar" and member_names(report) == members
    assert report.verdict == Verdict.CLEAN and not report.incomplete


@pytest.mark.parametrize("name", ["rar5-psw.rar", "rar5-hpsw.rar", "rar3-comment-psw.rar"])
def test_encrypted_rar_without_password_is_incomplete(scan: Callable[..., ItemReport], name: str) -> None:
    report = scan((REAL / name).read_bytes(), name)
    assert "encrypted" in reasons(report) and report.verdict == Verdict.INCOMPLETE
    assert "archive:encrypted_archive" in finding_keys(report)


def with_passwords(data: bytes, name: str, *passwords: str) -> Item:
    """The item as the engine builds it under a mail that carried `passwords` (the candidate finder
    drops the word "password" itself, which is what rarfile's archives use)."""
    return Item(data=data, name=name, lineage=(name,), filetype=identify(data), sha256=hashlib.sha256(data).hexdigest(),
                from_email=True, passwords=passwords)


@pytest.mark.parametrize("name", ["rar5-psw.rar", "rar5-hpsw.rar"])
def test_encrypted_rar_opens_with_password_candidates(make_scanner: ScannerFactory, rules_dir: Path,
                                                      name: str) -> None:
    item = with_passwords((REAL / name).read_bytes(), name, "wrong-1", "password")
    out = list(rar.extract(item, Budget(Settings())))
    assert [c.name for c in out if isinstance(c, Child)] and not [i for i in out if isinstance(i, Incomplete)]
    check = ArchiveCheck(CheckContext(Settings(), make_scanner(rules_dir).engine.rules, []))
    found = next(f for f in check.run(item) if isinstance(f, Finding) and f.id == "password_sent_alongside")
    assert found.evidence["password"] == "password" and found.evidence["method"] == "rar"
    assert found.evidence["candidates_tried"] == 2


def test_wrong_rar_password_stays_encrypted(scan: Callable[..., ItemReport]) -> None:
    report = scan(mail_with("a.rar", (REAL / "rar5-psw.rar").read_bytes(), "Password: not-it"), "m.eml")
    assert "encrypted" in reasons(report) and "archive:encrypted_archive" in finding_keys(report)


@pytest.mark.parametrize("name", ["rar5-evil-symlink-traversal.rar", "rar3-symlink-unix.rar"])
def test_rar_links_escaping_the_folder_are_flagged(scan: Callable[..., ItemReport], name: str) -> None:
    assert "archive:unsafe_member_name" in finding_keys(scan((REAL / name).read_bytes(), name))


def test_rar_volume_alone_is_multivolume(scan: Callable[..., ItemReport]) -> None:
    for part in ("rar5-vols.part1.rar", "rar5-vols.part2.rar"):
        report = scan((REAL / part).read_bytes(), part)
        assert "multivolume" in reasons(report) and report.verdict == Verdict.INCOMPLETE


def test_rar_volumes_present_are_followed(make_scanner: ScannerFactory, rules_dir: Path, tmp_path: Path) -> None:
    for n in (1, 2, 3):
        shutil.copy(REAL / f"rar5-vols.part{n}.rar", tmp_path / f"vols.part{n}.rar")
    report = make_scanner(rules_dir).scan_file(str(tmp_path / "vols.part1.rar"))
    sizes = {i.location[-1]: i.size for i in report.items[1:]}
    assert sizes == {"vols/bigfile.txt": 205000, "vols/smallfile.txt": 2050}
    assert report.verdict == Verdict.CLEAN and not report.incomplete


def test_encrypted_rar_without_unar_is_unsupported(scan: Callable[..., ItemReport],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scanner.extract.rar.shutil.which", lambda _: None)
    item = with_passwords((REAL / "rar5-psw.rar").read_bytes(), "a.rar", "password")
    assert [i.reason for i in rar.extract(item, Budget(Settings())) if isinstance(i, Incomplete)] == ["unsupported"]


def test_empty_encrypted_members_prove_no_password() -> None:
    """rar3-comment-psw.rar holds only empty encrypted files: any key "decrypts" them, so no
    candidate is taken as the password and the archive stays `encrypted`."""
    item = with_passwords((REAL / "rar3-comment-psw.rar").read_bytes(), "a.rar", "wrong-1")
    assert [i.reason for i in rar.extract(item, Budget(Settings())) if isinstance(i, Incomplete)] == ["encrypted"]


# --- our own RAR: content scanned, limits --------------------------------------------------------

def test_rar_member_is_scanned(scan: Callable[..., ItemReport]) -> None:
    report = scan(rar5([("setup/run.bat", MARKER)]), "a.rar")
    assert marker_location(report) == ("a.rar", "setup/run.bat")


def test_rar_max_children(scan: Callable[..., ItemReport]) -> None:
    report = scan(rar5([(f"f{i}.txt", b"x") for i in range(6)]), "a.rar", max_children=3)
    assert "max_children" in reasons(report) and len(report.items) == 4


def test_rar_declared_size_limit(scan: Callable[..., ItemReport]) -> None:
    report = scan(rar5([("big.bin", b"A" * 5000)]), "a.rar", max_file_size=1000)
    assert "max_file_size" in reasons(report) and report.verdict == Verdict.INCOMPLETE


def test_rar_ratio_bomb(scan: Callable[..., ItemReport]) -> None:
    """rarfile's WinRAR-compressed volume set: 205 kB from 100 kB is fine; under a 1:1 ratio on a
    small archive it is not.  A RAR holding a ZIP bomb is stopped one level down like any ZIP."""
    data = (REAL / "rar3-solid.rar").read_bytes()
    inflated = rar5([("pad.bin", b"\0" * 2 * 1024 * 1024)])
    report = scan(inflated, "a.rar", max_file_size=1024 * 1024)
    assert "max_file_size" in reasons(report)
    assert scan(data, "s.rar").verdict == Verdict.CLEAN


def test_rar_depth_limit(scan: Callable[..., ItemReport]) -> None:
    nested = rar5([("in.rar", rar5([("in2.rar", rar5([("x.txt", MARKER)]))]))])
    report = scan(nested, "a.rar", max_depth=2)
    assert "max_depth" in reasons(report)


@pytest.mark.parametrize("damage", ["truncated", "header", "garbage_after_magic"])
def test_damaged_rar_is_never_clean(scan: Callable[..., ItemReport], damage: str) -> None:
    good = rar5([("run.bat", MARKER * 50), ("b.txt", b"bbb")])
    data = {"truncated": good[: len(good) // 2],
            "header": good[:14] + b"\xff\xff\xff\xff" + good[18:],
            "garbage_after_magic": good[:8] + b"\x00" * 64}[damage]
    report = scan(data, "bad.rar")
    assert report.verdict != Verdict.CLEAN
    assert reasons(report) & {"corrupt", "multivolume", "encrypted"} or report.findings


# --- CAB and MSU ------------------------------------------------------------------------------------

@needs_gcab
def test_cab_and_msu_members_are_scanned(scan: Callable[..., ItemReport]) -> None:
    hotfix = cab([("CrowdStrike_Falcon_Hotfix.exe", MARKER), ("readme.txt", b"hello")])
    assert marker_location(scan(hotfix, "hotfix.cab")) == ("hotfix.cab", "CrowdStrike_Falcon_Hotfix.exe")
    msu = cab([("Windows10.0-KB1-x64.cab", hotfix)], compress=False)
    assert marker_location(scan(msu, "kb.msu")) == ("kb.msu", "Windows10.0-KB1-x64.cab",
                                                     "CrowdStrike_Falcon_Hotfix.exe")


@needs_gcab
def test_cab_limits(scan: Callable[..., ItemReport]) -> None:
    bomb = cab([("zeros.bin", b"\0" * 8 * 1024 * 1024)])
    assert len(bomb) < 200_000
    assert "max_ratio" in reasons(scan(bomb, "bomb.cab", max_ratio=10))
    assert "max_file_size" in reasons(scan(bomb, "bomb.cab", max_file_size=1024 * 1024))
    many = cab([(f"f{i}.txt", b"x") for i in range(5)])
    assert "max_children" in reasons(scan(many, "m.cab", max_children=2))
    msu = cab([("a.cab", cab([("b.cab", cab([("x.txt", MARKER)]))]))])
    assert "max_depth" in reasons(scan(msu, "m.msu", max_depth=2))


@needs_gcab
@pytest.mark.parametrize("damage", ["truncated", "header", "folder"])
def test_damaged_cab_is_never_clean(scan: Callable[..., ItemReport], damage: str) -> None:
    good = cab([("run.bat", MARKER * 200), ("b.txt", b"bbb" * 100)])
    data = {"truncated": good[:60], "header": good[:16] + b"\xff\xff\xff\xff" + good[20:],
            "folder": good[:36] + b"\xff" * 8 + good[44:]}[damage]
    report = scan(data, "bad.cab")
    assert report.verdict != Verdict.CLEAN


# --- XAR (libarchive writes it; LHA has no writer here, its reader is libarchive's too) ---------------

def xar(members: dict[str, bytes]) -> bytes:
    import libarchive

    chunks: list[bytes] = []
    with libarchive.custom_writer(lambda b: chunks.append(bytes(b)) or len(b), "xar") as archive:
        for name, data in members.items():
            archive.add_file_from_memory(name, len(data), data)
    return b"".join(chunks)


def test_xar_members_scanned_and_bounded(scan: Callable[..., ItemReport]) -> None:
    data = xar({"setup/run.bat": MARKER, "a.txt": b"a", "b.txt": b"b"})
    assert marker_location(scan(data, "pkg.xar")) == ("pkg.xar", "setup/run.bat")
    assert "max_children" in reasons(scan(data, "pkg.xar", max_children=2))


@pytest.mark.parametrize("cut", [40, 200])
def test_damaged_xar_is_never_clean(scan: Callable[..., ItemReport], cut: int) -> None:
    report = scan(xar({"setup/run.bat": MARKER * 20})[:cut], "pkg.xar")
    assert report.verdict != Verdict.CLEAN
