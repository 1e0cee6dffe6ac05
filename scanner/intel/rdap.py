"""A domain's registration date from RDAP (RFC 9083 ``events``, eventAction ``registration``).

The service for a domain comes from the RFC 9224 bootstrap file (IANA's ``dns.json``: TLDs to base
URLs, longest label match wins, https preferred) or from one configured base URL.  One GET of
``<base>/domain/<name>``: no retries, a connect and read timeout, a wall-clock deadline of the
same length on the body (a server that drips bytes cannot hold a scan) and a size cap.  Every
failure is an answer (`RdapAnswer.status` ``failed`` with one readable line), never an exception.

Answers are kept in a disk cache (``<cache_dir>/rdap``, diskcache like the result cache, shared by
the worker processes): a registration date for a week (it changes only when a domain is deleted
and registered anew), "no such domain" for a day; a server that timed out, refused or answered 5xx/429
is not asked again for ten minutes, so a dead registry costs one timeout, not one per mail.

Why not whoisit (4.1, the maintained Python RDAP client): it keeps its bootstrap and session in
module globals, downloads the bootstrap only from IANA URLs written into the library (a mirror or
a local test server needs its internals), retries inside its session with a module-wide 10 s
timeout and adds httpx and dateutil.  What a scan needs is one GET and one list of events:
requests (already the project's HTTP client, see `intel.fetch`) in the lines below.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import diskcache
import requests
import urllib3.exceptions

from ..version import __version__

DATE_TTL, MISSING_TTL, FAIL_TTL, BOOTSTRAP_TTL = 7 * 86400, 86400, 600, 86400
MAX_BODY, MAX_BOOTSTRAP = 1024 * 1024, 4 * 1024 * 1024
_CACHE_ERRORS = (OSError, sqlite3.Error, diskcache.Timeout)


@dataclass(frozen=True)
class RdapAnswer:
    domain: str
    status: str                  # ok | not_found | no_service | failed
    registered: str = ""         # ISO 8601 date-time of the registration event ("" when none)
    server: str = ""             # the base URL asked
    detail: str = ""             # why it failed, one line
    cached: bool = False

    def registered_at(self) -> datetime | None:
        return parse_date(self.registered)


def parse_date(value: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def registration_date(doc: Any) -> str:
    """The ``registration`` event's date of an RDAP domain object ("" when it has none)."""
    events = doc.get("events") if isinstance(doc, dict) else None
    for event in events if isinstance(events, list) else []:
        if isinstance(event, dict) and str(event.get("eventAction", "")).lower() == "registration":
            date = str(event.get("eventDate", ""))
            if parse_date(date) is not None:
                return date
    return ""


def service_for(domain: str, bootstrap: Any) -> str:
    """The base URL for `domain` in an RFC 9224 bootstrap document ("" when no entry matches)."""
    labels = domain.lower().split(".")
    best, best_len = "", 0
    services = bootstrap.get("services") if isinstance(bootstrap, dict) else None
    for entry in services if isinstance(services, list) else []:
        if not (isinstance(entry, list) and len(entry) >= 2 and isinstance(entry[0], list)
                and isinstance(entry[1], list)):
            continue
        urls = [u for u in entry[1] if isinstance(u, str) and u.startswith(("https://", "http://"))]
        urls.sort(key=lambda u: not u.startswith("https://"))
        for suffix in entry[0]:
            parts = str(suffix).lower().strip(".").split(".")
            if urls and len(parts) > best_len and labels[-len(parts):] == parts and len(labels) > len(parts):
                best, best_len = urls[0], len(parts)
    return best


class _Failed(Exception):
    def __init__(self, reason: str, transport: bool = False) -> None:
        super().__init__(reason)
        self.transport = transport  # the server itself is unwell (timeout, refused, 5xx, 429)


class RdapClient:
    """Registration dates through RDAP with a disk cache; see the module docstring."""

    def __init__(self, cache_dir: str | Path, bootstrap_url: str, base_url: str = "", timeout: float = 3.0) -> None:
        self.directory = Path(cache_dir) / "rdap"
        self.bootstrap_url, self.base_url, self.timeout = bootstrap_url, base_url, timeout
        self._store: diskcache.Cache | None = None
        self._broken = False
        self._session: requests.Session | None = None

    # -- cache --------------------------------------------------------------------------------------
    def _cache(self) -> diskcache.Cache | None:
        if self._store is None and not self._broken:
            try:
                self._store = diskcache.Cache(str(self.directory), size_limit=64 * 1024 * 1024, timeout=2)
            except _CACHE_ERRORS:
                self._broken = True  # no cache: still correct, only slower
        return self._store

    def _get(self, key: str) -> Any:
        store = self._cache()
        with contextlib.suppress(*_CACHE_ERRORS):
            return store.get(key) if store is not None else None
        return None

    def _put(self, key: str, value: Any, ttl: float) -> None:
        store = self._cache()
        with contextlib.suppress(*_CACHE_ERRORS):
            if store is not None:
                store.set(key, value, expire=ttl)

    def cached(self, domain: str) -> RdapAnswer | None:
        """The cached answer for `domain`, or None when asking would need the network."""
        raw = self._get(f"domain:{domain}")
        if isinstance(raw, dict):
            with contextlib.suppress(TypeError):
                return RdapAnswer(**{**raw, "cached": True})
        return None

    # -- network ------------------------------------------------------------------------------------
    def _fetch(self, url: str, limit: int) -> tuple[int, Any]:
        """(status, parsed JSON or None for 404); _Failed with one line otherwise."""
        if self._session is None:
            self._session = requests.Session()
            self._session.trust_env = False  # no proxy or CA bundle from the environment
            self._session.max_redirects = 3
        headers = {"Accept": "application/rdap+json, application/json", "User-Agent": f"scamscan/{__version__}"}
        deadline = time.monotonic() + 2 * self.timeout
        try:
            with self._session.get(url, headers=headers, timeout=(self.timeout, self.timeout), stream=True,
                                   allow_redirects=True) as resp:
                if resp.status_code == 404:
                    return 404, None
                if resp.status_code != 200:
                    raise _Failed(f"HTTP {resp.status_code} {resp.reason}",
                                  resp.status_code >= 500 or resp.status_code == 429)
                body = bytearray()
                read = getattr(resp.raw, "read1", None) or resp.raw.read
                while chunk := read(16384, decode_content=True):
                    body += chunk
                    if len(body) > limit:
                        raise _Failed(f"answer larger than {limit} bytes")
                    if time.monotonic() > deadline:
                        raise _Failed(f"answer not complete within {2 * self.timeout:g}s", True)
        except (requests.Timeout, urllib3.exceptions.TimeoutError):  # urllib3's: raised reading the body
            raise _Failed(f"timed out after {self.timeout:g}s", True) from None
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise _Failed(" ".join(str(exc).split())[:200] or type(exc).__name__, True) from None
        try:
            return 200, json.loads(bytes(body).decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            raise _Failed("the answer is not JSON") from None

    def _base(self, domain: str) -> str:
        if self.base_url:
            return self.base_url
        doc = self._get(f"bootstrap:{self.bootstrap_url}")
        if doc is None:
            if self._get(f"down:{self.bootstrap_url}"):
                raise _Failed("bootstrap failed recently; not asked again yet")
            try:
                _, doc = self._fetch(self.bootstrap_url, MAX_BOOTSTRAP)
            except _Failed as exc:
                self._put(f"down:{self.bootstrap_url}", True, FAIL_TTL)
                raise _Failed(f"bootstrap {self.bootstrap_url}: {exc}") from None
            if not isinstance(doc, dict) or not isinstance(doc.get("services"), list):
                self._put(f"down:{self.bootstrap_url}", True, FAIL_TTL)
                raise _Failed(f"bootstrap {self.bootstrap_url}: not an RFC 9224 file (no services)")
            self._put(f"bootstrap:{self.bootstrap_url}", doc, BOOTSTRAP_TTL)
        return service_for(domain, doc)

    def query(self, domain: str) -> RdapAnswer:
        """Ask the registry (cache first); the answer is cached for its TTL."""
        hit = self.cached(domain)
        if hit is not None:
            return hit
        base = ""
        try:
            base = self._base(domain)
            if not base:
                answer = RdapAnswer(domain, "no_service", detail="no RDAP service for this TLD in the bootstrap")
                self._put(f"domain:{domain}", _plain(answer), MISSING_TTL)
                return answer
            if self._get(f"down:{base}"):
                return RdapAnswer(domain, "failed", server=base, detail="server failed recently; not asked again yet")
            status, doc = self._fetch(f"{base.rstrip('/')}/domain/{domain}", MAX_BODY)
        except _Failed as exc:
            if base and exc.transport:
                self._put(f"down:{base}", True, FAIL_TTL)
            return RdapAnswer(domain, "failed", server=base, detail=str(exc))
        if status == 404:
            answer = RdapAnswer(domain, "not_found", server=base)
            self._put(f"domain:{domain}", _plain(answer), MISSING_TTL)
            return answer
        if not isinstance(doc, dict) or doc.get("objectClassName", "domain") != "domain":
            return RdapAnswer(domain, "failed", server=base, detail="the answer is not an RDAP domain object")
        answer = RdapAnswer(domain, "ok", registration_date(doc), base)
        self._put(f"domain:{domain}", _plain(answer), DATE_TTL)
        return answer


def _plain(answer: RdapAnswer) -> dict[str, Any]:
    return {"domain": answer.domain, "status": answer.status, "registered": answer.registered,
            "server": answer.server, "detail": answer.detail}
