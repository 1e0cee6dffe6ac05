"""Seed corpora from samples/: every sample, and every item nested in one, by type.

A target's seeds are the sample files (and their extracted children: the winmail.dat
inside a mail, the PE inside a ZIP) whose identified type is one of the target's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from scanner.extract import Budget, Child, extractor_for
from scanner.filetypes import FileType, identify
from scanner.models import Item

from .harness import SETTINGS

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
MAX_SEED = 256 * 1024
_SKIP = {".py", ".toml", ".md"}


def _walk(data: bytes, name: str, depth: int) -> Iterator[tuple[FileType, bytes]]:
    ftype = identify(data)
    yield ftype, data
    item = Item(data=data, name=name, lineage=(name,), filetype=ftype, sha256=hashlib.sha256(data).hexdigest())
    extractor = extractor_for(item) if depth < 4 else None
    if extractor is None:
        return
    try:
        for out in extractor(item, Budget(SETTINGS)):
            if isinstance(out, Child):
                yield from _walk(bytes(out.data), out.name, depth + 1)
    except Exception:  # noqa: BLE001 - a broken sample just gives fewer seeds
        return


def seeds(types: tuple[FileType, ...]) -> dict[str, bytes]:
    """sha256 -> bytes of every sample (or nested item) of one of `types`, up to MAX_SEED bytes."""
    out: dict[str, bytes] = {}
    for path in sorted(SAMPLES.rglob("*")):
        if not path.is_file() or path.suffix in _SKIP:
            continue
        for ftype, data in _walk(path.read_bytes(), path.name, 0):
            if ftype in types and len(data) <= MAX_SEED:
                out.setdefault(hashlib.sha256(data).hexdigest(), data)
    return out

