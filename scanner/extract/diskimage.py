"""Disk images (VHD, VHDX, raw MBR/GPT disks, bare FAT/NTFS volumes) through 7-Zip, in a subprocess.

Windows mounts `.vhd`/`.vhdx` with a double click, so lures ship their "hotfix" EXE in one.  Why
7-Zip (`7zz`, Debian's `7zip`, >= 22): one maintained reader of every layer (VHD, VHDX, MBR, GPT,
FAT, NTFS, ext, HFS ...), run as a separate program, so its licence (LGPL) stays out of ours and a
crash in it is an exit code, not ours.  No permissive Python library covers these layers (Fox-IT's
`dissect.*` does, under AGPL-3.0; pyfatfs reads FAT alone).  exFAT and BitLocker have no 7-Zip
reader: they are reported, never passed.

On hostile input: 7-Zip runs under `ulimit` (CPU seconds, address space, file size, no core) and a
wall-clock timeout; it reads a symlink or copy named `disk.<kind>` after what the bytes say (its own
type guess follows the extension: the attacker's name is never used) inside a private temporary
folder, and extracts there. The listing comes first: declared sizes (and their ratio to the image's
size: a sparse VHD reads zeros for free) are checked against the `Budget` before anything is
written; a partition is copied out only within `max_file_size`. The extracted tree is walked without
following links; only regular files become children, read through the budget. 7-Zip opens nested
layers by itself (VHD > MBR > FAT); when a layer is not what the bytes say (a raw disk starting with
a ZIP that 7-Zip would open instead), the expected type is forced one layer at a time, and
partitions are opened here in turn. Anything that cannot be read is an `incomplete` entry: never a
silent clean.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..filetypes import disk
from ..models import Incomplete, Item
from . import sevenzipcli as cli
from .base import Budget, Child, LimitExceeded

MAX_LAYERS = 4  # VHD > GPT > partition > file system, opened here; deeper nesting is the engine's
FILE_SYSTEMS = frozenset({"FAT", "NTFS", "Ext", "HFS", "APFS", "Udf", "Iso", "SquashFS", "CramFS"})
VOLUME_SETS = frozenset({"VHD", "VHDX", "MBR", "GPT", "APM", "VDI", "VMDK", "QCOW"})
_EXPECTED = {"vhd": "VHD", "vhdx": "VHDX", "mbr": "MBR", "gpt": "GPT", "fat": "FAT", "ntfs": "NTFS"}
# NTFS's metadata files at the volume's root and under $Extend ([MS-FSCC], NTFS's "system files").
_NTFS_METADATA = frozenset({"$MFT", "$MFTMirr", "$LogFile", "$Volume", "$AttrDef", ".", "$Bitmap", "$Boot",
                            "$BadClus", "$Secure", "$UpCase", "$Extend", "$Quota"})
_NTFS_EXTEND = frozenset({"$Quota", "$ObjId", "$Reparse", "$UsnJrnl", "$RmMetadata", "$Deleted"})
_UNREADABLE = {"exfat": ("unsupported", "exFAT volume: 7-Zip has no exFAT reader"),
               "bitlocker": ("encrypted", "BitLocker-encrypted volume")}


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    kind = disk.kind(memoryview(item.data))
    tool = shutil.which(cli.TOOL)
    if kind in _UNREADABLE or kind is None:  # said without 7-Zip; no kind: the engine typed it, so not here
        yield _unreadable(item, kind or "", "")
        return
    if tool is None:
        yield item.incomplete("unsupported", f"{item.filetype.value} disk image: 7-Zip (`7zz`, Debian package "
                                             "7zip) is not installed, contents not scanned", "archive")
        return
    with tempfile.TemporaryDirectory(prefix="scamscan-disk-") as tmp:
        work = Path(tmp)
        image = work / f"disk.{kind}"  # 7-Zip tries the type its extension names first
        if item.path and item.depth == 0 and Path(item.path).is_file():
            image.symlink_to(Path(item.path).resolve())
        else:
            with open(image, "xb") as out:
                out.write(item.data)
        yield from _layer(item, budget, cli.Runner(tool, budget.settings), image, kind, work, 0, "")


def _layer(item: Item, budget: Budget, run: cli.Runner, image: Path, kind: str, work: Path, depth: int,
           prefix: str) -> Iterator[Child | Incomplete]:
    """Open `image` (expected to be `kind`) and yield its files, their names under `prefix` (the
    partitions opened to reach it, "0.ntfs/"); partitions are opened in turn."""
    label = f"{prefix.rstrip('/')}: " if prefix else ""
    if kind in _UNREADABLE:
        yield _unreadable(item, kind, label)
        return
    if depth >= MAX_LAYERS:
        yield item.incomplete("max_depth", f"{label}more than {MAX_LAYERS} nested disk layers", "archive")
        return
    forced: str | None = None
    listing = run.listing(image)
    if not _trusted(listing, kind):
        forced = kind
        listing = run.listing(image, forced)
    if listing.fatal:
        yield item.incomplete(listing.reason, f"{label}{kind} image unreadable: {listing.message}", "archive")
        raw = _raw_inside(image) if kind == "vhd" else None
        if raw is not None:  # a fixed VHD is its raw disk plus a footer: a bad footer hides nothing
            yield from _layer(item, budget, run, image, raw, work, depth + 1, prefix)
        return
    if listing.problems:
        yield item.incomplete(listing.reason, f"{label}{listing.message}", "archive")
    if listing.chain and listing.chain[-1] in VOLUME_SETS:
        yield from _volumes(item, budget, run, image, listing, forced, work, depth, prefix)
    else:
        yield from _files(item, budget, run, image, listing, forced, work, prefix)


def _unreadable(item: Item, kind: str, label: str) -> Incomplete:
    reason, what = _UNREADABLE.get(kind, ("corrupt", "disk image structure not recognised"))
    return item.incomplete(reason, f"{label}{what}: contents not scanned", "archive")


def _raw_inside(image: Path) -> str | None:
    with open(image, "rb") as fh:
        return disk.raw_kind(memoryview(fh.read(8192)))


def _trusted(listing: cli.Listing, kind: str) -> bool:
    """7-Zip's own guess is used when it opened the expected layer first and only disk layers below it."""
    chain = listing.chain
    return bool(chain) and chain[0] == _EXPECTED.get(kind) and all(t in FILE_SYSTEMS | VOLUME_SETS for t in chain)


def _volumes(item: Item, budget: Budget, run: cli.Runner, image: Path, listing: cli.Listing, forced: str | None,
             work: Path, depth: int, prefix: str) -> Iterator[Child | Incomplete]:
    """Partitions (or the raw disk of a VHD whose file system 7-Zip did not open): each is extracted
    alone and opened as the disk layer its own bytes say it is, or reported."""
    for n, entry in enumerate(listing.entries[:budget.settings.max_children]):
        where = f"{prefix}{entry.path}/" if entry.path else prefix  # a VHD's raw disk has no name
        try:
            budget.check_declared(where.rstrip("/") or "disk", entry.size)
        except LimitExceeded as exc:
            yield item.incomplete(exc.reason, f"partition {exc.message}", "archive")
            continue
        folder = work / f"v{depth}-{n}"
        result = run.extract(image, folder, forced, [entry.path] if entry.path else None)
        part = next(_walk(folder), None)  # a VHD's raw disk has no name: the one file extracted
        if not result.ok or part is None:
            yield item.incomplete(result.reason, f"{where.rstrip('/') or 'disk'}: partition not readable: "
                                                 f"{result.message}", "archive")
            continue
        kind = _raw_inside(part)
        if kind is None:
            yield item.incomplete("unsupported", f"{where.rstrip('/') or 'disk'}: no file system scamscan can read "
                                                 "in this partition (unformatted, unknown or encrypted): not scanned",
                                  "archive")
            continue
        yield from _layer(item, budget, run, part, kind, work, depth + 1, where)
        part.unlink()


def _files(item: Item, budget: Budget, run: cli.Runner, image: Path, listing: cli.Listing, forced: str | None,
           work: Path, prefix: str) -> Iterator[Child | Incomplete]:
    label = f"{prefix.rstrip('/')}: " if prefix else ""
    files = [e for e in listing.entries if not e.folder and not _metadata(listing, e)]
    limit = budget.settings.max_children
    if len(files) > limit:
        yield item.incomplete("max_children", f"{label}{len(files)} files, only the first {limit} scanned "
                                              "(max_children)", "archive")
        files = files[:limit]
    wanted, declared = [], 0
    for entry in files:
        if entry.encrypted:
            yield item.incomplete("encrypted", f"{label}{entry.path}: encrypted file, not scanned", "archive")
            continue
        try:
            budget.check_declared(entry.path, entry.size)
            if declared + entry.size > budget.total_left:
                raise LimitExceeded("max_total_size", f"{entry.path}: would exceed max_total_size")
            ratio = (declared + entry.size) // max(item.size, 1)  # a sparse VHD reads zeros for free
            if declared + entry.size > 1024 * 1024 and ratio > budget.settings.max_ratio:
                raise LimitExceeded("max_ratio", f"{entry.path}: declared sizes {ratio}:1 the image's size exceed "
                                                 f"max_ratio {budget.settings.max_ratio}")
        except LimitExceeded as exc:
            yield item.incomplete(exc.reason, f"{label}{exc.message}", "archive")
            continue
        declared += entry.size
        wanted.append(entry.path)
    if not wanted:
        return
    folder = work / f"f{len(list(work.iterdir()))}"
    everything = len(wanted) == sum(1 for e in listing.entries if not e.folder)
    result = run.extract(image, folder, forced, None if everything else wanted)
    found = 0
    for path in _walk(folder):
        name = prefix + path.relative_to(folder).as_posix()
        try:
            with open(path, "rb", opener=_nofollow) as stream:
                data = budget.read_stream(name, stream)
        except LimitExceeded as exc:
            yield item.incomplete(exc.reason, exc.message, "archive")
            continue
        except OSError as exc:
            yield item.incomplete("corrupt", f"{name}: {exc.strerror}", "archive")
            continue
        finally:
            path.unlink(missing_ok=True)
        found += 1
        yield Child(name, data)
    if not result.ok or found < len(wanted):
        yield item.incomplete("corrupt", f"{label}{found} of {len(wanted)} files read: {result.message}", "archive")


def _metadata(listing: cli.Listing, entry: cli.Entry) -> bool:
    """NTFS's own metadata files, which 7-Zip shows under `[SYSTEM]/`: the volume's bookkeeping, not
    files a user sees (`$BadClus` declares the whole volume's size, `$LogFile` runs to 64 MB).  Only
    those names with the system attribute: a user's own folder named `[SYSTEM]` holding
    `$Update.exe` is listed the same way and is scanned like any other file."""
    if listing.chain[-1:] != ("NTFS",) or not entry.system or not entry.path.startswith("[SYSTEM]/"):
        return False
    parts = entry.path.split("/")[1:]
    return parts[0].split(":")[0] in _NTFS_METADATA or (
        parts[0] == "$Extend" and len(parts) > 1 and parts[1].split(":")[0] in _NTFS_EXTEND)


def _walk(folder: Path) -> Iterator[Path]:
    """Regular files under `folder`, in name order, links never followed."""
    for root, dirs, names in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(names):
            path = Path(root, name)
            if _regular(path):
                yield path


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _nofollow(path: str, flags: int) -> int:
    return os.open(path, flags | getattr(os, "O_NOFOLLOW", 0))
