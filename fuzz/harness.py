"""What one fuzz input goes through, and what counts as a finding.

A *finding* (the project's definition, issue 13):

* an exception escaping the engine: `Engine._visit` isolates every check and every
  extractor step, so anything that leaves it would crash a scan;
* a hang: one input that takes longer than the per-check deadline plus slack.  The
  engine enforces its deadline with SIGALRM (`scanner.timeouts`), so libFuzzer's own
  `-timeout` (also SIGALRM) is switched off and the elapsed time is checked here; a
  hang in native code that no signal interrupts is caught by `campaign.py`'s wall clock;
* memory over a bound: libFuzzer's `-rss_limit_mb` (set by `campaign.py`).
"""

from __future__ import annotations

import hashlib
import time

from scanner.config import Settings
from scanner.engine import Engine, _Tree
from scanner.extract import Budget
from scanner.filetypes import FileType, identify
from scanner.models import Item

# Small limits so one input cannot legitimately run for long: the deadline is what a
# hang is measured against.
SETTINGS = Settings(timeout=2.0, max_depth=6, max_children=64, max_file_size=8 * 1024 * 1024,
                    max_total_size=32 * 1024 * 1024, cache_dir="")
HANG_SLACK = 5.0  # seconds past the per-step deadline before an input is a hang


class Hang(Exception):
    """An input scanned for longer than the engine's deadline allows."""


_engine: Engine | None = None


def engine() -> Engine:
    global _engine
    if _engine is None:
        _engine = Engine(SETTINGS)
    return _engine


def scan(data: bytes, filetype: FileType | None) -> None:
    """Scan `data` as `filetype` (None: identified from the bytes) through the engine."""
    eng = engine()
    ftype = filetype if filetype is not None else identify(data)
    item = Item(data=data, name="fuzz.bin", lineage=("fuzz.bin",), filetype=ftype,
                sha256=hashlib.sha256(data).hexdigest())
    started = time.monotonic()
    tree = _Tree()
    eng._visit(item, Budget(eng.settings), tree)
    # Every check and extractor step has its own deadline; the whole tree is bounded by
    # their number, so slack per item visited.
    allowed = (SETTINGS.timeout + 1) + HANG_SLACK + 0.5 * len(tree.items)
    elapsed = time.monotonic() - started
    if elapsed > allowed:
        raise Hang(f"{elapsed:.1f}s for {len(data)} bytes as {ftype.value} (allowed {allowed:.1f}s)")
