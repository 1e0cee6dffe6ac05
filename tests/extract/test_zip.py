from __future__ import annotations

import io
import os
import re
import shutil
import struct
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import (
    MARKER,
    GiB,
    MiB,
    finding_keys,
    make_zip,
    nested_zips,
    reasons,
    set_encrypted_flag,
    zero_deflate_stream,
    zip64_single_member,
)

from scanner.api import Scanner
from scanner.config import Settings
from scanner.extract.base import Budget, LimitExceeded
from scanner.models import ItemReport, Verdict

ScannerFactory = Callable[..., Scanner]


def scan(tmp_path: Path, factory: ScannerFactory, rules: Path, name: str, data: bytes, **settings: object
         ) -> ItemReport:
    p = tmp_path / name
    p.write_bytes(data)
    return factory(rules, **settings).scan_file(str(p))


def test_members_are_scanned_with_lineage(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    data = make_zip({"docs/readme.txt": b"hello", "docs/": b"", "payload.txt": b"x " + MARKER})
    r = scan(tmp_path, make_scanner, rules_dir, "a.zip", data)
    assert r.verdict is Verdict.MALICIOUS
    assert [f.location for f in r.findings if f.id == "TEST_Marker"] == [("a.zip", "payload.txt")]
    assert [s.location for s in r.items] == [("a.zip",), ("a.zip", "docs/readme.txt"), ("a.zip", "payload.txt")]
    assert r.score == 80  # a container's score is the highest in its tree
    assert not r.incomplete


def test_nested_lineage(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    r = scan(tmp_path, make_scanner, rules_dir, "outer.zip", nested_zips(["inner.zip"], "x.txt", MARKER))
    marker = [f for f in r.findings if f.id == "TEST_Marker"]
    assert len(marker) == 1
    assert marker[0].location == ("outer.zip", "inner.zip", "x.txt")
    assert r.verdict is Verdict.MALICIOUS


def test_clean_nested_zip_is_clean(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    r = scan(tmp_path, make_scanner, rules_dir, "outer.zip", nested_zips(["a.zip", "b.zip"], "x.txt", b"fine"))
    assert r.verdict is Verdict.CLEAN and not r.incomplete
    assert ("outer.zip", "a.zip", "b.zip", "x.txt") in [s.location for s in r.items]


def test_max_depth(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    data = nested_zips(["l1.zip", "l2.zip", "l3.zip"], "x.txt", MARKER)
    deep = scan(tmp_path, make_scanner, rules_dir, "l0.zip", data, max_depth=2)
    assert "max_depth" in reasons(deep)
    entry = next(i for i in deep.incomplete if i.reason == "max_depth")
    assert entry.location == ("l0.zip", "l1.zip", "l2.zip")
    assert "max_depth" in entry.message
    assert deep.verdict is Verdict.INCOMPLETE  # the marker lies beyond the limit: not found, not clean
    assert "yara:TEST_Marker" not in finding_keys(deep)
    full = make_scanner(rules_dir, max_depth=4).scan_file(str(tmp_path / "l0.zip"))
    assert "yara:TEST_Marker" in finding_keys(full) and not full.incomplete


def test_max_depth_zero_opens_nothing(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    r = scan(tmp_path, make_scanner, rules_dir, "a.zip", make_zip({"x.txt": b"hi"}), max_depth=0)
    assert reasons(r) == {"max_depth"} and r.verdict is Verdict.INCOMPLETE
    assert len(r.items) == 1


def test_max_file_size_member(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    data = make_zip({"big.bin": bytes(2 * MiB), "small.txt": MARKER})  # the archive itself is small
    r = scan(tmp_path, make_scanner, rules_dir, "a.zip", data, max_file_size=MiB)
    entry = next(i for i in r.incomplete if i.reason == "max_file_size")
    assert "big.bin" in entry.message
    assert "yara:TEST_Marker" in finding_keys(r)  # the other member is still scanned


def test_max_total_size(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    members = {f"part{i}.bin": os.urandom(400 * 1024) for i in range(4)}
    r = scan(tmp_path, make_scanner, rules_dir, "a.zip", make_zip(members), max_total_size=MiB)
    assert "max_total_size" in reasons(r)
    assert r.verdict is Verdict.INCOMPLETE
    scanned = [s.location[-1] for s in r.items[1:]]
    assert scanned == ["part0.bin", "part1.bin"]


def test_max_children(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    members = {f"f{i}.txt": b"clean" for i in range(5)}
    r = scan(tmp_path, make_scanner, rules_dir, "a.zip", make_zip(members), max_children=2)
    entry = next(i for i in r.incomplete if i.reason == "max_children")
    assert "5 members" in entry.message
    assert len(r.items) == 3
    assert r.verdict is Verdict.INCOMPLETE


def test_max_ratio(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    data = make_zip({"zeros.bin": bytes(4 * MiB)})
    r = scan(tmp_path, make_scanner, rules_dir, "a.zip", data)
    assert "max_ratio" in reasons(r)
    assert r.verdict is Verdict.INCOMPLETE
    relaxed = make_scanner(rules_dir, max_ratio=100_000).scan_file(str(tmp_path / "a.zip"))
    assert relaxed.verdict is Verdict.CLEAN and not relaxed.incomplete


def test_encrypted_member_flag_bit(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    data = set_encrypted_flag(make_zip({"secret.txt": b"hidden", "open.txt": b"hi"}, zipfile.ZIP_STORED))
    r = scan(tmp_path, make_scanner, rules_dir, "a.zip", data)
    assert "encrypted" in reasons(r)
    assert r.verdict is Verdict.INCOMPLETE


@pytest.mark.skipif(shutil.which("zip") is None, reason="the zip command is not installed")
def test_encrypted_member_zip_p(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "payload.txt").write_bytes(MARKER)
    out = tmp_path / "enc.zip"
    subprocess.run(["zip", "-q", "-P", "secret", str(out), "payload.txt"], cwd=src, check=True, timeout=60)
    r = make_scanner(rules_dir).scan_file(str(out))
    entry = next(i for i in r.incomplete if i.reason == "encrypted")
    assert "payload.txt" in entry.message
    assert r.verdict is Verdict.INCOMPLETE
    assert "yara:TEST_Marker" not in finding_keys(r)


def test_truncated_archive_is_corrupt(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    data = make_zip({"a.txt": b"first member " * 50, "b.txt": b"second member " * 50}, zipfile.ZIP_STORED)
    r = scan(tmp_path, make_scanner, rules_dir, "cut.zip", data[: len(data) // 2])
    assert "corrupt" in reasons(r)
    assert r.verdict is Verdict.INCOMPLETE


def test_members_before_the_cut_are_still_scanned(tmp_path: Path, rules_dir: Path,
                                                  make_scanner: ScannerFactory) -> None:
    # Deflated, so the marker is not visible in the raw archive: only the recovered member shows it.
    data = make_zip({"lure.txt": b"x " + MARKER, "pad.bin": os.urandom(4000)}, zipfile.ZIP_DEFLATED)
    r = scan(tmp_path, make_scanner, rules_dir, "cut.zip", data[: len(data) - 200])
    assert "corrupt" in reasons(r)
    assert [f.location for f in r.findings if f.id == "TEST_Marker"] == [("cut.zip", "lure.txt")]
    assert r.verdict is Verdict.MALICIOUS  # a finding outranks the incomplete part


def test_bad_crc_is_corrupt(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    data = bytearray(make_zip({"x.txt": b"hello world, all fine here"}, zipfile.ZIP_STORED))
    pos = data.find(b"hello world")
    data[pos] ^= 0x20
    r = scan(tmp_path, make_scanner, rules_dir, "crc.zip", bytes(data))
    entry = next(i for i in r.incomplete if i.reason == "corrupt")
    assert "x.txt" in entry.message
    assert r.verdict is Verdict.INCOMPLETE


def test_garbage_with_zip_magic_is_corrupt(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    r = scan(tmp_path, make_scanner, rules_dir, "junk.zip", b"PK\x03\x04" + os.urandom(100))
    assert r.type == "zip"
    assert "corrupt" in reasons(r) and r.verdict is Verdict.INCOMPLETE


def test_central_entry_swallowing_the_next_is_corrupt(tmp_path: Path, rules_dir: Path,
                                                      make_scanner: ScannerFactory) -> None:
    # A huge comment length in the first central entry makes zipfile read past the directory's end:
    # the second member vanishes from infolist() without an error (fuzz: ordinary_names.zip lenfield).
    data = bytearray(make_zip({"a.txt": b"first", "b.txt": b"second"}))
    struct.pack_into("<H", data, data.find(b"PK\x01\x02") + 32, 0x7FFF)
    r = scan(tmp_path, make_scanner, rules_dir, "cd.zip", bytes(data))
    assert reasons(r) == {"corrupt"} and r.verdict is Verdict.INCOMPLETE
    assert "declares 2 members" in r.incomplete[0].message


def test_empty_member_name_is_corrupt(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    # ZipInfo.is_dir() raises IndexError on an empty name (fuzz: budget.xlsx lenfield on a name length).
    data = bytearray(make_zip({"x": b"hello"}))
    struct.pack_into("<HH", data, data.find(b"PK\x01\x02") + 28, 0, 1)  # name length 0, its byte as extra
    r = scan(tmp_path, make_scanner, rules_dir, "e.zip", bytes(data))
    assert reasons(r) == {"corrupt"} and r.verdict is Verdict.INCOMPLETE


@pytest.mark.parametrize("name,members", [("v.zip", {"x.txt": b"x " + MARKER}),
                                          ("v.docx", {"[Content_Types].xml": b"<Types/>", "x.txt": b"x " + MARKER})])
def test_unknown_zip_version_is_corrupt(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory,
                                        name: str, members: dict[str, bytes]) -> None:
    # zipfile raises NotImplementedError for a "version needed" above 6.3 (fuzz: a flipped byte there):
    # the archive and office checks and the extractor crashed on it.
    data = bytearray(make_zip(members))
    for pos in (m.start() for m in re.finditer(b"PK\x01\x02", data)):
        data[pos + 6] = 232
    r = scan(tmp_path, make_scanner, rules_dir, name, bytes(data))
    assert reasons(r) == {"corrupt"}, r.incomplete
    assert "yara:TEST_Marker" in finding_keys(r)  # recovered from the local headers


# --- compression bomb ---------------------------------------------------------------------------

def test_zip64_bomb_is_valid_zip(bomb_inner: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(bomb_inner)) as zf:
        [info] = zf.infolist()
    assert info.filename == "zeros.bin"
    assert info.file_size == 3 * GiB
    assert info.compress_size < 4 * MiB
    assert len(bomb_inner) < 4 * MiB


def test_zip64_stream_inflates_to_zeros() -> None:
    # The same construction, small enough to inflate here: checks the stream and CRC are right.
    stream, crc = zero_deflate_stream(4 * MiB, chunk=MiB)
    archive = zip64_single_member("z.bin", stream, crc, 4 * MiB)
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        assert zf.read("z.bin") == bytes(4 * MiB)  # zipfile verifies the CRC


def test_bomb_outer_ratio(bomb_zip: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    # The deflated outer member (inner.zip) itself expands over 250:1: stopped at the first level.
    r = make_scanner(rules_dir).scan_file(str(bomb_zip))
    assert r.verdict is Verdict.INCOMPLETE
    assert reasons(r) & {"max_ratio", "max_file_size"}
    assert r.score == 0 and not r.findings


@pytest.mark.parametrize(("limits", "reason"), [
    ({}, "max_file_size"),
    ({"max_file_size": 4 * GiB}, "max_total_size"),
    ({"max_file_size": 4 * GiB, "max_total_size": 4 * GiB}, "max_ratio"),
])
def test_bomb_hits_a_limit(bomb_zip_stored: Path, rules_dir: Path, make_scanner: ScannerFactory,
                           limits: dict[str, int], reason: str) -> None:
    r = make_scanner(rules_dir, **limits).scan_file(str(bomb_zip_stored))
    entry = next(i for i in r.incomplete if i.reason == reason)
    assert entry.location == ("bomb.zip", "inner.zip")
    assert "zeros.bin" in entry.message
    assert r.verdict is Verdict.INCOMPLETE
    assert [s.location for s in r.items] == [("bomb.zip",), ("bomb.zip", "inner.zip")]


def test_lying_size_cannot_inflate_more(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    stream, crc = zero_deflate_stream(64 * MiB)
    archive = zip64_single_member("small.txt", stream, crc, 1000)  # claims 1000 bytes
    r = scan(tmp_path, make_scanner, rules_dir, "liar.zip", archive)
    assert r.verdict is Verdict.INCOMPLETE
    assert reasons(r) & {"corrupt", "max_ratio", "max_file_size"}
    assert all(s.size <= 1000 for s in r.items[1:])


# --- the shared budget ------------------------------------------------------------------------

def test_budget_declared_sizes() -> None:
    b = Budget(Settings(max_file_size=10 * MiB, max_total_size=8 * MiB, max_ratio=100))
    b.check_declared("ok", 5 * MiB, 1 * MiB)
    for size, compressed, reason in ((11 * MiB, 11 * MiB, "max_file_size"), (9 * MiB, None, "max_total_size"),
                                     (2 * MiB, 1000, "max_ratio")):
        with pytest.raises(LimitExceeded) as exc:
            b.check_declared("m", size, compressed)
        assert exc.value.reason == reason


def test_budget_read_capped_stops_at_the_cap() -> None:
    b = Budget(Settings(max_file_size=3 * MiB, max_total_size=100 * MiB, max_ratio=10**9))
    stream = io.BytesIO(bytes(10 * MiB))
    with pytest.raises(LimitExceeded) as exc:
        b.read_capped("big", stream.read)
    assert exc.value.reason == "max_file_size"
    assert stream.tell() <= 5 * MiB  # stopped reading soon after the cap


def test_budget_total_is_shared() -> None:
    b = Budget(Settings(max_file_size=10 * MiB, max_total_size=3 * MiB))
    assert len(b.read_capped("a", io.BytesIO(bytes(2 * MiB)).read)) == 2 * MiB
    with pytest.raises(LimitExceeded) as exc:
        b.read_capped("b", io.BytesIO(bytes(2 * MiB)).read)
    assert exc.value.reason == "max_total_size"
