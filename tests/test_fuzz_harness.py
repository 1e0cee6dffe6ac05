"""The fuzz harness (fuzz/) without atheris: every target has seeds from samples/, its seeds go
through the engine without a finding, and a scan past the CPU bound is reported as a hang."""

from __future__ import annotations

import pytest

from fuzz import harness
from fuzz.seeds import seeds
from fuzz.targets import TARGETS


@pytest.mark.parametrize("name", list(TARGETS))
def test_every_target_is_seeded_and_its_seeds_scan_cleanly(name: str) -> None:
    found = seeds(TARGETS[name].seeds)
    assert found, f"no samples/ file of type {TARGETS[name].seeds} seeds {name}"
    for data in sorted(found.values(), key=len)[:3]:
        harness.scan(data, TARGETS[name].filetype)  # raises on an escaped exception or a hang


def test_a_scan_over_the_cpu_bound_is_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(harness, "HANG_CPU", -1.0)
    monkeypatch.setattr(harness, "HANG_PER_ITEM", 0.0)
    with pytest.raises(harness.Hang):
        harness.scan(b"hello", None)
