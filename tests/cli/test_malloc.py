"""Every `scamscan` process keeps libyara's per-match tables on the heap (scanner/cli/malloc.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# A rule set large enough that libyara's per-match scan context passes glibc's default mmap
# threshold (signature-base's is ~1.5 MB); then the page faults of repeated matches are counted,
# after `scamscan rules --help` has run the CLI's start-up in this process.
SCRIPT = r"""
import resource, sys, yara
from scanner.cli.main import main
src = "\n".join(f'rule r{i} {{ strings: $a = "needle{i:05d}xq" $b = "other{i:05d}zz" condition: $a and $b }}'
                for i in range(8000))
rules = yara.compile(source=src)
try:
    main(["rules", "--help"])
except SystemExit:
    pass
data = b"nothing to see here " * 50
rules.match(data=data)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    rules.match(data=data)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)
"""


def faults_per_match(**env: str) -> float:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    done = subprocess.run([sys.executable, "-c", SCRIPT], env={**clean, **env}, capture_output=True, text=True,
                          timeout=300, check=True)
    return float(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_yara_matches_fault_in_no_fresh_pages() -> None:
    # glibc mapped each match's tables afresh and unmapped them after: ~380 page faults and 0.8 ms of
    # kernel time per match with signature-base, 3 ms of a 100 KB mail's 19 ms of CPU.
    assert faults_per_match() < 5


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_the_users_own_malloc_settings_win() -> None:
    # glibc's default trim threshold, given by the user: scamscan leaves malloc alone, and the faults are back
    assert faults_per_match(MALLOC_TRIM_THRESHOLD_="131072") > 50
