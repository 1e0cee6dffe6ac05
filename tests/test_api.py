from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MARKER, MiB, finding_keys, make_zip, reasons, write_rules_dir

import scanner
from scanner.api import MMAP_ABOVE, Scanner
from scanner.config import Settings
from scanner.models import Verdict

ScannerFactory = Callable[..., Scanner]


def test_public_api_exports() -> None:
    for name in ("scan_path", "scan_bytes", "Scanner", "ScanReport", "Verdict", "__version__"):
        assert hasattr(scanner, name)
    assert scanner.__version__.count(".") >= 2


def test_scan_bytes(rules_dir: Path, tmp_path: Path) -> None:
    settings = Settings().replace(rules_dirs=(str(rules_dir),), use_bundled_rules=False)
    r = scanner.scan_bytes(b"x " + MARKER, "lure.txt", settings)
    assert r.path == "lure.txt" and r.type == "text"
    assert r.sha256 == hashlib.sha256(b"x " + MARKER).hexdigest()
    assert r.verdict is Verdict.MALICIOUS
    assert [f.location for f in r.findings] == [("lure.txt",)]


def test_scan_path_directory(tmp_path: Path, rules_dir: Path) -> None:
    d = tmp_path / "d"
    (d / "sub").mkdir(parents=True)
    (d / "b.txt").write_text("fine")
    (d / "a.txt").write_bytes(MARKER)
    (d / "sub" / "c.zip").write_bytes(make_zip({"x.txt": b"ok"}))
    settings = Settings().replace(rules_dirs=(str(rules_dir),), use_bundled_rules=False)
    reports = scanner.scan_path(str(d), settings)
    assert [os.path.relpath(r.path, d) for r in reports] == ["a.txt", "b.txt", os.path.join("sub", "c.zip")]
    assert [r.verdict for r in reports] == [Verdict.MALICIOUS, Verdict.CLEAN, Verdict.CLEAN]
    assert all(r.sha256 == hashlib.sha256(Path(r.path).read_bytes()).hexdigest() for r in reports)


def test_report_path_is_as_given(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    p = tmp_path / "a.txt"
    p.write_text("x")
    r = make_scanner(rules_dir).scan_file(str(p))
    assert r.path == str(p) and r.size == 1 and r.duration_ms >= 0


def test_empty_file(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    p = tmp_path / "empty.bin"
    p.touch()
    r = make_scanner(rules_dir).scan_file(str(p))
    assert (r.verdict, r.type, r.size, r.incomplete) == (Verdict.CLEAN, "empty", 0, ())
    assert r.sha256 == hashlib.sha256(b"").hexdigest()


def test_file_over_max_file_size(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    data = b"x" * (2 * MiB) + MARKER
    p = tmp_path / "big.txt"
    p.write_bytes(data)
    r = make_scanner(rules_dir, max_file_size=MiB).scan_file(str(p))
    assert r.verdict is Verdict.INCOMPLETE and reasons(r) == {"max_file_size"}
    assert r.size == len(data)
    assert r.sha256 == hashlib.sha256(data).hexdigest()  # still identified by hash
    assert not r.findings


def test_large_file_is_mapped_and_fully_scanned(tmp_path: Path, rules_dir: Path,
                                                make_scanner: ScannerFactory) -> None:
    p = tmp_path / "large.bin"
    with p.open("wb") as fh:
        fh.truncate(MMAP_ABOVE + MiB)
        fh.seek(MMAP_ABOVE + 100)
        fh.write(MARKER)
    r = make_scanner(rules_dir).scan_file(str(p))
    f = next(f for f in r.findings if f.id == "TEST_Marker")
    assert f.evidence["strings"][0]["offset"] == MMAP_ABOVE + 100
    assert r.size == MMAP_ABOVE + MiB


def test_large_zip_is_mapped_and_opened(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    p = tmp_path / "large.zip"
    import zipfile

    with zipfile.ZipFile(p, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("pad.bin", os.urandom(MMAP_ABOVE + MiB))
        zf.writestr("lure.txt", MARKER, compress_type=zipfile.ZIP_DEFLATED)  # not visible in the raw file
    r = make_scanner(rules_dir).scan_file(str(p))
    assert [f.location for f in r.findings if f.id == "TEST_Marker"] == [("large.zip", "lure.txt")]
    assert not r.incomplete


def test_fifo_is_never_opened(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    s = make_scanner(rules_dir)
    [r] = list(s.scan_paths([str(fifo)], jobs=1))
    assert r.verdict is Verdict.INCOMPLETE and reasons(r) == {"special_file"}
    # Even called directly, the file is refused after a non-blocking open (no writer needed).
    r2 = s.scan_file(str(fifo))
    assert reasons(r2) == {"special_file"}


def test_dev_null(rules_dir: Path, make_scanner: ScannerFactory) -> None:
    [r] = list(make_scanner(rules_dir).scan_paths(["/dev/null"], jobs=1))
    assert reasons(r) == {"special_file"} and r.verdict is Verdict.INCOMPLETE


def test_missing_file(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    [r] = list(make_scanner(rules_dir).scan_paths([str(tmp_path / "gone.txt")], jobs=1))
    assert reasons(r) == {"unreadable"} and r.verdict is Verdict.INCOMPLETE


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root: file permissions do not block reads")
def test_unreadable_file(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    p = tmp_path / "secret.txt"
    p.write_text("x")
    p.chmod(0)
    try:
        [r] = list(make_scanner(rules_dir).scan_paths([str(p)], jobs=1))
    finally:
        p.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert reasons(r) == {"unreadable"} and r.verdict is Verdict.INCOMPLETE


def _non_utf8_file(tmp_path: Path, data: bytes) -> bytes:
    d = tmp_path / "d"
    d.mkdir()
    raw = os.path.join(os.fsencode(d), b"caf\xe9.txt")
    with open(raw, "wb") as fh:
        fh.write(data)
    return raw


def test_non_utf8_file_name(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    raw = _non_utf8_file(tmp_path, b"harmless")
    [r] = list(make_scanner(rules_dir).scan_paths([os.fsdecode(os.path.dirname(raw))], jobs=1))
    assert os.fsencode(r.path) == raw
    assert r.type == "text" and r.sha256 == hashlib.sha256(b"harmless").hexdigest()
    assert r.items[0].location == (os.fsdecode(b"caf\xe9.txt"),)


def test_non_utf8_file_name_is_still_matched(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    raw = _non_utf8_file(tmp_path, MARKER)
    r = make_scanner(rules_dir).scan_file(os.fsdecode(raw))
    assert "check_error" not in reasons(r)
    assert r.verdict is Verdict.MALICIOUS
    assert r.findings[0].location == (os.fsdecode(b"caf\xe9.txt"),)


def test_symlink_loop_directory(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text("fine")
    (d / "loop").symlink_to(d, target_is_directory=True)
    (d / "up").symlink_to(tmp_path, target_is_directory=True)
    reports = list(make_scanner(rules_dir).scan_paths([str(d)], jobs=1))
    assert [Path(r.path).name for r in reports] == ["a.txt"]
    assert reports[0].verdict is Verdict.CLEAN


def test_self_referencing_symlink(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text("fine")
    (d / "self").symlink_to(d / "self")
    reports = {Path(r.path).name: r for r in make_scanner(rules_dir).scan_paths([str(d)], jobs=1)}
    assert reports["a.txt"].verdict is Verdict.CLEAN
    assert reasons(reports["self"]) == {"unreadable"}


def test_nothing_written_next_to_scanned_files(tmp_path: Path, rules_dir: Path, cache_home: Path) -> None:
    d = tmp_path / "user-files"
    d.mkdir()
    (d / "a.txt").write_bytes(MARKER)
    (d / "b.zip").write_bytes(make_zip({"c.txt": b"x", "d.zip": make_zip({"e.txt": MARKER})}))
    (d / "f.gz").write_bytes(__import__("gzip").compress(b"hello"))
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    # Default settings: caches go to XDG_CACHE_HOME (the suite's cache_home), not next to the files.
    s = Scanner(Settings().replace(rules_dirs=(str(rules_dir),)))
    list(s.scan_paths([str(d)], jobs=1))
    list(s.scan_paths([str(d)], jobs=1))
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert after == before
    assert (cache_home / "scamscan").is_dir()


def test_rules_dir_with_yara_subfolder_and_plain_folder(tmp_path: Path, make_scanner: ScannerFactory) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "r.yar").write_text('rule PLAIN { strings: $a = "plain-token" condition: $a }')
    nested = write_rules_dir(tmp_path / "nested", {"n.yar": 'rule NESTED { strings: $a = "nested-token" '
                                                            'condition: $a }'})
    s = Scanner(Settings().replace(rules_dirs=(str(plain), str(nested)), use_bundled_rules=False,
                                   cache_dir=str(tmp_path / "c")))
    r = s.scan_bytes(b"plain-token nested-token", "a.txt")
    assert finding_keys(r) == {"yara:PLAIN", "yara:NESTED"}
