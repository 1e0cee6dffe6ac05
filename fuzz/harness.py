"""What one fuzz input goes through, and what counts as a finding.

A *finding* (the project's definition, issue 13):

* an exception escaping the engine: `Engine._visit` isolates every check and every
  extractor step, so anything that leaves it would crash a scan;
* a hang: one input that takes more CPU time than `HANG_CPU` (plus `HANG_PER_ITEM` per
  item of its tree).  The engine's SIGALRM deadline is switched off here: libFuzzer's unit
  timeout owns SIGALRM in a fuzzing process (atheris's handler exits on it), and the deadline
  would turn a slow parser into a quiet `timeout` entry, which is what fuzzing must find.
  CPU time, not wall time, so a loaded machine does not make a finding.  An input that never
  returns (native code) is libFuzzer's `-timeout` (set by `campaign.py`; `-timeout=0` is
  not "off" in atheris 3.0 but one second);
* memory over a bound: libFuzzer's `-rss_limit_mb` (set by `campaign.py`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Iterator

import scanner.engine
from scanner.config import Settings
from scanner.engine import Engine, _Tree
from scanner.extract import Budget
from scanner.filetypes import FileType, identify
from scanner.models import Item

# Small limits so one input cannot legitimately run for long.
SETTINGS = Settings(timeout=2.0, max_depth=6, max_children=64, max_file_size=8 * 1024 * 1024,
                    max_total_size=32 * 1024 * 1024, cache_dir="")
HANG_CPU = 10.0       # CPU seconds for one input, plus:
HANG_PER_ITEM = 1.0   # per item (file, member, part) scanned
CURRENT = os.environ.get("FUZZ_CURRENT", "")  # file that holds the input being scanned (hang evidence)


class Hang(Exception):
    """An input took more CPU time than any scan should."""


@contextlib.contextmanager
def _no_deadline(seconds: float) -> Iterator[None]:
    yield


def disable_deadline() -> None:
    """In a fuzzing process only (see the module docstring): the engine runs without SIGALRM."""
    scanner.engine.deadline = _no_deadline  # type: ignore[assignment]

_engine: Engine | None = None


def engine() -> Engine:
    global _engine
    if _engine is None:
        _engine = Engine(SETTINGS)
    return _engine


def _item(data: bytes, filetype: FileType) -> Item:
    if CURRENT:
        with open(CURRENT, "wb") as fh:
            fh.write(data)
    return Item(data=data, name="fuzz.bin", lineage=("fuzz.bin",), filetype=filetype,
                sha256=hashlib.sha256(data).hexdigest())


def _bound(started: float, items: int, what: str) -> None:
    spent = time.process_time() - started
    allowed = HANG_CPU + HANG_PER_ITEM * items
    if spent > allowed:
        raise Hang(f"{spent:.1f} CPU s for {what} (allowed {allowed:.1f})")


def scan(data: bytes, filetype: FileType | None) -> None:
    """Scan `data` as `filetype` (None: identified from the bytes) through the engine, whole tree."""
    eng = engine()
    item = _item(data, filetype if filetype is not None else identify(data))
    started = time.process_time()
    tree = _Tree()
    eng._visit(item, Budget(eng.settings), tree, -1)
    eng._tally(tree)  # composite scoring runs on the whole tree, as in Engine.scan
    _bound(started, len(tree.items), f"{len(data)} bytes as {item.filetype.value}")


def parse(data: bytes, filetype: FileType) -> None:
    """What parses `data` as `filetype`: every check that applies to it and its extractor to the end
    (children made and identified, not scanned), each isolated as `Engine._visit` isolates them."""
    eng = engine()
    item = _item(data, filetype)
    started = time.process_time()
    for check in eng.checks:
        eng._run_check(check, item)
    tree = _Tree()
    children = sum(1 for _ in eng._children(item, Budget(eng.settings), tree))
    _bound(started, 1 + children, f"{len(data)} bytes as {filetype.value}")


def run(data: bytes, filetype: FileType | None) -> None:
    """One fuzz input: the whole engine for the `engine` target, the format's parsers otherwise."""
    if filetype is None:
        scan(data, None)
    else:
        parse(data, filetype)
