from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MARKER, TEST_RULES, make_zip, set_encrypted_flag, write_rules_dir

from scanner.api import Scanner
from scanner.cache import ResultCache
from scanner.models import ItemReport, Verdict

ScannerFactory = Callable[..., Scanner]


def comparable(r: ItemReport) -> dict[str, object]:
    d = r.to_dict()
    d.pop("duration_ms")
    d.pop("cached")
    return d


@pytest.fixture
def target(tmp_path: Path) -> Path:
    p = tmp_path / "files" / "bundle.zip"
    p.parent.mkdir()
    p.write_bytes(make_zip({"readme.txt": b"hello", "lure.txt": b"x " + MARKER}))
    return p


def test_second_scan_is_cached_and_identical(target: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    first = make_scanner(rules_dir).scan_file(str(target))
    second = make_scanner(rules_dir).scan_file(str(target))  # a new process would do the same
    assert (first.cached, second.cached) == (False, True)
    assert comparable(second) == comparable(first)
    assert [f.evidence for f in second.findings] == [f.evidence for f in first.findings]
    assert second.verdict is Verdict.MALICIOUS


def test_same_scanner_reuses_cache(target: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    s = make_scanner(rules_dir)
    assert not s.scan_file(str(target)).cached
    assert s.scan_file(str(target)).cached


def test_changed_file_misses(target: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    make_scanner(rules_dir).scan_file(str(target))
    target.write_bytes(make_zip({"readme.txt": b"hello"}))
    r = make_scanner(rules_dir).scan_file(str(target))
    assert not r.cached and r.verdict is Verdict.CLEAN


def test_changed_yara_rules_miss(target: Path, tmp_path: Path, make_scanner: ScannerFactory) -> None:
    rules = write_rules_dir(tmp_path / "r", {"t.yar": TEST_RULES})
    assert make_scanner(rules).scan_file(str(target)).verdict is Verdict.MALICIOUS
    (rules / "yara" / "t.yar").write_text('rule OTHER { strings: $a = "zzz-not-present" condition: $a }')
    r = make_scanner(rules).scan_file(str(target))
    assert not r.cached and r.verdict is Verdict.CLEAN


def test_added_rule_file_misses(target: Path, tmp_path: Path, make_scanner: ScannerFactory) -> None:
    rules = write_rules_dir(tmp_path / "r", {"t.yar": 'rule NOPE { strings: $a = "zzz-absent" condition: $a }'})
    assert make_scanner(rules).scan_file(str(target)).verdict is Verdict.CLEAN
    (rules / "yara" / "new.yar").write_text(TEST_RULES)
    r = make_scanner(rules).scan_file(str(target))
    assert not r.cached and r.verdict is Verdict.MALICIOUS


def test_changed_ioc_list_misses(tmp_path: Path, make_scanner: ScannerFactory) -> None:
    rules = write_rules_dir(tmp_path / "r", {"t.yar": TEST_RULES}, domains=[("other.example", "c", "r")])
    p = tmp_path / "note.txt"
    p.write_text("get the fix from evil-fix.example.net\n")
    assert make_scanner(rules).scan_file(str(p)).verdict is Verdict.CLEAN
    write_rules_dir(tmp_path / "r", {"t.yar": TEST_RULES},
                    domains=[("other.example", "c", "r"), ("evil-fix.example.net", "c", "r")])
    r = make_scanner(rules).scan_file(str(p))
    assert r.verdict is Verdict.MALICIOUS and not r.cached


def test_changed_settings_miss(target: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    make_scanner(rules_dir).scan_file(str(target))
    r = make_scanner(rules_dir, max_depth=0).scan_file(str(target))
    assert not r.cached and r.verdict is Verdict.INCOMPLETE
    r = make_scanner(rules_dir, malicious_threshold=90).scan_file(str(target))
    assert not r.cached and r.verdict is Verdict.SUSPICIOUS


def test_same_content_other_path_misses(target: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    make_scanner(rules_dir).scan_file(str(target))
    copy = target.with_name("copy.zip")
    copy.write_bytes(target.read_bytes())
    r = make_scanner(rules_dir).scan_file(str(copy))
    assert not r.cached  # rules may depend on the file path
    assert r.path == str(copy)
    assert r.findings[0].location[0] == "copy.zip"


def test_incomplete_results_are_not_cached(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    p = tmp_path / "locked.zip"
    p.write_bytes(set_encrypted_flag(make_zip({"a.txt": b"x"})))
    make_scanner(rules_dir).scan_file(str(p))
    r = make_scanner(rules_dir).scan_file(str(p))
    assert not r.cached and r.verdict is Verdict.INCOMPLETE


def test_no_cache_setting(target: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    make_scanner(rules_dir, result_cache=False).scan_file(str(target))
    assert not make_scanner(rules_dir, result_cache=False).scan_file(str(target)).cached


def test_damaged_entry_is_a_miss(target: Path, rules_dir: Path, make_scanner: ScannerFactory,
                                 tmp_path: Path) -> None:
    import diskcache

    make_scanner(rules_dir).scan_file(str(target))
    store = diskcache.Cache(str(tmp_path / "scanner-cache" / "results"))
    keys = list(store)
    assert len(keys) == 1
    store.set(keys[0], "{ not json")
    r = make_scanner(rules_dir).scan_file(str(target))
    assert not r.cached and r.verdict is Verdict.MALICIOUS
    store.set(keys[0], json.dumps({"path": "x"}))
    assert not make_scanner(rules_dir).scan_file(str(target)).cached


def test_damaged_store_is_a_miss(target: Path, rules_dir: Path, make_scanner: ScannerFactory,
                                 tmp_path: Path) -> None:
    db = tmp_path / "scanner-cache" / "results" / "cache.db"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not a SQLite database" * 100)
    r = make_scanner(rules_dir).scan_file(str(target))
    assert r.verdict is Verdict.MALICIOUS and not r.cached


def test_cache_size_is_limited_and_old_entries_evicted(tmp_path: Path) -> None:
    limit = 256 * 1024
    cache = ResultCache(tmp_path, "ns", max_size=limit)
    from scanner.models import Finding, Severity

    big = Finding("yara", "X", Severity.LOW, 1, "m", {"blob": "x" * 8000})
    for n in range(1000):  # about 8 MB of results
        cache.put(ItemReport(f"/f{n}", f"{n:064x}", "text", 3, Verdict.CLEAN, 0, findings=(big,)))
    assert cache.volume() <= 2 * limit
    assert cache.get(f"{0:064x}", "/f0") is None  # the oldest went first
    assert cache.get(f"{999:064x}", "/f999") is not None
    # On disk: the limit plus SQLite's write-ahead log, which checkpoints at about 4 MB.
    on_disk = sum(f.stat().st_size for f in (tmp_path / "results").rglob("*") if f.is_file())
    assert on_disk <= 2 * limit + 5 * 1024 * 1024, on_disk


def test_cache_max_size_is_a_setting(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    s = make_scanner(rules_dir, cache_max_size="1MB")
    assert s.cache is not None and s.cache.max_size == 1024 * 1024


def test_result_cache_unit(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, "ns")
    report = ItemReport("/a/b.txt", "f" * 64, "text", 3, Verdict.CLEAN, 0)
    assert cache.get("f" * 64, "/a/b.txt") is None
    cache.put(report)
    hit = cache.get("f" * 64, "/a/b.txt")
    assert hit is not None and hit.cached and hit.path == "/a/b.txt"
    assert cache.get("e" * 64, "/a/b.txt") is None
    assert ResultCache(tmp_path, "other-ns").get("f" * 64, "/a/b.txt") is None


def test_unwritable_cache_is_harmless(target: Path, rules_dir: Path, make_scanner: ScannerFactory,
                                      tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be")
    r = make_scanner(rules_dir, cache_dir=str(blocker)).scan_file(str(target))
    assert r.verdict is Verdict.MALICIOUS and not r.cached


def test_changed_brand_policy_or_trust_anchor_misses(tmp_path: Path) -> None:
    """Results depend on brands.toml and trust/*.pem too: changing either changes the key."""
    from scanner.rules import content_fingerprint

    base = tmp_path / "rules"
    (base / "trust").mkdir(parents=True)
    (base / "brands.toml").write_text('[brands.acme]\nnames = ["Acme"]\n')
    (base / "trust" / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    first = content_fingerprint([base])
    (base / "brands.toml").write_text('[brands.acme]\nnames = ["Acme", "ACME Corp"]\n')
    second = content_fingerprint([base])
    (base / "trust" / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n")
    third = content_fingerprint([base])
    assert len({first, second, third}) == 3


def test_edited_code_is_not_answered_from_the_cache(target: Path, rules_dir: Path,
                                                    make_scanner: ScannerFactory) -> None:
    """A development checkout whose code changed under the same version gets fresh results."""
    import os

    import scanner.engine
    from scanner.cache import code_fingerprint

    module = Path(scanner.engine.__file__)
    before = module.stat()
    assert not make_scanner(rules_dir).scan_file(str(target)).cached
    assert make_scanner(rules_dir).scan_file(str(target)).cached
    try:
        os.utime(module, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
        code_fingerprint.cache_clear()
        assert not make_scanner(rules_dir).scan_file(str(target)).cached
    finally:
        os.utime(module, ns=(before.st_atime_ns, before.st_mtime_ns))
        code_fingerprint.cache_clear()
