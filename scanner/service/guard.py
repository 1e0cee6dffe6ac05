"""What every request passes before a handler: request-target repair, token, rate limit, body limit.

Pure ASGI middleware (no per-request task or body buffering), so a refused request costs little.
The rate limit is the `limits` library's moving window, kept per client address in this process
(each front end counts its own clients).  Bodies are read here with a size cap and a deadline, so a
client that sends too much or too slowly gets a JSON 413/408 and never holds a worker.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from limits import parse as parse_limit
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import ClientDisconnect, Request

from ..config import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
OPEN_PATHS = ("/v1/health",)


class ApiError(Exception):
    """An answer of `status` with ``{"error": code, "message": ...}``."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"error": code, "message": message}).encode()


async def send_error(send: Send, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
    body = error_body(code, message)
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
           (b"connection", b"close")]  # a refused request's body is never read
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """Absolute-form targets (``POST http://host:8080/api/check``) become paths; then the per-client
    rate limit and the bearer token are checked on every route but `/v1/health`."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.token = settings.service_token.encode()
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.limit = parse_limit(settings.service_rate_limit) if settings.service_rate_limit else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith(("http://", "https://")):  # RFC 9112 3.2.2 absolute-form, as proxies send it
            path = urlsplit(path).path or "/"
            scope["path"], scope["raw_path"] = path, path.encode()
        if path not in OPEN_PATHS:
            client = (scope.get("client") or ("unknown", 0))[0]
            if self.limit is not None and not self.limiter.hit(self.limit, client):  # before the token: no guessing
                retry = max(1, int(self.limiter.get_window_stats(self.limit, client).reset_time - time.time()))
                await send_error(send, 429, "rate_limited", f"more than {self.limit} requests from {client}",
                                 {"Retry-After": str(retry)})
                return
            if self.token and not self._authorized(scope):
                await send_error(send, 401, "unauthorized", "a valid 'Authorization: Bearer <token>' is required",
                                 {"WWW-Authenticate": "Bearer"})
                return
        await self.app(scope, receive, send)

    def _authorized(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                scheme, _, token = value.partition(b" ")
                return scheme.lower() == b"bearer" and hmac.compare_digest(token.strip(), self.token)
        return False


async def read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The whole body, at most `limit` bytes, within `timeout` seconds."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, "bad_request", "Content-Length is not a number")
        if int(declared) > limit:
            raise ApiError(413, "too_large", f"body of {declared} bytes exceeds the limit of {limit} bytes")
    parts: list[bytes] = []
    size = 0

    async def collect() -> None:
        nonlocal size
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ApiError(413, "too_large", f"body exceeds the limit of {limit} bytes")
            parts.append(chunk)

    try:
        await asyncio.wait_for(collect(), timeout or None)
    except TimeoutError:
        raise ApiError(408, "timeout", f"the body did not arrive within {timeout:g}s") from None
    except (OSError, ClientDisconnect) as exc:
        raise ApiError(400, "bad_request", f"body not received: {exc}") from None
    if declared is not None and size < int(declared):
        raise ApiError(400, "truncated", f"body ended after {size} of {declared} bytes")
    return b"".join(parts)
