"""Data-driven: every `[[sample]]` in samples/manifest.toml, scanned with default settings."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from helpers import MANIFEST, REPO_ROOT, SAMPLES, finding_keys, reasons

from scanner.api import Scanner
from scanner.config import Settings
from scanner.models import ItemReport

VERDICTS = {"clean", "incomplete", "suspicious", "malicious"}


def _load() -> list[dict[str, Any]]:
    if not MANIFEST.is_file():
        return []
    with MANIFEST.open("rb") as fh:
        return list(tomllib.load(fh).get("sample", []))


SAMPLE_ENTRIES = _load()
MISSING = f"{MANIFEST.relative_to(REPO_ROOT)} not written yet"


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    # Default settings, but results are never taken from the cache: the manifest checks real scans.
    return Scanner(Settings().replace(result_cache=False, jobs=1))


def _id(entry: dict[str, Any]) -> str:
    return str(entry.get("path", "?"))


@pytest.mark.skipif(not SAMPLE_ENTRIES, reason=MISSING)
@pytest.mark.parametrize("entry", SAMPLE_ENTRIES, ids=[_id(e) for e in SAMPLE_ENTRIES])
def test_sample(entry: dict[str, Any], scanner: Scanner) -> None:
    path = REPO_ROOT / entry["path"]
    assert path.is_file(), f"manifest names a missing sample: {entry['path']}"
    report: ItemReport = scanner.scan_file(str(path))
    got = finding_keys(report)
    detail = (f"{entry['path']}: verdict {report.verdict.value}, findings {sorted(got)}, "
              f"incomplete {[(i.reason, i.message) for i in report.incomplete]}")
    assert report.verdict.value == entry["verdict"], detail
    missing = [f for f in entry.get("findings", []) if f not in got]
    assert not missing, f"missing findings {missing}; {detail}"
    missing_reasons = [r for r in entry.get("incomplete", []) if r not in reasons(report)]
    assert not missing_reasons, f"missing incomplete reasons {missing_reasons}; {detail}"


@pytest.mark.skipif(not SAMPLE_ENTRIES, reason=MISSING)
def test_manifest_entries_are_well_formed() -> None:
    paths = [e.get("path") for e in SAMPLE_ENTRIES]
    assert len(paths) == len(set(paths)), "a sample is listed twice"
    for e in SAMPLE_ENTRIES:
        assert isinstance(e.get("path"), str) and e["path"].startswith("samples/"), e
        assert e.get("verdict") in VERDICTS, e
        assert isinstance(e.get("findings"), list), e
        assert all(isinstance(f, str) and f.count(":") == 1 for f in e["findings"]), e
        assert isinstance(e.get("incomplete", []), list), e
        if e["verdict"] == "clean":
            assert not e["findings"] and not e.get("incomplete"), e
        if e["verdict"] in ("suspicious", "malicious"):
            assert e["findings"], f"a flagged sample must name the findings that flag it: {e['path']}"
        if e["verdict"] == "incomplete":
            assert e.get("incomplete"), f"an incomplete sample must name its reasons: {e['path']}"


def _sample_files(folder: str) -> list[str]:
    root = SAMPLES / folder
    if not root.is_dir():
        return []
    return sorted(str(p.relative_to(REPO_ROOT)) for p in root.rglob("*") if p.is_file())


@pytest.mark.skipif(not SAMPLE_ENTRIES, reason=MISSING)
@pytest.mark.parametrize("folder", ["clean", "lures", "bad"])
def test_every_sample_file_is_listed(folder: str) -> None:
    listed = {e["path"] for e in SAMPLE_ENTRIES}
    unlisted = [p for p in _sample_files(folder) if p not in listed]
    assert not unlisted, f"files under samples/{folder}/ without a manifest entry: {unlisted}"
