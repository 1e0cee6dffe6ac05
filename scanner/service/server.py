"""Serving the app with uvicorn, plus the one thing uvicorn lacks: a deadline for request headers.

uvicorn closes idle keep-alive connections but waits forever for the first request line and headers
of a new connection, so 1,000 connections that never send anything, or a slow-loris client that
sends a header byte every few seconds, would each hold a socket for good.  `HeaderDeadline` arms a
timer when a connection opens (and again after each response); if the request's headers are not all
in when it fires, the client gets a 408 with a JSON error and the connection is closed.  Slow bodies
are bounded in `guard.read_body`.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .guard import error_body

log = logging.getLogger("scamscan.serve")


def protocol(header_timeout: float) -> type[H11Protocol]:
    class HeaderDeadline(H11Protocol):
        _timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def _arm(self) -> None:
            self._disarm()
            if header_timeout > 0:
                self._timer = self.loop.call_later(header_timeout, self._expired)

        def _disarm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def handle_events(self) -> None:
            super().handle_events()
            if self.conn.their_state is not h11.IDLE:
                self._disarm()  # the headers are in; the body has its own deadline

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _expired(self) -> None:
            self._timer = None
            if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
                return
            body = error_body("timeout", f"request headers not received within {header_timeout:g}s")
            self.transport.write(b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
                                 b"connection: close\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n"
                                 + body)
            self.transport.close()

    return HeaderDeadline


def raise_fd_limit() -> None:
    """Thousands of idle clients need thousands of descriptors: lift the soft limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError) as exc:
            log.warning("cannot raise the open-file limit from %d: %s", soft, exc)


def serve(app: Any, host: str, port: int, header_timeout: float) -> None:
    raise_fd_limit()
    config = uvicorn.Config(app, host=host, port=port, http=protocol(header_timeout), lifespan="on",
                            timeout_keep_alive=5, backlog=2048, log_level="warning", access_log=False,
                            server_header=False)
    uvicorn.Server(config).run()
