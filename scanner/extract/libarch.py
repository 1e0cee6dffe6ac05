"""Archives read through libarchive (`libarchive-c` over Debian's libarchive13): RAR, CAB, LHA, XAR.

libarchive is the best-kept multi-format reader there is, and reads from memory: nothing is written
to disk, so a `../` name or a link cannot escape anywhere (the `archive` check reports such names,
from `entries`).  Every member is read block by block through `Budget.read_capped`: declared sizes,
the archive-wide ratio, the member count and the total are enforced before and while inflating.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..models import Incomplete, Item
from .base import Budget, Child, LimitExceeded

RAR5_MAGIC = b"Rar!\x1a\x07\x01\x00"


class Unreadable(Exception):
    """libarchive stopped (raised only when the caller asks to fall back): `kind` is `encrypted`,
    `unsupported` or `corrupt`; `done` names the members already yielded."""

    def __init__(self, kind: str, message: str, done: tuple[str, ...]) -> None:
        super().__init__(message)
        self.kind = kind
        self.done = done


@dataclass(frozen=True)
class Entry:
    name: str
    link: str  # symlink or hardlink target, "" for a plain member
    is_file: bool


def format_of(item: Item, default: str) -> str:
    return "rar5" if default == "rar" and bytes(item.data[:8]) == RAR5_MAGIC else default


def _data_encrypted(entry: object) -> bool:
    """libarchive's own flag (not wrapped by libarchive-c): the member's data is encrypted."""
    import ctypes

    from libarchive import ffi

    func = ffi.libarchive.archive_entry_is_data_encrypted
    func.argtypes, func.restype = [ctypes.c_void_p], ctypes.c_int
    return bool(func(entry._entry_p) > 0)  # type: ignore[attr-defined]


def _blocks_reader(blocks: Iterator[bytes]) -> Callable[[int], bytes]:
    """`read(n)` over libarchive's data blocks, for `Budget.read_capped`."""
    pending = bytearray()

    def read(n: int) -> bytes:
        while len(pending) < n:
            block = next(blocks, None)
            if block is None:
                break
            pending.extend(block)
        out = bytes(pending[:n])
        del pending[:n]
        return out

    return read


def _kind(exc: Exception) -> str:
    text = str(exc).lower()
    if "encrypt" in text or "passphrase" in text or "password" in text:
        return "encrypted"
    if "support unavailable" in text or "not supported" in text or "unsupported" in text:
        return "unsupported"
    return "corrupt"


def entries(item: Item, fmt: str, limit: int) -> list[Entry]:
    """Member names and link targets, headers only (for the `archive` check); [] when unreadable."""
    import libarchive

    out: list[Entry] = []
    try:
        with libarchive.memory_reader(bytes(item.data), format_name=format_of(item, fmt)) as archive:
            for entry in archive:
                link = entry.linkpath if entry.issym or entry.islnk else ""
                out.append(Entry(str(entry.pathname or ""), str(link or ""), bool(entry.isreg)))
                if len(out) >= limit:
                    break
    except Exception:  # noqa: BLE001 - libarchive.ArchiveError and ctypes errors alike: the extractor reports
        pass
    return out


def extract(item: Item, budget: Budget, fmt: str, label: str, fallback: bool = False) -> Iterator[Child | Incomplete]:
    """Members of `item` as children; problems as `incomplete` entries.  With `fallback`, an error
    that stops libarchive raises `Unreadable` instead (the caller has another reader)."""
    import libarchive

    count = 0
    produced = 0
    done: list[str] = []
    try:
        with libarchive.memory_reader(bytes(item.data), format_name=format_of(item, fmt)) as archive:
            for entry in archive:
                if not entry.isreg or entry.islnk:
                    continue  # directories, links, devices: no data of their own
                name = str(entry.pathname or f"member-{count + 1}")
                if count >= budget.settings.max_children:
                    yield item.incomplete("max_children", f"more than {count} members, the rest not scanned "
                                                          "(max_children)", "archive")
                    return
                count += 1
                if _data_encrypted(entry):
                    if fallback:
                        raise Unreadable("encrypted", f"{name}: encrypted member", tuple(done))
                    yield item.incomplete("encrypted", f"{name}: encrypted member, not scanned", "archive")
                    continue
                try:
                    declared = entry.size or 0
                    budget.check_declared(name, declared)
                    if produced + declared > 1024 * 1024 and produced + declared > \
                            budget.settings.max_ratio * max(item.size, 1):
                        raise LimitExceeded("max_ratio", f"{name}: members expand past max_ratio "
                                                         f"{budget.settings.max_ratio}:1 of the {label} archive")
                    data = budget.read_capped(name, _blocks_reader(iter(entry.get_blocks())), item.size)
                except LimitExceeded as exc:
                    yield item.incomplete(exc.reason, exc.message, "archive")
                    continue
                except libarchive.ArchiveError as exc:
                    message = f"{name}: {getattr(exc, 'msg', exc)}"
                    if fallback:
                        raise Unreadable(_kind(exc), message, tuple(done)) from exc
                    yield item.incomplete(_kind(exc), message, "archive")
                    return  # a damaged stream: what follows cannot be trusted to be in sync
                produced += len(data)
                done.append(name)
                yield Child(name, data)
    except libarchive.ArchiveError as exc:
        message = f"{label} archive unreadable after {count} members: {getattr(exc, 'msg', exc)}"
        if fallback:
            raise Unreadable(_kind(exc), message, tuple(done)) from exc
        yield item.incomplete(_kind(exc), message, "archive")
        return
    if count == 0 and item.size > 0 and not entries(item, fmt, 1):
        yield item.incomplete("corrupt", f"{label} archive with no readable member", "archive")
