"""No false alarms on real software: Debian's libwine holds ~700 real Windows PE files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from scanner import Scanner, Verdict
from scanner.config import Settings

from .corpora import all_pe_files, libwine_dir, libwine_skip_reason


@pytest.fixture(scope="module")
def libwine_files() -> list[Path]:
    root = libwine_dir()
    if root is None:
        pytest.skip(f"libwine corpus unavailable: {libwine_skip_reason()}")
    files = all_pe_files(root)
    assert len(files) > 500, f"expected ~700 PE files in {root}, found {len(files)}"
    return files


@pytest.mark.network
@pytest.mark.slow
def test_bundled_rules_do_not_flag_libwine(libwine_files: list[Path], tmp_path: Path) -> None:
    scanner = Scanner(Settings(cache_dir=str(tmp_path), result_cache=False))
    reports = list(scanner.scan_paths([str(p) for p in libwine_files], jobs=2))
    verdicts = Counter(r.verdict for r in reports)
    flagged = [(r.path, [f.id for f in r.findings]) for r in reports if r.verdict >= Verdict.SUSPICIOUS]
    print(f"\nlibwine: {len(reports)} PE files scanned, verdicts {dict(verdicts)}")
    assert len(reports) == len(libwine_files)
    assert not flagged, f"bundled rules flag real software: {flagged[:10]}"
    assert verdicts[Verdict.INCOMPLETE] == 0, [r.incomplete for r in reports if r.incomplete][:5]
