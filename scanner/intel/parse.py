"""Feed bodies to sorted, normalised entries: the six formats, and validation before anything is used.

Domains are stored lower case in their ASCII (punycode) form without a trailing dot or ``*.``
(hosts files: the names after the address; ``localhost`` and friends skipped); URLs with a
lower-case scheme and host; sha256 hashes in lower-case hex.  A body is refused when it is an HTML
page (an error or login page served with 200), when too many entries are invalid, or when it has
fewer than the minimum: `FeedError` says which.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any

from ..domains.hosts import parse_host, split_url
from .feeds import FeedConfig, FeedError

_HOSTS_SKIP = frozenset({"localhost", "localhost.localdomain", "broadcasthost", "local", "0.0.0.0", "ip6-localhost"})
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SIMPLE_DOMAIN = re.compile(r"^[a-z0-9_](?:[a-z0-9_.-]{0,251}[a-z0-9])?$")
def normalise(value: str, kind: str) -> str | None:
    """The stored form of one entry, or None when it is not a valid `kind`."""
    v = value.strip().strip('"').strip()
    if kind == "sha256":
        v = v.lower()
        return v if _SHA256.match(v) else None
    if kind == "url":
        if "://" not in v:
            return None
        host, _ = split_url(v)
        parsed = parse_host(host)
        if parsed is None or parsed.error:
            return None
        scheme, rest = v.split("://", 1)
        tail = rest[rest.find("/"):] if "/" in rest else "/"
        return f"{scheme.lower()}://{parsed.ascii}{tail}"
    v = v.lower().rstrip(".")
    if v.startswith("*."):
        v = v[2:]
    if _SIMPLE_DOMAIN.match(v) and "." in v and not v.replace(".", "").isdigit():
        return v
    parsed = parse_host(v)
    return parsed.ascii if parsed is not None and not parsed.error else None


def _raw_values(body: str, cfg: FeedConfig) -> Iterator[str]:
    if cfg.format in ("domains", "urls", "sha256", "hosts"):
        for line in body.splitlines():
            line = line.split("#", 1)[0].strip() if cfg.format != "urls" else line.strip()
            if not line or line.startswith("#"):
                continue
            if cfg.format == "hosts":
                parts = line.split()
                for name in parts[1:] if len(parts) > 1 else parts:
                    if name not in _HOSTS_SKIP:
                        yield name
            else:
                yield line.split()[0] if cfg.format == "sha256" else line
    elif cfg.format == "csv":
        rows = [r for r in csv.reader(io.StringIO(body)) if r and not r[0].lstrip().startswith("#")]
        col = cfg.column
        if col.isdigit():
            index = int(col)
        else:
            header = [h.strip().strip('"') for h in rows.pop(0)] if rows else []
            if col not in header:
                raise FeedError(f"csv column {col!r} not in header {header[:12]}")
            index = header.index(col)
        yield from (r[index] for r in rows if len(r) > index)
    else:
        try:
            doc = json.loads(body)
        except json.JSONDecodeError as exc:
            raise FeedError(f"not JSON: {exc}") from None
        yield from (str(v) for v in _json_path(doc, cfg.path.split(".")) if isinstance(v, (str, int)))


def _json_path(node: Any, steps: list[str]) -> Iterator[Any]:
    if not steps:
        yield node
        return
    step, rest = steps[0], steps[1:]
    if step == "*":
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
        for child in children:
            yield from _json_path(child, rest)
    elif isinstance(node, dict) and step in node:
        yield from _json_path(node[step], rest)
    elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
        yield from _json_path(node[int(step)], rest)


def parse_feed(body: bytes, cfg: FeedConfig) -> list[str]:
    """Sorted unique entries of a downloaded body; FeedError if it is not a usable list."""
    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")):
        raise FeedError("the server sent an HTML/XML page, not a list (an error or login page?)")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FeedError(f"not UTF-8 text: {exc}") from None
    kind = cfg.entry_kind
    good: set[str] = set()
    total = bad = 0
    for raw in _raw_values(text, cfg):
        total += 1
        value = normalise(raw, kind)
        if value is None:
            bad += 1
        else:
            good.add(value)
    if total and bad / total > cfg.max_invalid:
        raise FeedError(f"{bad} of {total} entries are not valid {kind} values (limit {cfg.max_invalid:.0%})")
    if len(good) < cfg.min_entries:
        raise FeedError(f"only {len(good)} valid entries, at least {cfg.min_entries} required")
    return sorted(good)
