"""The fuzz harness (fuzz/) without atheris: every target has seeds from samples/, its seeds go
through the engine without a finding, and a scan past the CPU bound is reported as a hang."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from fuzz import harness
from fuzz.seeds import seeds
from fuzz.targets import TARGETS

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", list(TARGETS))
def test_every_target_is_seeded_and_its_seeds_scan_cleanly(name: str) -> None:
    found = seeds(TARGETS[name].seeds)
    assert found, f"no samples/ file of type {TARGETS[name].seeds} seeds {name}"
    for data in sorted(found.values(), key=len)[:3]:
        harness.run(data, TARGETS[name].filetype)  # raises on an escaped exception or a hang


def test_the_target_list_imports_nothing_from_scanner() -> None:
    """fuzz.target reads the target list before it starts instrumenting: a `scanner` import there
    would import the whole scanner uninstrumented, and coverage would guide nothing."""
    code = "import sys, fuzz.targets; print(sorted(m for m in sys.modules if m.startswith('scanner')))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_a_format_target_parses_the_root_and_only_names_its_children(monkeypatch: pytest.MonkeyPatch) -> None:
    """The zip target runs the zip extractor to the end but never scans a member (that is the
    member's own target), so a member's checks do not run."""
    seen: list[str] = []
    original = harness.Engine._run_check

    def spy(self: harness.Engine, check: object, item: harness.Item) -> object:
        seen.append(item.name)
        return original(self, check, item)  # type: ignore[arg-type]

    monkeypatch.setattr(harness.Engine, "_run_check", spy)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("inner.txt", b"hello")
    harness.run(buf.getvalue(), TARGETS["zip"].filetype)
    assert seen and set(seen) == {"fuzz.bin"}


def test_a_scan_over_the_cpu_bound_is_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(harness, "HANG_CPU", -1.0)
    monkeypatch.setattr(harness, "HANG_PER_ITEM", 0.0)
    with pytest.raises(harness.Hang):
        harness.scan(b"hello", None)
