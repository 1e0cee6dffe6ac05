"""`scamscan clamd`: the clamd protocol, so clients of clamd (rspamd, Exim, amavis,
Nextcloud, clamdscan...) use scamscan unchanged.

asyncio serves the sockets (thousands of idle connections cost a coroutine each,
bounded by `clamd_max_connections`, closed after `clamd_idle_timeout`, the longest
idle one closed first when a new client needs its slot); scans run
in the ScanService's worker processes with the gateway deadline (scanning time
only; a full queue is an ``ERROR`` at once, before a stream is read).  Replies follow clamd's
(clamd(8)): ``stream: OK``, ``stream: <Id> FOUND``, ``<what> ERROR``, with the
reply delimiter of the command form (``z``: NUL, ``n`` and legacy: newline) and
``<n>: `` prefixes inside IDSESSION.  ``<Id>`` is ``Scamscan.<Check>.<Id>`` of the top finding
(every finding for ALLMATCHSCAN; see clamd_replies.py).  An item that could not be fully analysed
is never ``OK``: it is ``Scamscan.Incomplete.<reason> FOUND`` unless `clamd_incomplete_ok` says
otherwise.  Unix sockets get `socket_mode`/`socket_group` and are never taken over from a live
daemon (sockets.py); connections there are read with recvmsg (fdstream.py) so FILDES receives the
client's descriptor.  SIGHUP re-reads the settings, so `clamd_scan_roots` follows the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import struct
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import Any

from ..api import skipped_report
from ..config import Settings
from ..models import ItemReport
from ..render.escape import visible
from ..version import __version__
from ..walk import Target, walk
from . import clamd_replies, fdstream, sockets
from .service import ScanBusy, ScanFailed, ScanService, ScanTimeout, scan_result

log = logging.getLogger("scamscan.clamd")

MAX_COMMAND = 16 * 1024
COMMANDS = ("SCAN QUIT RELOAD PING CONTSCAN VERSIONCOMMANDS VERSION END SHUTDOWN MULTISCAN FILDES STATS IDSESSION "
            "INSTREAM ALLMATCHSCAN")
SIZE_LIMIT = "INSTREAM size limit exceeded. ERROR"
BUSY = "Server busy, try again later. ERROR"
NOT_IN_SESSION = {"CONTSCAN", "MULTISCAN", "ALLMATCHSCAN", "RELOAD", "SHUTDOWN", "QUIT", "IDSESSION"}


class Disconnect(Exception):
    """Close this connection (after an error reply, a timeout or END)."""


@dataclass
class Request:
    name: str
    arg: str
    eol: bytes
    id: int = 0  # request number inside IDSESSION (replies are prefixed "<id>: "), else 0


class Connection:
    def __init__(self, daemon: ClamdDaemon, reader: asyncio.StreamReader, writer: Any,
                 fds: deque[int] | None = None) -> None:
        self.d, self.reader, self.writer, self.fds = daemon, reader, writer, fds
        self.in_session = False
        self.requests = 0

    async def _read(self, op: Callable[[], Awaitable[bytes]]) -> bytes:
        try:
            return await asyncio.wait_for(op(), self.d.settings.clamd_idle_timeout or None)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError) as exc:
            raise Disconnect(type(exc).__name__) from None

    async def reply(self, req: Request, text: str) -> None:
        prefix = f"{req.id}: " if req.id else ""
        self.writer.write(f"{prefix}{text}".encode("utf-8", "replace") + req.eol)
        await self.writer.drain()

    async def command(self) -> Request:
        self.d.idle[self] = None  # evictable while it waits for a command
        try:
            first = await self._read(lambda: self.reader.readexactly(1))
        finally:
            self.d.idle.pop(self, None)
        if first in (b"z", b"n"):
            sep = b"\0" if first == b"z" else b"\n"
            raw = (await self._read(lambda: self.reader.readuntil(sep)))[:-1]
            eol = sep
        elif self.in_session:
            raise Disconnect("unprefixed command inside IDSESSION")
        else:  # legacy form: newline-terminated, newline replies
            raw = (first + await self._read(lambda: self.reader.readuntil(b"\n"))).rstrip(b"\r\n")
            eol = b"\n"
        name, _, arg = raw.decode("utf-8", "surrogateescape").partition(" ")
        if self.in_session:
            self.requests += 1
        return Request(name, arg, eol, self.requests if self.in_session else 0)

    async def serve(self) -> None:
        while True:
            await self.dispatch(await self.command())
            if not self.in_session:
                return  # outside IDSESSION clamd answers one command per connection

    async def dispatch(self, req: Request) -> None:
        name = req.name
        if self.in_session and name in NOT_IN_SESSION:
            await self.reply(req, "Command invalid inside IDSESSION. ERROR")
            raise Disconnect("invalid in session")
        if name == "PING":
            await self.reply(req, "PONG")
        elif name == "VERSION":
            await self.reply(req, self.d.version())
        elif name == "VERSIONCOMMANDS":
            await self.reply(req, f"{self.d.version()}| COMMANDS: {COMMANDS}")
        elif name == "RELOAD":
            await self.reply(req, "RELOADING")
            self.d.request_reload()
        elif name in ("SHUTDOWN", "QUIT"):  # QUIT: clamd's deprecated synonym of SHUTDOWN
            self.d.stop()
            raise Disconnect("shutdown")
        elif name == "IDSESSION":
            self.in_session = True
        elif name == "END" and self.in_session:
            raise Disconnect("END")
        elif name == "STATS":
            await self.reply(req, clamd_replies.stats(self.d.active - len(self.d.idle), len(self.d.idle),
                                                      self.d.scanning, self.d.settings))
        elif name == "INSTREAM":
            await self.instream(req)
        elif name == "FILDES":
            await self.fildes(req)
        elif name in ("SCAN", "CONTSCAN", "MULTISCAN", "ALLMATCHSCAN") and req.arg:
            await self.scan_path(req, stop_at_first=name == "SCAN", every=name == "ALLMATCHSCAN")
        else:
            await self.reply(req, "UNKNOWN COMMAND")
            raise Disconnect("unknown command")

    async def instream(self, req: Request) -> None:
        if self.d.service.busy(self.d.receiving):  # refuse before buffering a stream we cannot scan soon
            await self.reply(req, f"stream: {BUSY}")
            raise Disconnect("busy")
        self.d.receiving += 1
        try:
            data = await self._stream(req)
        finally:
            self.d.receiving -= 1
        if isinstance(data, ItemReport):  # past max_file_size: read to its end, never held
            await self.reply(req, self._answer("stream", data))
            return
        await self.reply(req, await self._verdict("stream", lambda: self.d.service.submit(data, "stream")))

    async def _stream(self, req: Request) -> bytes | ItemReport:
        """The stream's bytes; past `max_file_size` (the engine would not scan it) the rest is read
        and dropped, so a connection never holds more than that, and the report says why."""
        limit, keep = self.d.settings.clamd_stream_max_length, self.d.settings.max_file_size
        parts: list[bytes] = []
        total = 0
        while True:
            (size,) = struct.unpack(">I", await self._read(lambda: self.reader.readexactly(4)))
            if size == 0:
                break
            total += size
            if total > limit:  # refuse before reading a byte of it, as clamd does
                await self.reply(req, SIZE_LIMIT)
                raise Disconnect("stream too large")
            if total <= keep:
                parts.append(await self._read(lambda s=size: self.reader.readexactly(s)))  # type: ignore[misc]
                continue
            parts.clear()
            await self._drain(size)
        if total > keep:
            return skipped_report("stream", "max_file_size",
                                  f"stream of {total} bytes exceeds max_file_size {keep}: not scanned")
        return b"".join(parts)

    async def _drain(self, size: int) -> None:
        while size:
            size -= len(await self._read(partial(self.reader.readexactly, min(size, 1 << 16))))

    async def fildes(self, req: Request) -> None:
        """`clamdscan --fdpass`: the client's open file arrives as a descriptor (Unix socket only)."""
        if self.fds is None:
            await self.reply(req, "FILDES: only on a Unix socket. ERROR")
            return
        await self._read(lambda: self.reader.readexactly(1))  # the byte that carried the descriptor
        if not self.fds:
            await self.reply(req, "FILDES: didn't receive file descriptor. ERROR")
            return
        fd = self.fds.popleft()
        label = f"fd[{fd}]"
        try:
            data = await asyncio.get_running_loop().run_in_executor(
                None, fdstream.read_fd, fd, self.d.settings.max_file_size)
        except OSError as exc:
            data = f"cannot read: {exc.strerror or exc}"
        finally:
            os.close(fd)
        if isinstance(data, str):
            await self.reply(req, f"{label}: {data}. ERROR")
            return
        await self.reply(req, await self._verdict(label, partial(self.d.service.submit, data, label)))

    async def _verdict(self, label: str, submit: Callable[[], Future[ItemReport]], every: bool = False) -> str:
        self.d.scanning += 1
        try:
            future = submit()
            with contextlib.suppress(Exception):  # scan_result below maps it to the reply
                await asyncio.wrap_future(future)  # the worker's deadline ends every scan
            report = scan_result(future, label)
        except ScanTimeout:
            return f"{label}: Scan timed out after {self.d.settings.gateway_scan_timeout:g}s. ERROR"
        except ScanBusy:
            return f"{label}: {BUSY}"
        except ScanFailed:  # a dead worker, an engine failure: this client's ERROR only
            return f"{label}: Internal error. ERROR"
        except Exception as exc:  # noqa: BLE001 - never the daemon's end
            log.error("scan of %s failed: %s: %s", label, type(exc).__name__, exc)
            return f"{label}: Internal error ({type(exc).__name__}). ERROR"
        finally:
            self.d.scanning -= 1
        return self._answer(label, report, every)

    def _answer(self, label: str, report: ItemReport, every: bool = False) -> str:
        names = clamd_replies.found_names(report, self.d.settings, every)
        return "\n".join(f"{label}: {name} FOUND" for name in names) if names else f"{label}: OK"

    @staticmethod
    def _shown(req: Request, path: str) -> str:
        """`path` as a reply line may carry it: exact in the NUL-delimited form (a name holds no NUL),
        escaped where lines end at a newline, so a file name cannot add a forged "x: OK" line."""
        return path if req.eol == b"\0" else visible(path)

    async def scan_path(self, req: Request, stop_at_first: bool, every: bool = False) -> None:
        path = req.arg
        shown = self._shown(req, path)
        if not os.path.isabs(path):
            await self.reply(req, f"{shown}: Not a full path. ERROR")
            return
        if not self.d.allowed(path):
            await self.reply(req, f"{shown}: Access denied. ERROR")
            return
        if not os.path.lexists(path):
            await self.reply(req, f"{shown}: lstat() failed: No such file or directory. ERROR")
            return
        found = False
        for target in walk([path]):
            if not self.d.allowed(target.path):
                continue  # symlinks leaving the roots are not followed
            label = self._shown(req, target.path)
            if isinstance(target, Target):
                line = await self._verdict(label, partial(self.d.service.submit_path, target.path), every)
            else:  # a special or unreadable file is never reported OK
                line = f"{label}: {target.message}. ERROR"
            if not line.endswith(": OK"):
                found = True
                await self.reply(req, line)
                if stop_at_first and line.endswith("FOUND"):
                    return
        if not found:
            await self.reply(req, f"{shown}: OK")


class ClamdDaemon:
    """The listening sockets, the connection bound, reload and shutdown."""

    def __init__(self, service: ScanService, socket_mode: int = 0o660, socket_group: str = "") -> None:
        self.service = service
        self.socket_mode, self.socket_gid = socket_mode, sockets.group_id(socket_group)
        self.active = 0
        self.scanning = 0  # scans submitted and not answered yet (STATS: QUEUE)
        self.receiving = 0  # INSTREAM streams being read: they hold a scan slot
        self.idle: dict[Connection, None] = {}  # connections waiting for a command, oldest first
        self._stopped: asyncio.Event | None = None
        self._reloading: asyncio.Future[bool] | None = None
        self.roots = self._roots()

    def _roots(self) -> list[str]:
        return [os.path.realpath(r) for r in self.service.settings.clamd_scan_roots]

    @property
    def settings(self) -> Settings:
        return self.service.settings

    def version(self) -> str:
        return f"ClamAV scamscan-{__version__}/{self.service.rules_version}"

    def allowed(self, path: str) -> bool:
        real = os.path.realpath(path)
        return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in self.roots)

    def request_reload(self) -> None:
        if self._reloading is None or self._reloading.done():
            self._reloading = asyncio.get_running_loop().run_in_executor(None, self._reload)

    def _reload(self) -> bool:
        ok = self.service.reload()  # settings, rules, feeds
        self.roots = self._roots()
        return ok

    def stop(self) -> None:
        if self._stopped is not None:
            self._stopped.set()

    async def handle(self, reader: asyncio.StreamReader, writer: Any, fds: deque[int] | None = None) -> None:
        if self.active >= self.settings.clamd_max_connections:
            if not self.idle:  # every slot is busy scanning: this client must come back later
                log.warning("connection refused: %d connections busy", self.active)
                writer.close()
                return
            oldest = next(iter(self.idle))  # an idle client makes way for an active one
            self.idle.pop(oldest)
            oldest.writer.close()
        self.active += 1
        try:
            await Connection(self, reader, writer, fds).serve()
        except Disconnect as exc:
            log.debug("connection closed: %s", exc)
        except (ConnectionError, OSError) as exc:
            log.debug("connection lost: %s", exc)
        finally:
            self.active -= 1
            writer.close()

    async def serve(self, tcp: tuple[str, int] | None, unix: str | None,
                    ready: Callable[[list[str]], None] | None = None) -> None:
        self._stopped = asyncio.Event()
        servers: list[asyncio.Server] = []
        unix_task: asyncio.Task[None] | None = None
        addresses: list[str] = []
        if tcp is not None:
            servers.append(await asyncio.start_server(self.handle, tcp[0], tcp[1], limit=MAX_COMMAND,
                                                      backlog=1024))
        if unix is not None:
            sockets.claim(unix)  # a live daemon there: refuse (SocketError); a stale file: removed
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            with sockets.creating(self.socket_mode):
                listener.bind(unix)
            sockets.finish(unix, self.socket_mode, self.socket_gid)
            listener.listen(1024)
            unix_task = asyncio.create_task(fdstream.serve_unix(listener, self.handle, MAX_COMMAND))
            addresses.append(unix)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        for sig in (signal.SIGHUP, signal.SIGUSR2):  # clamd reloads on SIGUSR2; SIGHUP as for the milter
            loop.add_signal_handler(sig, self.request_reload)
        addresses += [str(sock.getsockname()) for s in servers for sock in s.sockets]
        log.warning("clamd protocol on %s (rules %s)", ", ".join(addresses), self.service.rules_version)
        if ready is not None:
            ready(addresses)
        await self._stopped.wait()
        for s in servers:
            s.close()
        if unix_task is not None:
            unix_task.cancel()
            listener.close()
        if unix is not None and os.path.exists(unix):
            os.unlink(unix)
        self.service.close()


def parse_tcp(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"expected HOST:PORT, not {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)
