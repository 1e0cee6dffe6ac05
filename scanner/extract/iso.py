"""ISO 9660 / Joliet / Rock Ridge / UDF disc images (pycdlib), in memory.

Lures ship ISO/IMG files because Windows mounts them with a double click and,
before 2022 patches, their contents carried no mark-of-the-web.  Dependency:
pycdlib is the maintained pure-Python reader of all four directory flavours; it
reads from a file object, so nothing is mounted or written.  UDF names are
preferred (what Windows shows), then Joliet, Rock Ridge, then plain ISO 9660.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, BinaryIO, cast

from ..models import Incomplete, Item
from .base import Budget, Child, LimitExceeded
from .view import ViewReader

MAX_DIRS = 10_000


def _open(item: Item) -> tuple[Any, str]:
    import pycdlib  # imported on first image: keeps the scanner's start fast

    iso = pycdlib.PyCdlib()
    iso.open_fp(cast(BinaryIO, ViewReader(item.data)))
    if iso.has_udf():
        return iso, "udf_path"
    if iso.has_joliet():
        return iso, "joliet_path"
    if iso.has_rock_ridge():
        return iso, "rr_path"
    return iso, "iso_path"


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    try:
        iso, kind = _open(item)
    except Exception as exc:  # noqa: BLE001 - pycdlib raises PyCdlibException and others on bad images
        yield item.incomplete("corrupt", f"unreadable disc image: {type(exc).__name__}: {exc}", "archive")
        return
    count = 0
    try:
        for dirs, (dirname, _, files) in enumerate(iso.walk(**{kind: "/"})):
            if dirs >= MAX_DIRS:
                yield item.incomplete("max_children", f"more than {MAX_DIRS} directories", "archive")
                return
            for fname in files:
                path = f"{dirname.rstrip('/')}/{fname}"
                name = path.lstrip("/")
                if kind == "iso_path":
                    name = name.rsplit(";", 1)[0]
                if count >= budget.settings.max_children:
                    yield item.incomplete("max_children", f"more than {count} files, the rest not scanned "
                                                          "(max_children)", "archive")
                    return
                count += 1
                try:
                    size = iso.get_record(**{kind: path}).get_data_length()
                    budget.check_declared(name, size)
                    with iso.open_file_from_iso(**{kind: path}) as stream:
                        data = budget.read_stream(name, stream)
                except LimitExceeded as exc:
                    yield item.incomplete(exc.reason, exc.message, "archive")
                    continue
                except Exception as exc:  # noqa: BLE001
                    yield item.incomplete("corrupt", f"{name}: {type(exc).__name__}: {exc}", "archive")
                    continue
                yield Child(name, data)
    except Exception as exc:  # noqa: BLE001 - a broken directory tree stops the walk, not the scan
        yield item.incomplete("corrupt", f"disc image directory unreadable: {type(exc).__name__}: {exc}",
                              "archive")
    finally:
        with contextlib.suppress(Exception):
            iso.close()
