"""Every recognised container is opened or reported: the engine's `incomplete: unsupported` rule."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import reasons

from scanner.api import Scanner
from scanner.extract import EXTRACTORS
from scanner.filetypes import CONTAINERS, ONENOTE_MAGIC, FileType, identify
from scanner.models import Verdict

# Types that hold no other file (an executable's resources are the `pe` check's business).
LEAVES = frozenset({FileType.EMPTY, FileType.PE, FileType.ELF, FileType.MACHO, FileType.LNK, FileType.HTML,
                    FileType.TEXT, FileType.DATA})


def test_every_file_type_is_classified() -> None:
    """A new FileType must be declared a container (and then opened or reported) or a leaf."""
    assert set(FileType) == CONTAINERS | LEAVES and not CONTAINERS & LEAVES


@pytest.mark.parametrize("ftype", sorted(CONTAINERS, key=lambda t: t.value))
def test_every_container_has_an_extractor(ftype: FileType) -> None:
    assert ftype in EXTRACTORS, f"{ftype.value}: recognised as a container, but nothing opens it"


def test_container_without_extractor_is_unsupported(make_scanner: Callable[..., Scanner], rules_dir: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Take an extractor away and the engine says so: never a silent clean."""
    data = ONENOTE_MAGIC + b"\0" * 64
    assert identify(data) == FileType.ONENOTE
    monkeypatch.delitem(EXTRACTORS, FileType.ONENOTE, raising=False)
    report = make_scanner(rules_dir).scan_bytes(data, "notes.one")
    assert "unsupported" in reasons(report) and report.verdict == Verdict.INCOMPLETE


def test_leaf_without_extractor_is_not_reported(make_scanner: Callable[..., Scanner], rules_dir: Path) -> None:
    report = make_scanner(rules_dir).scan_bytes(b"\x7fELF" + b"\0" * 60, "a.out")
    assert report.type == "elf" and not report.incomplete
