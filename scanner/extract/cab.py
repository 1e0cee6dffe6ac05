"""Cabinet files (.cab) and Windows update packages (.msu, a CAB holding CABs), through libarchive.

A fake "cumulative update" is a natural CAB lure; the CABs inside an MSU are children and are opened
in turn, bounded by `max_depth` like any nested archive.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..models import Incomplete, Item
from . import libarch
from .base import Budget, Child


def _read(item: Item, budget: Budget, fmt: str, label: str) -> Iterator[Child | Incomplete]:
    yield from libarch.extract(item, budget, fmt, label)


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    return _read(item, budget, "cab", "CAB")


def extract_lha(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    return _read(item, budget, "lha", "LHA")


def extract_xar(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    return _read(item, budget, "xar", "XAR")
