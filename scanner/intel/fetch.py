"""Download one feed politely and safely, and swap it into the cache only when it validates.

requests (the project's HTTP client, see DESIGN.md) with: conditional GET (If-None-Match /
If-Modified-Since from the last good copy), separate connect and read timeouts, retries with
exponential backoff that honour ``Retry-After`` (seconds or an HTTP date) on 429 and 503 (and retry
other 5xx, timeouts and broken connections; not a name that does not resolve or a refused
connection, which a retry a second later would not change), a size cap checked on Content-Length
and while streaming, and TLS verification that cannot be turned off (``ca_bundle`` adds a CA
file; it never disables checks).
Any failure leaves the last good copy in place and records the reason, one readable line, in the
metadata.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import requests
import urllib3.exceptions

from ..version import __version__
from .feeds import FeedConfig, FeedError, now_iso, read_meta, store, write_meta
from .parse import parse_feed

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class UpdateResult:
    name: str
    ok: bool
    status: str        # "updated", "not_modified", "failed"
    message: str
    count: int = 0


class _Retry(Exception):
    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.delay = delay


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _root(exc: BaseException) -> BaseException:
    """The urllib3 error under requests' wrapping (MaxRetryError.reason, or the first argument)."""
    inner: Any = exc.args[0] if exc.args else None
    if isinstance(inner, urllib3.exceptions.MaxRetryError) and inner.reason is not None:
        return inner.reason
    return inner if isinstance(inner, BaseException) else exc


def _cause(exc: BaseException) -> str:
    """One readable line instead of urllib3's nested reprs (`HTTPSConnectionPool(host=...): Max retries ...`)."""
    root = _root(exc)
    if isinstance(root, urllib3.exceptions.NameResolutionError):
        return f"cannot resolve host {root.conn.host}"
    if isinstance(root, urllib3.exceptions.NewConnectionError):
        detail = str(root).rsplit(": ", 1)[-1]
        return f"cannot connect to {root.conn.host}:{root.conn.port}: {detail}"
    if isinstance(root, urllib3.exceptions.ConnectTimeoutError):
        return "connect timed out"
    if isinstance(root, urllib3.exceptions.ReadTimeoutError):
        return "read timed out"
    text = " ".join(str(root).split())
    return text[:200] or type(root).__name__


def _get(cfg: FeedConfig, meta: dict[str, Any], session: requests.Session) -> requests.Response | None:
    """One attempt: the response with its body read (None for 304); _Retry or FeedError otherwise."""
    headers = {"User-Agent": f"scamscan/{__version__} (+feeds)", "Accept-Encoding": "gzip"}
    if meta.get("etag"):
        headers["If-None-Match"] = str(meta["etag"])
    if meta.get("last_modified"):
        headers["If-Modified-Since"] = str(meta["last_modified"])
    verify: bool | str = cfg.ca_bundle or True
    try:
        resp = session.get(cfg.url, headers=headers, timeout=(cfg.connect_timeout, cfg.read_timeout),
                           stream=True, verify=verify, allow_redirects=True)
    except requests.exceptions.SSLError as exc:
        raise FeedError(f"TLS verification failed: {_cause(exc)}") from None
    except requests.Timeout as exc:
        raise _Retry(f"{cfg.url}: timed out ({_cause(exc)})") from None
    except requests.ConnectionError as exc:
        cause = _root(exc)
        if isinstance(cause, urllib3.exceptions.NewConnectionError):  # DNS, refused, unreachable
            raise FeedError(f"{cfg.url}: {_cause(exc)}") from None
        raise _Retry(f"{cfg.url}: connection failed ({_cause(exc)})") from None
    with resp:
        if resp.status_code == 304:
            return None
        if resp.status_code in RETRY_STATUS:
            delay = _retry_after(resp.headers.get("Retry-After")) if resp.status_code in (429, 503) else None
            raise _Retry(f"HTTP {resp.status_code} {resp.reason}", delay)
        if resp.status_code != 200:
            raise FeedError(f"HTTP {resp.status_code} {resp.reason}")
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cfg.max_size:
            raise FeedError(f"body of {declared} bytes exceeds max_size {cfg.max_size}")
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in resp.iter_content(64 * 1024):
                size += len(chunk)
                if size > cfg.max_size:
                    raise FeedError(f"body exceeds max_size {cfg.max_size} bytes")
                chunks.append(chunk)
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError,
                requests.ConnectionError) as exc:
            raise _Retry(f"body truncated or broken ({_cause(exc)})") from None
        except requests.Timeout as exc:
            raise _Retry(f"read timed out ({_cause(exc)})") from None
        resp._content = b"".join(chunks)
        return resp


def download(cfg: FeedConfig, meta: dict[str, Any], session: requests.Session | None = None,
             sleep: Callable[[float], None] = time.sleep) -> requests.Response | None:
    """The new body (or None: not modified), after up to `cfg.retries` retries."""
    own = session is None
    sess = session or requests.Session()
    sess.trust_env = False  # a proxy or CA bundle from the environment must not change what we trust
    try:
        for attempt in range(cfg.retries + 1):
            try:
                return _get(cfg, meta, sess)
            except _Retry as exc:
                if attempt == cfg.retries:
                    raise FeedError(f"{exc} (gave up after {cfg.retries + 1} attempts)") from None
                wait = exc.delay if exc.delay is not None else cfg.backoff * 2 ** attempt
                if wait > cfg.max_retry_after:
                    raise FeedError(f"{exc}: server asks to retry after {wait:.0f}s, "
                                    f"more than max_retry_after {cfg.max_retry_after:.0f}s") from None
                sleep(wait)
        raise AssertionError("unreachable")
    finally:
        if own:
            sess.close()


def update_feed(cfg: FeedConfig, feed_dir: Path, force: bool = False,
                session: requests.Session | None = None,
                sleep: Callable[[float], None] = time.sleep) -> UpdateResult:
    """Fetch, validate and swap in one feed; on any failure keep the last good copy."""
    meta = read_meta(feed_dir, cfg.name)
    has_copy = (feed_dir / f"{cfg.name}.list").is_file() and bool(meta.get("sha256"))
    conditional = meta if has_copy and meta.get("source") == cfg.url else {}
    try:
        resp = download(cfg, conditional, session, sleep)
        if resp is None:
            write_meta(feed_dir, cfg.name, {**meta, "checked_at": now_iso(), "last_error": "", "last_error_at": ""})
            return UpdateResult(cfg.name, True, "not_modified", "not modified since the last download",
                                int(meta.get("count", 0)))
        entries = parse_feed(resp.content, cfg)
        before = int(meta.get("count", 0)) if has_copy else 0
        if before and len(entries) < before * (1 - cfg.max_shrink) and not force:
            raise FeedError(f"the list shrank from {before} to {len(entries)} entries "
                            f"(more than max_shrink {cfg.max_shrink:.0%}); use --force to accept it")
        stamp = now_iso()
        new_meta = store(feed_dir, cfg, entries, {
            "fetched_at": stamp, "checked_at": stamp, "etag": resp.headers.get("ETag", ""),
            "last_modified": resp.headers.get("Last-Modified", ""), "http_status": resp.status_code})
        return UpdateResult(cfg.name, True, "updated", f"{new_meta['count']} entries", len(entries))
    except (FeedError, OSError, requests.RequestException) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__  # one line: status and logs show it
        with contextlib.suppress(OSError):
            write_meta(feed_dir, cfg.name, {**meta, "source": meta.get("source", cfg.url),
                                            "last_error": reason, "last_error_at": now_iso()})
        kept = " (kept the last good copy)" if has_copy else " (no copy yet)"
        return UpdateResult(cfg.name, False, "failed", reason + kept, int(meta.get("count", 0)))
