"""Issue 13: padding must not buy a clean verdict.

The cheapest change to a lure script is to make it bigger: 360 KB of comment lines appended to
`teams_fix_cradle.ps1` used to scan CLEAN, because the lure rules carried `filesize < 256KB`-style
conditions (and libyara evaluates the condition on the whole file).  Every text lure of the manifest
whose verdict comes from a YARA rule is padded here before and after its content, past every size
such a condition used (256 KiB .. 10 MB would be slow, so 1.5 MiB stands for "past 1 MB"; the
conditions are gone, so no size bound is special any more), and must keep its verdict and rules.
A rule whose size is a signal, not a guard, says why in a `size_signal` meta: padding may cost
that rule, never the flag.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from helpers import MANIFEST, REPO_ROOT, finding_keys

from scanner.api import Scanner
from scanner.config import Settings
from scanner.filetypes import FileType, identify
from scanner.ruleset.catalog import load_catalog

RANK = {"clean": 0, "incomplete": 1, "suspicious": 2, "malicious": 3}
FILLER = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\n"
SIZES = {"300k": 300 * 1024, "1.5M": 1536 * 1024}


def _text_lures() -> list[dict[str, Any]]:
    with MANIFEST.open("rb") as fh:
        entries = tomllib.load(fh).get("sample", [])
    out = []
    for entry in entries:
        path = REPO_ROOT / entry["path"]
        yara_ids = [f for f in entry.get("findings", []) if f.startswith("yara:")]
        if entry["verdict"] in ("suspicious", "malicious") and yara_ids and path.is_file():
            ftype = identify(path.read_bytes(), path.name)
            if ftype.is_text and ftype not in (FileType.EMAIL, FileType.MBOX):
                out.append(entry)
    return out


TEXT_LURES = _text_lures()
SIZE_SIGNAL = {f"yara:{rule.name}" for info in load_catalog([REPO_ROOT / "rules"]) for rule in info.rules
               if str(rule.meta.get("size_signal", "")).strip()}


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(Settings().replace(result_cache=False, jobs=1))


def test_there_are_text_lures_to_pad() -> None:
    assert len(TEXT_LURES) >= 10, [e["path"] for e in TEXT_LURES]


@pytest.mark.parametrize("where", ["after", "before"])
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("entry", TEXT_LURES, ids=[e["path"] for e in TEXT_LURES])
def test_a_padded_lure_keeps_its_verdict_and_rules(entry: dict[str, Any], size: str, where: str,
                                                   scanner: Scanner, tmp_path: Path) -> None:
    original = (REPO_ROOT / entry["path"]).read_bytes()
    pad = FILLER * (SIZES[size] // len(FILLER))
    data = original + b"\n" + pad if where == "after" else pad + original
    padded = tmp_path / Path(entry["path"]).name
    padded.write_bytes(data)
    report = scanner.scan_file(str(padded))
    got = finding_keys(report)
    lost = [f for f in entry["findings"] if f.startswith("yara:") and f not in got]
    detail = f"{entry['path']} padded {size} {where}: {report.verdict.value}, {sorted(got)}"
    if set(lost) <= SIZE_SIGNAL and lost:  # documented: padding may cost that rule, not the flag
        assert RANK[report.verdict.value] >= RANK["suspicious"], detail
        return
    assert RANK[report.verdict.value] >= RANK[entry["verdict"]], detail
    assert not lost, f"lost {lost}; {detail}"


def test_size_signal_rules_exist_and_say_why() -> None:
    assert {"yara:SCAM_Dropper_PS_Download_Execute_Stealth"} == SIZE_SIGNAL
