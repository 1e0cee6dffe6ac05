"""What the HTTP layer needs from a job queue; implemented by `embedded.py` and `redisqueue.py`."""

from __future__ import annotations

from typing import Any, Protocol

from ..models import ScanReport
from .jobs import Job, Upload


class Backend(Protocol):
    mode: str

    @property
    def rules_version(self) -> str: ...

    async def submit(self, data: bytes, upload: Upload) -> Job:
        """Queue a scan; raise `QueueFull` when the queue is at its limit."""

    async def get(self, job_id: str) -> Job | None: ...

    async def wait(self, job_id: str, timeout: float) -> Job | None:
        """The job once done, or as it stands after `timeout` seconds (None: unknown id)."""

    async def latest(self, sha256: str) -> ScanReport | None: ...

    async def queue_length(self) -> int: ...

    async def workers(self) -> int: ...

    async def stats(self) -> dict[str, float]: ...

    async def reload(self) -> None: ...

    async def close(self) -> None: ...

    def describe(self) -> dict[str, Any]: ...
