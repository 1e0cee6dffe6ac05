"""Disk images (issue 13): VHD, VHDX and raw FAT/MBR images are opened through 7-Zip, or reported."""

from __future__ import annotations

import shutil
import struct
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MARKER, SAMPLES, make_zip, reasons

from scanner.api import Scanner
from scanner.extract import diskimage, sevenzipcli
from scanner.filetypes import FileType, identify
from scanner.models import ItemReport, Verdict

sys.path.insert(0, str(SAMPLES))
import diskwrite

ScannerFactory = Callable[..., Scanner]
needs_7zz = pytest.mark.skipif(shutil.which("7zz") is None, reason="7zz (Debian 7zip) opens disk images")
LURE = [("Falcon_Hotfix_Instructions.txt", b"Run the hotfix now. " + MARKER), ("readme.txt", b"harmless\r\n")]


@pytest.fixture
def scan(make_scanner: ScannerFactory, rules_dir: Path) -> Callable[..., ItemReport]:
    def run(data: bytes, name: str, **settings: object) -> ItemReport:
        return make_scanner(rules_dir, **settings).scan_bytes(data, name)
    return run


def volume(files: list[tuple[str, bytes]] = LURE, hidden: int = 0) -> bytes:
    return diskwrite.fat12(files, hidden=hidden)


def partitioned(files: list[tuple[str, bytes]] = LURE) -> bytes:
    return diskwrite.mbr([volume(files, hidden=63)])


FORMATS: dict[str, tuple[Callable[[], bytes], FileType]] = {
    "fat.img": (volume, FileType.DISK),
    "mbr.img": (partitioned, FileType.DISK),
    "gpt.img": (lambda: diskwrite.gpt([diskwrite.fat12(LURE, hidden=34)]), FileType.DISK),
    "fixed.vhd": (lambda: diskwrite.vhd_fixed(partitioned()), FileType.VHD),
    "dynamic.vhd": (lambda: diskwrite.vhd_dynamic(partitioned()), FileType.VHD),
    "disk.vhdx": (lambda: diskwrite.vhdx(partitioned()), FileType.VHDX),
}


def inner_names(report: ItemReport) -> list[str]:
    return [i.location[-1] for i in report.items[1:]]


# --- the gap: before issue 13 each of these was `data` and CLEAN ------------------------------------------

@needs_7zz
@pytest.mark.parametrize("name", FORMATS)
def test_lure_inside_a_disk_image_is_found(scan: Callable[..., ItemReport], name: str) -> None:
    build, ftype = FORMATS[name]
    data = build()
    assert identify(data) is ftype
    report = scan(data, name)
    assert report.verdict == Verdict.MALICIOUS, report
    assert inner_names(report) == ["Falcon_Hotfix_Instructions.txt", "readme.txt"]
    assert not report.incomplete


@needs_7zz
def test_two_partitions_are_both_opened(scan: Callable[..., ItemReport]) -> None:
    first = diskwrite.fat12([("a.txt", b"first")], hidden=63)
    second = diskwrite.fat12(LURE, hidden=63 + len(first) // 512)
    report = scan(diskwrite.mbr([first, second]), "two.img")
    assert report.verdict == Verdict.MALICIOUS and not report.incomplete
    assert inner_names(report) == ["0.fat/a.txt", "1.fat/Falcon_Hotfix_Instructions.txt", "1.fat/readme.txt"]


@needs_7zz
def test_clean_disk_image_stays_clean(scan: Callable[..., ItemReport]) -> None:
    report = scan(diskwrite.vhd_dynamic(partitioned([("notes.txt", b"team notes\r\n")])), "notes.vhd")
    assert report.verdict == Verdict.CLEAN and not report.incomplete and inner_names(report) == ["notes.txt"]


# --- identification: structure, not a lone 0x55AA --------------------------------------------------------

def boot_sector(oem: bytes) -> bytes:
    sector = bytearray(512)
    sector[0:3], sector[3:11], sector[510:512] = b"\xebR\x90", oem, b"\x55\xaa"
    struct.pack_into("<H", sector, 11, 512)
    return bytes(sector) + bytes(4096)


@pytest.mark.parametrize("data,expected", [
    (boot_sector(b"NTFS    "), FileType.DISK),
    (boot_sector(b"EXFAT   "), FileType.DISK),
    (boot_sector(b"-FVE-FS-"), FileType.DISK),  # BitLocker
    (bytes(512) + b"EFI PART" + bytes(600), FileType.DISK),
    (bytes(510) + b"\x55\xaa" + bytes(1024), FileType.DATA),  # a boot signature alone
    (bytes(range(256)) * 2 + bytes(100), FileType.DATA),
    (bytes(446) + b"\x80\xfe\xff\xff\x07\xfe\xff\xff" + struct.pack("<II", 0, 100) + bytes(48) + b"\x55\xaa",
     FileType.DATA),  # a partition starting at sector 0 is no partition
    (bytes(446) + b"\x42" + bytes(15) + bytes(48) + b"\x55\xaa", FileType.DATA),  # bad status byte
])
def test_raw_disks_need_structure(data: bytes, expected: FileType) -> None:
    assert identify(data) is expected


def test_hybrid_iso_stays_iso() -> None:
    """Linux ISOs carry an MBR and a GPT for USB sticks: the ISO reader keeps them."""
    data = bytearray(partitioned().ljust(0x9000, b"\0"))
    data[0x8001:0x8006] = b"CD001"
    assert identify(bytes(data)) is FileType.ISO


@needs_7zz
def test_disk_image_starting_with_other_magic_is_still_a_disk(scan: Callable[..., ItemReport]) -> None:
    """An MBR's boot code is free: a disk that starts with a ZIP is opened as the disk Windows mounts,
    not as the decoy archive 7-Zip would pick by itself."""
    decoy = make_zip({"invoice.txt": b"nothing here"})
    disk = bytearray(partitioned())
    assert len(decoy) <= 440
    disk[:len(decoy)] = decoy
    data = diskwrite.vhd_fixed(bytes(disk))
    assert identify(data) is FileType.VHD
    report = scan(data, "decoy.vhd")
    assert report.verdict == Verdict.MALICIOUS
    assert "Falcon_Hotfix_Instructions.txt" in inner_names(report)


# --- never a silent clean ----------------------------------------------------------------------------------

def test_without_7zip_a_disk_image_is_incomplete(scan: Callable[..., ItemReport],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(diskimage.shutil, "which", lambda name: None)
    report = scan(diskwrite.vhd_fixed(partitioned([("notes.txt", b"team notes")])), "notes.vhd")
    assert report.verdict == Verdict.INCOMPLETE and "unsupported" in reasons(report)
    assert "7zz" in report.incomplete[0].message


@pytest.mark.parametrize("oem,reason", [(b"-FVE-FS-", "encrypted"), (b"EXFAT   ", "unsupported")])
def test_unreadable_volumes_are_reported(scan: Callable[..., ItemReport], oem: bytes, reason: str) -> None:
    report = scan(boot_sector(oem), "volume.img")
    assert report.verdict == Verdict.INCOMPLETE and reason in reasons(report)


@needs_7zz
def test_partition_without_a_readable_file_system_is_reported(scan: Callable[..., ItemReport]) -> None:
    unknown = b"\x11" * 64 * 512
    report = scan(diskwrite.mbr([unknown, volume([("a.txt", b"x")], hidden=127)]), "odd.img")
    assert report.verdict == Verdict.INCOMPLETE and "unsupported" in reasons(report)
    assert "1.fat/a.txt" in inner_names(report)


@needs_7zz
def test_a_decoy_first_layer_is_not_trusted(scan: Callable[..., ItemReport], monkeypatch: pytest.MonkeyPatch) -> None:
    """When 7-Zip's own guess opens another format first (a ZIP in the boot code), the layer the bytes
    say is forced, one layer at a time: the partition, then its file system."""
    real = sevenzipcli.Runner.listing

    def decoy(self: sevenzipcli.Runner, image: Path, force: str | None = None) -> sevenzipcli.Listing:
        if force is None:
            return sevenzipcli.Listing(chain=("Zip",), entries=(sevenzipcli.Entry("invoice.txt", 12, False, False),))
        return real(self, image, force)

    monkeypatch.setattr(sevenzipcli.Runner, "listing", decoy)
    report = scan(partitioned(), "decoy.img")
    assert report.verdict == Verdict.MALICIOUS and not report.incomplete
    assert inner_names(report) == ["0.fat/Falcon_Hotfix_Instructions.txt", "0.fat/readme.txt"]


@needs_7zz
def test_ntfs_volume_files_without_its_metadata(scan: Callable[..., ItemReport]) -> None:
    """NTFS's metadata files ($MFT, $LogFile, $BadClus declaring the whole volume) are not children."""
    data = (SAMPLES / "lures" / "containers" / "falcon_hotfix_ntfs.vhd").read_bytes()
    report = scan(data, "hotfix.vhd")
    assert inner_names(report) == ["CrowdStrike_Falcon_Hotfix.exe", "README.txt"] and not report.incomplete


def test_bitlocker_is_reported_encrypted_even_without_7zip(scan: Callable[..., ItemReport],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(diskimage.shutil, "which", lambda name: None)
    assert "encrypted" in reasons(scan(boot_sector(b"-FVE-FS-"), "volume.img"))


def test_a_users_own_system_folder_is_scanned() -> None:
    """7-Zip lists NTFS's metadata as `[SYSTEM]/$MFT`; a folder a user names `[SYSTEM]` lists the same
    way.  Skipping everything under `[SYSTEM]/$` let a lure hide as `[SYSTEM]/$Update.exe`."""
    ntfs = sevenzipcli.Listing(chain=("VHD", "MBR", "NTFS"))

    def entry(path: str, system: bool) -> sevenzipcli.Entry:
        return sevenzipcli.Entry(path, 1024, folder=False, encrypted=False, system=system)

    assert diskimage._metadata(ntfs, entry("[SYSTEM]/$MFT", True))
    assert diskimage._metadata(ntfs, entry("[SYSTEM]/$Extend/$UsnJrnl:$J", True))
    assert not diskimage._metadata(ntfs, entry("[SYSTEM]/$Update.exe", False))
    assert not diskimage._metadata(ntfs, entry("[SYSTEM]/$Update.exe", True))  # not one of NTFS's names
    assert not diskimage._metadata(ntfs, entry("[SYSTEM]/$MFT", False))  # a user's file: no S attribute
    assert not diskimage._metadata(sevenzipcli.Listing(chain=("MBR", "FAT")), entry("[SYSTEM]/$MFT", True))
