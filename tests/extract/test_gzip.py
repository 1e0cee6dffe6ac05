from __future__ import annotations

import gzip
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MARKER, MiB, finding_keys, make_zip, reasons

from scanner.api import Scanner
from scanner.models import ItemReport, Verdict

ScannerFactory = Callable[..., Scanner]


def gzip_with_name(stored_name: str | None, data: bytes) -> bytes:
    """gzip bytes whose header carries FNAME `stored_name` (None: no FNAME field)."""
    if stored_name is None:
        return gzip.compress(data, mtime=0)
    buf = io.BytesIO()
    with gzip.GzipFile(filename=stored_name, mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


def scan(tmp_path: Path, factory: ScannerFactory, rules: Path, name: str, data: bytes, **settings: object
         ) -> ItemReport:
    p = tmp_path / name
    p.write_bytes(data)
    return factory(rules, **settings).scan_file(str(p))


def test_fname_is_the_child_name(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    r = scan(tmp_path, make_scanner, rules_dir, "download.gz", gzip_with_name("payload.txt", b"x " + MARKER))
    assert r.type == "gzip"
    assert [s.location for s in r.items] == [("download.gz",), ("download.gz", "payload.txt")]
    assert [f.location for f in r.findings if f.id == "TEST_Marker"] == [("download.gz", "payload.txt")]
    assert r.verdict is Verdict.MALICIOUS


def test_fname_directories_are_dropped(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    r = scan(tmp_path, make_scanner, rules_dir, "x.gz", gzip_with_name("some/dir/inner.txt", b"hello"))
    assert r.items[1].location == ("x.gz", "inner.txt")


@pytest.mark.parametrize(("outer", "child"), [("notes.txt.gz", "notes.txt"), ("bundle.tgz", "bundle.tar"),
                                              ("blob.bin", "blob.bin.out")])
def test_default_child_name_without_fname(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory,
                                          outer: str, child: str) -> None:
    r = scan(tmp_path, make_scanner, rules_dir, outer, gzip_with_name(None, b"hello"))
    assert r.items[1].location == (outer, child)
    assert r.verdict is Verdict.CLEAN and not r.incomplete


def test_gzip_of_zip_is_opened(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    inner = make_zip({"lure.txt": MARKER})
    r = scan(tmp_path, make_scanner, rules_dir, "bundle.zip.gz", gzip_with_name("bundle.zip", inner))
    assert [f.location for f in r.findings if f.id == "TEST_Marker"] == [
        ("bundle.zip.gz", "bundle.zip", "lure.txt")]


def test_truncated_stream_is_corrupt(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    data = gzip_with_name("a.txt", os.urandom(20000))
    r = scan(tmp_path, make_scanner, rules_dir, "cut.gz", data[: len(data) // 2])
    entry = next(i for i in r.incomplete if i.reason == "corrupt")
    assert entry.location == ("cut.gz",)
    assert r.verdict is Verdict.INCOMPLETE


def test_missing_trailer_is_corrupt(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    data = gzip_with_name("a.txt", b"hello world\n" * 100)
    r = scan(tmp_path, make_scanner, rules_dir, "cut.gz", data[:-8])
    assert "corrupt" in reasons(r) and r.verdict is Verdict.INCOMPLETE


def test_what_was_inflated_is_still_scanned(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    data = gzip_with_name("a.txt", b"x " + MARKER + b"\n" + os.urandom(50000))
    r = scan(tmp_path, make_scanner, rules_dir, "cut.gz", data[: len(data) - 1000])
    assert "corrupt" in reasons(r)
    assert "yara:TEST_Marker" in finding_keys(r)
    assert r.verdict is Verdict.MALICIOUS


def test_corrupt_deflate_data(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    header = gzip_with_name("a.txt", b"")[:10 + len("a.txt") + 1]
    r = scan(tmp_path, make_scanner, rules_dir, "bad.gz", header + b"\xff" * 64)
    assert "corrupt" in reasons(r) and r.verdict is Verdict.INCOMPLETE


def test_gzip_ratio_limit(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    r = scan(tmp_path, make_scanner, rules_dir, "zeros.gz", gzip.compress(bytes(8 * MiB), 9))
    assert "max_ratio" in reasons(r) and r.verdict is Verdict.INCOMPLETE


def test_gzip_total_size_limit(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    data = gzip.compress(os.urandom(3 * MiB), 1)
    r = scan(tmp_path, make_scanner, rules_dir, "big.gz", data, max_file_size=4 * MiB, max_total_size=2 * MiB)
    assert "max_total_size" in reasons(r) and r.verdict is Verdict.INCOMPLETE
    r = make_scanner(rules_dir, max_file_size=4 * MiB, max_total_size=4 * MiB).scan_file(str(tmp_path / "big.gz"))
    assert r.verdict is Verdict.CLEAN and not r.incomplete


def test_gzip_member_over_max_file_size(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    # 3 MiB of text compresses to little: the archive is small, its content is not.
    data = gzip.compress(b"".join(b"line %d of a long log\n" % i for i in range(150_000)), 9)
    assert len(data) < MiB
    r = scan(tmp_path, make_scanner, rules_dir, "log.gz", data, max_file_size=MiB, max_ratio=10**6)
    assert "max_file_size" in reasons(r) and r.verdict is Verdict.INCOMPLETE
