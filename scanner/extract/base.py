"""What every container extractor shares: the child type and the limits budget.

An extractor is a function ``extract(item, budget) -> Iterator[Child | Incomplete]``.
It must check sizes *before* inflating (declared sizes and ratios) and read through
`Budget.read_capped` so that a lying header cannot blow past the limits either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from ..config import Settings
from ..filetypes import BytesLike
from ..models import Incomplete, Item

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Child:
    name: str
    data: BytesLike
    passwords: tuple[str, ...] = ()  # password candidates for this child and its descendants


class LimitExceeded(Exception):
    """Raised inside an extractor when reading would pass a limit."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Budget:
    """Limits for one scanned file and its whole tree of children."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.total_left = settings.max_total_size

    def check_declared(self, name: str, size: int, compressed: int | None = None) -> None:
        """Refuse a member from its declared sizes, before any byte is inflated."""
        s = self.settings
        if size > s.max_file_size:
            raise LimitExceeded("max_file_size",
                                f"{name}: declared size {size} bytes exceeds max_file_size {s.max_file_size}")
        if size > self.total_left:
            raise LimitExceeded("max_total_size",
                                f"{name}: {size} bytes would exceed max_total_size {s.max_total_size}")
        if compressed is not None and size > 1024 * 1024 and size > s.max_ratio * max(compressed, 1):
            ratio = size // max(compressed, 1)
            raise LimitExceeded("max_ratio", f"{name}: compression ratio {ratio}:1 exceeds max_ratio {s.max_ratio}")

    def take(self, name: str, size: int) -> LimitExceeded | None:
        """Charge a child already in memory (a mail part, an embedded object): the limit it
        would pass, else None and its size is deducted."""
        try:
            self.check_declared(name, size)
        except LimitExceeded as exc:
            return exc
        self.total_left -= size
        return None

    def read_capped(self, name: str, read: Callable[[int], bytes],
                    compressed: int | None = None) -> bytearray:
        """Read a stream chunk by chunk, stopping as soon as a limit would be passed."""
        s = self.settings
        cap = min(s.max_file_size, self.total_left)
        buf = bytearray()  # grown in place: no second copy of a large member
        total = 0
        while True:
            chunk = read(min(CHUNK, cap - total + 1))
            if not chunk:
                break
            total += len(chunk)
            if total > cap:
                reason = "max_file_size" if cap == s.max_file_size else "max_total_size"
                limit = s.max_file_size if reason == "max_file_size" else s.max_total_size
                raise LimitExceeded(reason, f"{name}: expands past {reason} {limit} bytes")
            if compressed is not None and total > 1024 * 1024 and total > s.max_ratio * max(compressed, 1):
                raise LimitExceeded("max_ratio", f"{name}: expands past max_ratio {s.max_ratio}:1")
            buf += chunk
        self.total_left -= total
        return buf

    def read_stream(self, name: str, stream: IO[bytes], compressed: int | None = None) -> bytearray:
        return self.read_capped(name, stream.read, compressed)


Extractor = Callable[[Item, Budget], Iterator[Child | Incomplete]]
