"""The vocabulary of domain squatting: lure words that accompany a brand, and names for edit operations.

Lure words come from the CrowdStrike-outage registrations (fix, bsod, update, helpdesk, recovery...)
the usual phishing vocabulary (login, secure, verify, portal...) and fake antivirus renewals
(renewal, subscription, protection, expired...).  Edit operations are named
as dnstwist names them, so a finding says how the brand was mangled.
"""

from __future__ import annotations

LURE_WORDS = frozenset({
    "fix", "fixes", "fixer", "bsod", "update", "updates", "updater", "helpdesk", "help", "desk", "recovery",
    "recover", "support", "hotfix", "patch", "download", "downloads", "login", "logon", "signin", "secure",
    "security", "verify", "verification", "account", "outage", "repair", "restore", "install", "installer",
    "setup", "portal", "service", "services", "claim", "refund", "bluescreen", "reboot", "official",
    "alert", "tool", "tools", "crash", "error", "auth", "sso", "mail", "webmail", "online", "app", "apps",
    "client", "team", "cloud", "center", "centre", "live", "now", "free", "get", "new", "my", "www", "web",
    "sensor", "falcon", "remediation", "incident", "token", "server", "check", "checker", "upgrade",
    "file", "files", "doc", "docs", "share", "drive", "pay", "payment", "billing", "invoice", "notice",
    # fake antivirus renewals (issue 15): norton-renewal.com, mcafee-protection-expired.net
    "renew", "renewal", "renewals", "subscription", "subscriptions", "protection", "protect", "license",
    "licence", "activation", "activate", "antivirus", "expired",
})


def lure_segments(text: str) -> list[str] | None:
    """Split `text` (hyphens and digits ignored) into lure words, or None if it is not made of them."""
    s = "".join(c for c in text if c.isalpha())
    if not s:
        return []
    best: list[list[str] | None] = [[]] + [None] * len(s)
    for end in range(1, len(s) + 1):
        for start in range(max(0, end - 12), end):
            prev = best[start]
            if prev is not None and s[start:end] in LURE_WORDS:
                best[end] = [*prev, s[start:end]]
                break
    return best[len(s)]


def lures_in(text: str) -> list[str]:
    return sorted(w for w in LURE_WORDS if len(w) >= 4 and w in text)


def edit_kind(seen: str, brand: str) -> str:
    """Name the squatting operation that turns `brand` into `seen` (dnstwist's vocabulary)."""
    if len(seen) == len(brand) + 1:
        for i, c in enumerate(seen):
            if seen[:i] + seen[i + 1:] == brand:
                if c == "-":
                    return "hyphenation"
                if (i > 0 and seen[i - 1] == c) or (i + 1 < len(seen) and seen[i + 1] == c):
                    return "repetition"
                return "insertion"
    if len(seen) + 1 == len(brand):
        return "omission"
    if len(seen) == len(brand):
        diff = [i for i, (a, b) in enumerate(zip(seen, brand, strict=True)) if a != b]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and seen[diff[0]] == brand[diff[1]] \
                and seen[diff[1]] == brand[diff[0]]:
            return "transposition"
        if len(diff) == 1:
            a, b = seen[diff[0]], brand[diff[0]]
            if a in "aeiou" and b in "aeiou":
                return "vowel-swap"
            if bin(ord(a) ^ ord(b)).count("1") == 1:
                return "bitsquatting"
            return "replacement"
    return "edit"
