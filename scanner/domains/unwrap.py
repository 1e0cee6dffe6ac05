"""Undo mail-gateway link rewriting, so checks see where a link really goes.

Gateways rewrite every link of a message they pass (Microsoft Defender Safe Links,
Proofpoint URL Defense v2/v3, Google's redirector).  A lure that went through such a
gateway shows only the gateway's host; domain checks need the original.  Decoding
follows the published formats (Proofpoint's own ``urldecoder.py`` for v2/v3).
"""

from __future__ import annotations

import base64
import binascii
import re
import string
from urllib.parse import parse_qs, unquote, urlsplit

_HINTS = ("safelinks.protection.outlook.com", "urldefense.", "/url?")


def has_wrapped_links(text: str) -> bool:
    """Cheap pre-filter run on every text item: plain substring searches (a case-insensitive
    regex over megabytes of text cost more than the host extraction itself).  Gateways write
    their own host names in lower case."""
    return any(hint in text for hint in _HINTS)
_V2_HEX = re.compile(r"-([0-9A-Fa-f]{2})")
_V3 = re.compile(r"/v3/__(?P<url>.+?)__;(?P<enc>[A-Za-z0-9_-]*)!")
_V3_TOKEN = re.compile(r"\*(\*.)?")
_V3_RUNS = {c: i + 2 for i, c in enumerate(string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_")}
MAX_DEPTH = 4  # a wrapped wrapped link (Safe Links around Proofpoint) is unwrapped up to this many times


def _param(query: str, *names: str) -> str | None:
    params = parse_qs(query, keep_blank_values=False)
    for name in names:
        values = params.get(name)
        if values and "://" in values[0]:
            return values[0]
    return None


def _proofpoint_v2(query: str) -> str | None:
    params = parse_qs(query)
    encoded = (params.get("u") or [""])[0]
    if not encoded:
        return None
    url = _V2_HEX.sub(lambda m: chr(int(m.group(1), 16)), encoded.replace("_", "/"))
    return url if "://" in url else None


def _proofpoint_v3(url: str) -> str | None:
    m = _V3.search(url)
    if not m:
        return None
    try:
        replacements = base64.urlsafe_b64decode(m.group("enc") + "==").decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    pos = 0

    def token(t: re.Match[str]) -> str:
        nonlocal pos
        run = _V3_RUNS.get(t.group(0)[-1], 1) if t.group(1) else 1
        out = replacements[pos:pos + run]
        pos += run
        return out

    out = _V3_TOKEN.sub(token, unquote(m.group("url")))
    return out if "://" in out else None


def unwrap_once(url: str) -> str | None:
    """The target of one layer of gateway rewriting, or None if `url` is not wrapped."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if host.endswith("safelinks.protection.outlook.com"):
        return _param(parts.query, "url")
    if host == "urldefense.proofpoint.com" and parts.path.startswith("/v2/url"):
        return _proofpoint_v2(parts.query)
    if host in ("urldefense.com", "urldefense.proofpoint.com") and parts.path.startswith("/v3/"):
        return _proofpoint_v3(url)
    if re.fullmatch(r"(?:www\.)?google\.[a-z.]{2,12}", host) and parts.path == "/url":
        return _param(parts.query, "q", "url")
    return None


def unwrap(url: str) -> str:
    """The original link behind any number (up to MAX_DEPTH) of rewriting layers; `url` itself if none."""
    for _ in range(MAX_DEPTH):
        inner = unwrap_once(url)
        if inner is None or inner == url:
            break
        url = inner
    return url
