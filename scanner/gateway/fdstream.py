"""A Unix-socket connection that also receives file descriptors (clamd's FILDES, `clamdscan --fdpass`).

asyncio's stream transport reads with recv(): a descriptor passed with SCM_RIGHTS on a byte it reads
is closed by the kernel, so FILDES cannot work on it.  Here every read is a recvmsg with room for
descriptors (`socket.recv_fds`); the bytes feed an ordinary `asyncio.StreamReader` (the protocol
code is the same as for TCP), the descriptors queue on the connection until FILDES takes one.
Writes go through `loop.sock_sendall`.  Hand-written because asyncio offers no recvmsg transport.
Flow control as asyncio's own transports: the reader is given this object as its transport, so it
calls `pause_reading` once it holds twice its limit and `resume_reading` when the protocol code has
consumed it; a client that sends faster than the daemon reads waits in the kernel's socket buffer
instead of in the daemon's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import stat
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

MAX_FDS = 4  # per read; FILDES passes one


class FdStreams:
    """`reader` (StreamReader), `writer` (the subset of StreamWriter the clamd code uses) and `fds`."""

    def __init__(self, sock: socket.socket, limit: int) -> None:
        self.sock = sock
        self.loop = asyncio.get_running_loop()
        self.reader = asyncio.StreamReader(limit=limit)
        self.fds: deque[int] = deque()
        self._out = bytearray()
        self._closed = self._eof = self._paused = False
        sock.setblocking(False)
        self.reader.set_transport(self)  # type: ignore[arg-type]  # it needs pause/resume_reading only
        self.loop.add_reader(sock.fileno(), self._readable)

    def pause_reading(self) -> None:
        if not (self._paused or self._closed or self._eof):
            self._paused = True
            self.loop.remove_reader(self.sock.fileno())

    def resume_reading(self) -> None:
        if self._paused and not (self._closed or self._eof):
            self._paused = False
            self.loop.add_reader(self.sock.fileno(), self._readable)

    @property
    def writer(self) -> FdStreams:
        return self

    def _readable(self) -> None:
        try:
            data, fds, _flags, _addr = socket.recv_fds(self.sock, 65536, MAX_FDS)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data, fds = b"", []
        self.fds.extend(fds)
        if len(self.fds) > MAX_FDS:  # a client flooding descriptors: keep the newest few
            while len(self.fds) > MAX_FDS:
                os.close(self.fds.popleft())
        if data:
            self.reader.feed_data(data)
        else:
            self._eof = True
            self.loop.remove_reader(self.sock.fileno())
            self.reader.feed_eof()

    def write(self, data: bytes) -> None:
        self._out += data

    async def drain(self) -> None:
        if self._out and not self._closed:
            out, self._out = bytes(self._out), bytearray()
            await self.loop.sock_sendall(self.sock, out)

    def get_extra_info(self, name: str) -> object:
        return self.sock if name == "socket" else None

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(ValueError, OSError):
            self.loop.remove_reader(self.sock.fileno())
        while self.fds:
            os.close(self.fds.popleft())
        self.sock.close()


Handler = Callable[[asyncio.StreamReader, Any, "deque[int] | None"], Coroutine[Any, Any, None]]


async def serve_unix(sock: socket.socket, handler: Handler, limit: int) -> None:
    """Accept on a listening Unix socket until cancelled; each connection gets FdStreams."""
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()
    sock.setblocking(False)
    while True:
        conn, _ = await loop.sock_accept(sock)
        streams = FdStreams(conn, limit)
        task = asyncio.create_task(handler(streams.reader, streams, streams.fds))
        tasks.add(task)
        task.add_done_callback(tasks.discard)


def read_fd(fd: int, limit: int) -> bytes | str:
    """The contents of a passed descriptor (read from offset 0), or why it cannot be scanned."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    if st.st_size > limit:
        return f"size {st.st_size} exceeds max_file_size {limit}"
    parts: list[bytes] = []
    offset = 0
    while offset <= limit:
        chunk = os.pread(fd, 1 << 20, offset)
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        offset += len(chunk)
    return f"grew past max_file_size {limit} while read"
