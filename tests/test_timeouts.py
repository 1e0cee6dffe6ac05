"""The per-check deadline, and the shield that keeps it out of native module initialisation."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner.timeouts import CheckTimeout, deadline, shielded

REPO = Path(__file__).resolve().parent.parent


def test_a_deadline_inside_a_shielded_block_is_raised_when_the_block_ends() -> None:
    finished = False
    with pytest.raises(CheckTimeout), deadline(0.05):
        with shielded():
            time.sleep(0.3)  # the alarm fires here and must not interrupt the block
            finished = True
        pytest.fail("the deferred deadline was not raised at the end of the shielded block")
    assert finished


def test_a_shielded_block_without_an_alarm_raises_nothing() -> None:
    with deadline(5), shielded():
        pass


# LIEF's nanobind module aborts the whole process (SIGABRT, "terminate called after throwing an
# instance of 'nanobind::python_error'") when the deadline's exception arrives during its
# initialisation: a signed PE that is the first file a process scans, under a short check timeout.
_FACTS_OF_FIRST_SIGNED_PE = """
import hashlib, sys
from scanner.config import Settings
from scanner.executables.facts import facts_for
from scanner.filetypes import identify
from scanner.models import Item
from scanner.timeouts import CheckTimeout, deadline
data = open(sys.argv[1], "rb").read()
item = Item(data, "x.exe", ("x.exe",), identify(data), hashlib.sha256(data).hexdigest())
try:
    with deadline(float(sys.argv[2])):
        facts = facts_for(item, Settings())
    print("done", len(facts.auth.signatures) if facts.auth else 0)
except CheckTimeout:
    print("timeout")
"""


@pytest.mark.parametrize("seconds", [0.02, 0.05, 0.1])
def test_the_first_signed_pe_under_a_tiny_deadline_is_a_timeout_not_an_abort(seconds: float) -> None:
    """LIEF's import (~0.4 s here) is where the deadline fires; the process must survive it."""
    sample = REPO / "samples/lures/pe/falcon_sensor_intermediate_ca.exe"
    p = subprocess.run([sys.executable, "-c", _FACTS_OF_FIRST_SIGNED_PE, str(sample), str(seconds)],
                       cwd=REPO, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.split()[0] in {"timeout", "done"}
