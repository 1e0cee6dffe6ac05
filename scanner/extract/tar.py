"""tar archives (stdlib tarfile), read member by member from memory.

Only regular files become children; links and devices carry no data of their own
and are never followed (nothing is written to disk, so a `../` name or a symlink
cannot escape anywhere; the `archive` check reports such names).  A `.tar.gz`
arrives here as the gzip extractor's child, `.tar.bz2`/`.tar.xz` likewise.
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterator

from ..models import Incomplete, Item
from .base import Budget, Child, LimitExceeded
from .view import ViewReader


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    try:
        archive = tarfile.open(fileobj=ViewReader(item.data), mode="r:")  # noqa: SIM115 - closed by `with` below
    except (tarfile.TarError, OSError, ValueError, EOFError) as exc:
        yield item.incomplete("corrupt", f"unreadable tar archive: {exc}", "archive")
        return
    count = 0
    with archive:
        while True:
            try:
                info = archive.next()
            except (tarfile.TarError, OSError, ValueError, EOFError, UnicodeError) as exc:
                yield item.incomplete("corrupt", f"tar archive broken after {count} members: {exc}", "archive")
                return
            if info is None:
                return
            if not info.isfile():
                continue
            if count >= budget.settings.max_children:
                yield item.incomplete("max_children", f"more than {count} members, the rest not scanned "
                                                      "(max_children)", "archive")
                return
            count += 1
            stream = None
            try:
                budget.check_declared(info.name, info.size)
                stream = archive.extractfile(info)
                data = budget.read_stream(info.name, stream) if stream else bytearray()
            except LimitExceeded as exc:
                yield item.incomplete(exc.reason, exc.message, "archive")
                continue
            except (tarfile.TarError, OSError, ValueError, EOFError) as exc:
                yield item.incomplete("corrupt", f"{info.name}: {exc}", "archive")
                continue
            if len(data) < info.size:
                yield item.incomplete("corrupt", f"{info.name}: truncated ({len(data)} of {info.size} bytes)",
                                      "archive")
            yield Child(info.name, data)
