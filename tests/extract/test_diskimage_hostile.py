"""Hostile disk images (issue 13): each ends `incomplete` or scanned, never a crash, a hang or a clean."""

from __future__ import annotations

import shutil
import struct
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MARKER, SAMPLES, reasons

from scanner.api import Scanner
from scanner.config import Settings
from scanner.extract import sevenzipcli
from scanner.filetypes import FileType, identify
from scanner.models import ItemReport, Verdict
from scanner.render.text import render_file

sys.path.insert(0, str(SAMPLES))
import diskwrite

ScannerFactory = Callable[..., Scanner]
TEXT = b"Run the hotfix now. " * 60  # 1200 bytes: three clusters
LURE = [("Falcon_Hotfix_Instructions.txt", TEXT + MARKER), ("readme.txt", b"harmless\r\n")]
needs_7zz = pytest.mark.skipif(shutil.which("7zz") is None, reason="7zz (Debian 7zip) opens disk images")


@pytest.fixture
def scan(make_scanner: ScannerFactory, rules_dir: Path) -> Callable[..., ItemReport]:
    def run(data: bytes, name: str, **settings: object) -> ItemReport:
        return make_scanner(rules_dir, **settings).scan_bytes(data, name)
    return run


def lure_disk() -> bytes:
    return diskwrite.mbr([diskwrite.fat12(LURE, hidden=63)])


def short_entry(volume: bytearray, n: int = 1) -> int:
    return volume.find(f"FILE{n:04d}".encode())


def set_fat12(volume: bytearray, cluster: int, value: int) -> None:
    at = 512 + cluster * 3 // 2  # the first FAT follows the boot sector
    if cluster % 2 == 0:
        volume[at], volume[at + 1] = value & 0xFF, (volume[at + 1] & 0xF0) | (value >> 8)
    else:
        volume[at], volume[at + 1] = (volume[at] & 0x0F) | ((value & 0x0F) << 4), value >> 4


def not_clean(report: ItemReport) -> None:
    assert report.verdict != Verdict.CLEAN, report


@needs_7zz
@pytest.mark.parametrize("name,build", [
    ("fat.img", lambda: diskwrite.fat12(LURE)),
    ("fixed.vhd", lambda: diskwrite.vhd_fixed(lure_disk())),
    ("dynamic.vhd", lambda: diskwrite.vhd_dynamic(lure_disk())),
    ("disk.vhdx", lambda: diskwrite.vhdx(lure_disk())),
])
@pytest.mark.parametrize("keep", [0.02, 0.5, 0.9])
def test_truncated_images_are_never_clean(scan: Callable[..., ItemReport], name: str,
                                          build: Callable[[], bytes], keep: float) -> None:
    data = build()
    cut = data[:max(1024, int(len(data) * keep))]
    report = scan(cut, name)
    if identify(cut) in (FileType.DISK, FileType.VHD, FileType.VHDX):
        assert "corrupt" in reasons(report) or report.verdict == Verdict.MALICIOUS, report
    if MARKER in cut:
        not_clean(report)


@needs_7zz
def test_fixed_vhd_with_a_bad_footer_is_read_as_its_raw_disk(scan: Callable[..., ItemReport]) -> None:
    data = bytearray(diskwrite.vhd_fixed(lure_disk()))
    data[-512 + 64] ^= 0xFF  # footer checksum: 7-Zip refuses the VHD
    report = scan(bytes(data), "bad_footer.vhd")
    assert report.type == "vhd" and "corrupt" in reasons(report)
    assert [i.location[-1] for i in report.items[1:]] == ["Falcon_Hotfix_Instructions.txt", "readme.txt"]


@needs_7zz
def test_partition_pointing_past_the_end(scan: Callable[..., ItemReport]) -> None:
    disk = bytearray(diskwrite.mbr([diskwrite.fat12([("notes.txt", b"notes")], hidden=63)]))
    struct.pack_into("<I", disk, 446 + 8, 10_000_000)  # starts 5 GB in, in a 160 KB file
    assert identify(bytes(disk)) is FileType.DISK
    report = scan(bytes(disk), "past_end.img")
    assert report.verdict == Verdict.INCOMPLETE and "corrupt" in reasons(report)


@needs_7zz
def test_fat_cluster_loop_ends(scan: Callable[..., ItemReport]) -> None:
    """The file's last cluster points back to its first and its size claims 1 MB: the chain is
    followed only as far as the declared size, what was read is scanned, the rest reported."""
    volume = bytearray(diskwrite.fat12(LURE))
    set_fat12(volume, 4, 2)  # clusters 2, 3, 4, then 2 again
    struct.pack_into("<I", volume, short_entry(volume) + 28, 1_000_000)
    report = scan(bytes(volume), "loop.img")
    assert "corrupt" in reasons(report) and report.verdict != Verdict.CLEAN


@needs_7zz
def test_dynamic_vhd_block_table_outside_the_file(scan: Callable[..., ItemReport]) -> None:
    data = diskwrite.vhd_dynamic(diskwrite.mbr([diskwrite.fat12([("notes.txt", b"notes")], hidden=63)]),
                                 bat_override={0: 0x7FFFFF00})
    report = scan(data, "bat.vhd")
    assert report.verdict == Verdict.INCOMPLETE and "corrupt" in reasons(report)


@needs_7zz
def test_huge_declared_file_is_refused_before_reading(scan: Callable[..., ItemReport]) -> None:
    volume = bytearray(diskwrite.fat12(LURE))
    struct.pack_into("<I", volume, short_entry(volume) + 28, 0xFFFFFFF0)  # 4 GB in a 128 KB image
    report = scan(bytes(volume), "huge.img")
    assert "max_file_size" in reasons(report)
    assert [i.location[-1] for i in report.items[1:]] == ["readme.txt"]


@needs_7zz
def test_huge_virtual_disk_is_not_allocated(scan: Callable[..., ItemReport]) -> None:
    """A dynamic VHD declaring 256 GiB in 600 KB: only the stored blocks are ever read."""
    data = diskwrite.vhd_dynamic(lure_disk(), block=2 * 1024 * 1024, virtual_size=256 * 2**30)
    assert len(data) < 3 * 2**20
    report = scan(data, "huge.vhd")
    assert report.verdict == Verdict.MALICIOUS and not report.incomplete


@needs_7zz
def test_hostile_names_stay_inside_and_are_scanned(scan: Callable[..., ItemReport]) -> None:
    data = diskwrite.fat12([("../../Startup/hotfix.txt", TEXT + MARKER),
                            ("fix\x1b[2K\r\nCLEAN.txt", TEXT + MARKER)])
    report = scan(data, "names.img")
    names = [i.location[-1] for i in report.items[1:]]
    assert len(names) == 2 and not any("/" in n for n in names), names  # one level: nothing climbs out
    assert any(f.id == "TEST_Marker" and len(f.location) == 2 for f in report.findings)
    shown = render_file(report, verbose=True)  # the exact name stays in JSON; the terminal sees it escaped
    assert "\x1b" not in shown and "\\x1b" in shown


@needs_7zz
def test_limits_apply_inside_disk_images(scan: Callable[..., ItemReport]) -> None:
    files = [(f"f{n}.txt", b"x" * 10) for n in range(12)]
    report = scan(diskwrite.fat12(files), "many.img", max_children=5)
    assert "max_children" in reasons(report) and len(report.items) == 6
    report = scan(diskwrite.fat12(LURE), "big.img", max_file_size=1000)
    assert "max_file_size" in reasons(report)


@needs_7zz
def test_sparse_disk_ratio_is_checked_before_writing(scan: Callable[..., ItemReport]) -> None:
    """A dynamic VHD stores no block of zeros: a 1.5 MB file of zeros costs the image nothing."""
    volume = diskwrite.fat12([("zeros.bin", bytes(1536 * 1024)), ("readme.txt", b"x")], sectors=4000, hidden=63)
    data = diskwrite.vhd_dynamic(diskwrite.mbr([volume]))
    report = scan(data, "sparse.vhd", max_ratio=4)
    assert "max_ratio" in reasons(report) and [i.location[-1] for i in report.items[1:]] == ["readme.txt"]


@needs_7zz
def test_7zip_cannot_write_past_max_file_size(tmp_path: Path) -> None:
    """The file-size limit holds even if a listing lied about sizes: 7-Zip is stopped by SIGXFSZ."""
    image = tmp_path / "disk.fat"
    image.write_bytes(diskwrite.fat12([("big.bin", b"y" * 20_000)]))
    runner = sevenzipcli.Runner(str(shutil.which("7zz")), Settings().replace(max_file_size=4096))
    result = runner.extract(image, tmp_path / "out", None, None)
    assert not result.ok and result.reason == "max_file_size"
    assert all(p.stat().st_size <= 4096 + 1024 for p in (tmp_path / "out").rglob("*") if p.is_file())


def test_a_hanging_7zip_is_killed(tmp_path: Path) -> None:
    tool = tmp_path / "7zz"
    tool.write_text("#!/bin/sh\nsleep 60\n")
    tool.chmod(0o755)
    (tmp_path / "disk.vhd").write_bytes(b"x")
    listing = sevenzipcli.Runner(str(tool), Settings().replace(timeout=1.0)).listing(tmp_path / "disk.vhd")
    assert listing.fatal and listing.reason == "timeout"
