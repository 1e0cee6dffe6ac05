"""Threat feeds: configuration, parsing and validation, the on-disk cache, and fast lookups.

Settings live in the TOML settings file: top-level ``cache_dir``, optional ``[feeds]`` defaults
(``ca_bundle``, timeouts ...) and one ``[feeds.NAME]`` table per feed with ``url``, ``format``
(`FORMATS`), optional ``kind`` (domain, url or sha256), ``role`` (`ROLES`: ``block``, the default,
lists known-bad entries for the ioc check; ``fresh`` lists newly registered domains for
`intel.freshness`, which are not bad by themselves), ``enabled``, ``column`` (csv: a header name
or a 0-based index) and ``path`` (json: dotted, ``*`` for every element).  `DEFAULT_FEEDS`
ships the public abuse.ch and OpenPhish exports configured but disabled.

A feed is cached as ``<cache_dir>/feeds/NAME.list`` (normalised entries, sorted, one per line) plus
``NAME.json`` (source, fetched_at, etag, last_modified, count, sha256, last_error).  Lookups
binary-search the memory-mapped list, so a million domains "load" instantly, cost no Python
objects (the page cache holds the file, shared by every worker) and answer ~10^5 lookups/s.
Parsing is `intel.parse`, downloading `intel.fetch`.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import re
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import ConfigError, parse_size

FORMATS = ("domains", "urls", "hosts", "csv", "json", "sha256")
KINDS = ("domain", "url", "sha256")
ROLES = ("block", "fresh")
DEFAULT_KIND = {"domains": "domain", "hosts": "domain", "urls": "url", "sha256": "sha256",
                "csv": "domain", "json": "domain"}
DEFAULT_FEEDS = """
[feeds.urlhaus]
url = "https://urlhaus.abuse.ch/downloads/hostfile/"
format = "hosts"
enabled = false

[feeds.threatfox]
url = "https://threatfox.abuse.ch/export/json/domains/recent/"
format = "json"
path = "*.*.ioc_value"
kind = "domain"
enabled = false

[feeds.openphish]
url = "https://openphish.com/feed.txt"
format = "urls"
enabled = false

[feeds.malwarebazaar]
url = "https://bazaar.abuse.ch/export/txt/sha256/recent/"
format = "sha256"
enabled = false
"""


class FeedError(ValueError):
    """A feed that cannot be used: bad settings, a body that does not parse or does not validate."""


@dataclass(frozen=True)
class FeedConfig:
    name: str
    url: str
    format: str
    kind: str = ""
    role: str = "block"
    enabled: bool = True
    column: str = ""
    path: str = ""
    min_entries: int = 1
    max_shrink: float = 0.5      # refuse a list that lost more than this fraction (unless --force)
    max_size: int = 256 * 1024 * 1024
    max_invalid: float = 0.2     # refuse a list with more unparseable lines than this fraction
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 3
    backoff: float = 2.0         # seconds, doubled per attempt (Retry-After wins when sent)
    max_retry_after: float = 300.0
    ca_bundle: str = ""          # PEM file of extra trusted CAs; verification itself is always on

    @property
    def entry_kind(self) -> str:
        return self.kind or DEFAULT_KIND[self.format]


@dataclass(frozen=True)
class FeedsConfig:
    cache_dir: Path
    feeds: dict[str, FeedConfig] = field(default_factory=dict)

    @property
    def feed_dir(self) -> Path:
        return self.cache_dir / "feeds"


_OPTION_TYPES = {f.name: f.type for f in fields(FeedConfig)}


def _feed(name: str, table: dict[str, Any], defaults: dict[str, Any]) -> FeedConfig:
    values = {**defaults, **table}
    unknown = set(values) - set(_OPTION_TYPES) - {"name"}
    if unknown:
        raise FeedError(f"feeds.{name}: unknown option(s) {sorted(unknown)}")
    if not isinstance(values.get("url"), str) or not values["url"].startswith(("http://", "https://")):
        raise FeedError(f"feeds.{name}: url must be an http(s) URL")
    if values.get("format") not in FORMATS:
        raise FeedError(f"feeds.{name}: format must be one of {', '.join(FORMATS)}")
    if values.get("kind", "") not in ("", *KINDS):
        raise FeedError(f"feeds.{name}: kind must be one of {', '.join(KINDS)}")
    if values.get("role", "block") not in ROLES:
        raise FeedError(f"feeds.{name}: role must be one of {', '.join(ROLES)}")
    if values.get("role") == "fresh" and (values.get("kind") or DEFAULT_KIND[values["format"]]) != "domain":
        raise FeedError(f"feeds.{name}: role fresh needs a list of domains (kind = \"domain\")")
    if values["format"] == "csv" and not str(values.get("column", "")):
        raise FeedError(f"feeds.{name}: format csv needs a column")
    if values["format"] == "json" and not values.get("path"):
        raise FeedError(f"feeds.{name}: format json needs a path")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name):
        raise FeedError(f"feeds.{name}: names are letters, digits, '-' and '_'")
    try:
        coerced: dict[str, Any] = {k: (parse_size(v) if k == "max_size" else
                                       str(v) if _OPTION_TYPES[k] == "str" else
                       bool(v) if _OPTION_TYPES[k] == "bool" else
                       int(v) if _OPTION_TYPES[k] == "int" else float(v)) for k, v in values.items()}
    except (TypeError, ValueError, ConfigError) as exc:
        raise FeedError(f"feeds.{name}: {exc}") from None
    return FeedConfig(name=name, **coerced)


def load_feeds_config(cache_dir: str | os.PathLike[str], config_path: str | os.PathLike[str] | None) -> FeedsConfig:
    """The shipped (disabled) feeds, then the ``[feeds]`` section of the settings file."""
    data = tomllib.loads(DEFAULT_FEEDS)["feeds"]
    defaults: dict[str, Any] = {}
    if config_path:
        try:
            user = tomllib.loads(Path(config_path).read_text(encoding="utf-8")).get("feeds", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise FeedError(f"cannot read feed settings from {config_path}: {exc}") from None
        if not isinstance(user, dict):
            raise FeedError("[feeds] must be a table")
        for key, value in user.items():
            if isinstance(value, dict):
                data[key] = {**data.get(key, {}), **value}
            else:
                defaults[key] = value
    return FeedsConfig(Path(cache_dir), {name: _feed(name, table, defaults) for name, table in data.items()})


# -- cache -----------------------------------------------------------------------------------------
def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def read_meta(feed_dir: Path, name: str) -> dict[str, Any]:
    try:
        data = json.loads((feed_dir / f"{name}.json").read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_meta(feed_dir: Path, name: str, meta: dict[str, Any]) -> None:
    _atomic_write(feed_dir / f"{name}.json", json.dumps(meta, indent=1, sort_keys=True).encode())


def store(feed_dir: Path, cfg: FeedConfig, entries: list[str], meta: dict[str, Any]) -> dict[str, Any]:
    """Write the list, then its metadata (readers trust a list only through matching metadata)."""
    blob = "".join(e + "\n" for e in entries).encode("utf-8")
    _atomic_write(feed_dir / f"{cfg.name}.list", blob)
    meta = {**meta, "source": cfg.url, "format": cfg.format, "kind": cfg.entry_kind, "role": cfg.role,
            "count": len(entries), "sha256": hashlib.sha256(blob).hexdigest(), "last_error": "", "last_error_at": ""}
    write_meta(feed_dir, cfg.name, meta)
    return meta


class SortedList:
    """Membership in a sorted, newline-separated file through mmap and binary search."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            self._mm: mmap.mmap | bytes = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""

    def __contains__(self, key: str) -> bool:
        mm, k = self._mm, key.encode("utf-8", "surrogateescape")
        lo, hi = 0, len(mm)
        while lo < hi:
            mid = (lo + hi) // 2
            start = mm.rfind(b"\n", lo, mid) + 1 or lo
            end = mm.find(b"\n", start, hi)
            end = hi if end < 0 else end
            line = mm[start:end]
            if line == k:
                return True
            if line < k:
                lo = end + 1
            else:
                hi = start
        return False


@dataclass
class Feed:
    name: str
    kind: str
    entries: SortedList
    meta: dict[str, Any]
    role: str = "block"


def cached_feeds(feed_dir: Path) -> list[Feed]:
    """Every feed with a list whose sha256 matches its metadata (a half-written pair is skipped)."""
    out: list[Feed] = []
    for meta_path in sorted(feed_dir.glob("*.json")) if feed_dir.is_dir() else []:
        name = meta_path.stem
        meta = read_meta(feed_dir, name)
        list_path = feed_dir / f"{name}.list"
        if meta.get("kind") in KINDS and meta.get("sha256") and list_path.is_file():
            out.append(Feed(name, str(meta["kind"]), SortedList(list_path), meta, str(meta.get("role") or "block")))
    return out


def fingerprint(feed_dir: Path) -> str:
    """Identifies the cached feed data, for the result-cache key."""
    h = hashlib.sha256()
    for feed in cached_feeds(feed_dir):
        h.update(f"{feed.name}\0{feed.meta.get('sha256')}\0".encode())
    return h.hexdigest()


def lookup(feeds: Iterable[Feed], kind: str, value: str, role: str = "block") -> Feed | None:
    return next((f for f in feeds if f.kind == kind and f.role == role and value in f.entries), None)
