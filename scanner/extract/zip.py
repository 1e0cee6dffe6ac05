"""ZIP archives (stdlib zipfile), entirely in memory.

Sizes and ratios are checked from the central directory before a member is
inflated, and inflation is capped again while reading.  Encrypted members are
reported as `incomplete` (reason ``encrypted``), never skipped silently; a
truncated or corrupt archive or member is reported with reason ``corrupt``.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator

from ..models import Incomplete, Item
from .base import Budget, Child, LimitExceeded
from .view import ViewReader


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    try:
        archive = zipfile.ZipFile(ViewReader(item.data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        yield item.incomplete("corrupt", f"unreadable ZIP archive: {exc}", "archive")
        return
    with archive:
        members = [i for i in archive.infolist() if not i.is_dir()]
        limit = budget.settings.max_children
        if len(members) > limit:
            yield item.incomplete(
                "max_children", f"{len(members)} members, only the first {limit} scanned (max_children)", "archive")
            members = members[:limit]
        for info in members:
            name = info.filename
            if info.flag_bits & 0x1:
                yield item.incomplete("encrypted", f"{name}: encrypted member, not scanned", "archive")
                continue
            try:
                budget.check_declared(name, info.file_size, info.compress_size)
                with archive.open(info) as stream:
                    data = budget.read_stream(name, stream, info.compress_size)
            except LimitExceeded as exc:
                yield item.incomplete(exc.reason, exc.message, "archive")
                continue
            except NotImplementedError as exc:
                yield item.incomplete("unsupported", f"{name}: {exc}", "archive")
                continue
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError) as exc:
                yield item.incomplete("corrupt", f"{name}: {exc}", "archive")
                continue
            yield Child(name, data)
