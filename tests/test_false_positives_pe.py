"""The brand policy on real software: libwine's PE files, a third of which say "Microsoft Corporation"
in their version info and carry no embedded signature (Microsoft ships system files catalog-signed)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from scanner import Scanner, Verdict
from scanner.config import Settings

from .corpora import all_pe_files, libwine_dir, libwine_skip_reason


@pytest.mark.network
@pytest.mark.slow
def test_unsigned_microsoft_claims_in_libwine_are_not_flagged(tmp_path: Path) -> None:
    root = libwine_dir()
    if root is None:
        pytest.skip(f"libwine corpus unavailable: {libwine_skip_reason()}")
    files = all_pe_files(root)
    assert len(files) > 500
    scanner = Scanner(Settings(cache_dir=str(tmp_path), result_cache=False))
    reports = list(scanner.scan_paths([str(p) for p in files], jobs=2))
    assert len(reports) == len(files)
    mine = ("pe", "signature", "brand")
    by_check = Counter(f"{f.check}:{f.id}" for r in reports for f in r.findings if f.check in mine)
    claims = sum(1 for p in files if "Microsoft Corporation".encode("utf-16-le") in p.read_bytes())
    print(f"\nlibwine: {len(reports)} files, {claims} say Microsoft Corporation; our findings {dict(by_check)}")
    assert claims > len(files) // 4, "the corpus no longer exercises unsigned Microsoft claims"
    malicious = [r.path for r in reports if r.verdict == Verdict.MALICIOUS]
    suspicious = [(r.path, [f.id for f in r.findings]) for r in reports if r.verdict == Verdict.SUSPICIOUS]
    assert not malicious, malicious[:10]
    assert len(suspicious) <= len(reports) // 100, suspicious[:10]
    errors = [i for r in reports for i in r.incomplete if i.check in ("pe", "signature", "brand")]
    assert not errors, errors[:5]
