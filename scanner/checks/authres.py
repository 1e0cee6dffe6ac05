"""Authentication-Results (RFC 8601) that can be trusted, and what they say.

Anyone can write an Authentication-Results header into the mail they send, so a
result only counts when our own receiving host added it: its authserv-id must be
one of the `trusted_authserv_ids` setting, and only the topmost block counts
(receivers prepend their headers; whatever sits below the first trusted one may
come from the sender).  With no trusted id configured, nothing is trusted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_COMMENT = re.compile(r"\([^()]*\)")
_RESULT = re.compile(r"^\s*(spf|dkim|dmarc|arc)\s*=\s*([a-z]+)", re.IGNORECASE)


@dataclass(frozen=True)
class AuthResult:
    authserv_id: str
    method: str
    result: str
    header: str


def _parse(value: str) -> tuple[str, list[tuple[str, str]]]:
    text = value
    for _ in range(4):  # nested comments, innermost first
        text = _COMMENT.sub(" ", text)
    fields = text.split(";")
    authserv_id = (fields[0].split() or [""])[0].lower()
    results = []
    for field in fields[1:]:
        m = _RESULT.match(field)
        if m:
            results.append((m.group(1).lower(), m.group(2).lower()))
    return authserv_id, results


def trusted_results(headers: tuple[tuple[str, str], ...], trusted: frozenset[str]) -> list[AuthResult]:
    """Results from the first contiguous run of Authentication-Results headers, top down, that
    starts with a trusted authserv-id; headers with another id in that run are ignored."""
    if not trusted:
        return []
    out: list[AuthResult] = []
    started = False
    for name, value in headers:
        if name.lower() != "authentication-results":
            if started:
                break
            continue
        authserv_id, results = _parse(value)
        if authserv_id not in trusted:
            continue
        started = True
        out.extend(AuthResult(authserv_id, method, result, value) for method, result in results)
    return out
