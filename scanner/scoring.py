"""Composite scoring: the one place where the context of a finding changes its score.

Checks score what they see in isolation.  Some signals are weak alone and strong together (the idea
of rspamd's composites): a host that resembles a brand is everyday in a newsletter, and a lure only
next to a brand claim, lure wording, a download or an executable attachment.  After the whole file
is scanned, `rescore` looks at each finding's *unit* (the nearest enclosing e-mail message, else the
scanned file) and applies the rules below.  The README's "Composite scoring" table mirrors them.

=============================  ================================================================
finding                        score
=============================  ================================================================
lookalike on a popular domain   0 (info): the registrable domain is in the bundled popularity list
                                (``rules/popular/``), a popular site is not a fresh scam domain
lookalike, strong technique     its own score (``brand_domain_prefix``, ``brand_lure`` of a distinctive
                                name, ``userinfo``, Unicode ``homoglyph``): the host itself carries the
                                lure; a ``brand_lure`` without any context is capped at
                                ``LURE_NAME_ALONE`` (50, suspicious)
lookalike, weak technique       its own score with context (below), else ``WEAK_ALONE`` (5, low):
                                ``typo``, ``brand_token``, ``brand_subdomain``, ``brand_split``,
                                ``brand_other_tld``, ``brand_cctld``, ASCII ``homoglyph``, ``brand_lure``
                                of a common-word token (``outlooksecure.com``) or with a lure word
                                inside other letters (``chromedevtools.github.io``)
several lookalikes on one item  only the highest counts; the others are kept at 0 (same class does
                                not add up to a verdict on its own)
office:vba_* on one item        sum below the malicious threshold unless ``vba_downloads`` is among them
                                (`CLASS_CAPS`: same-class findings do not add up to a verdict alone)
pdf:link_to_download            ``DOWNLOAD_ALONE`` (10, low) unless its unit has lure text, a brand
                                claim or a lookalike host, the PDF also links to a raw IP address, or
                                a download's path names a fix (``Update.exe``, ``/hotfix/``): then
                                its own score (40)
=============================  ================================================================

Context of a unit (any one suffices): a brand claim (`BRAND_CLAIMS`: sender name, brand link text,
an executable claiming a brand), lure text (`LURE_CHECKS`: the bundled YARA lure rules, script and
macro findings), a download or credential form (`DOWNLOAD_IDS`), an executable, script or archive
among the unit's descendants (`RISKY_TYPES`, `RISKY_EXTENSIONS`) or a scanned file that is itself a
program (`EXECUTABLE_TYPES`), a strong lookalike anywhere in the unit; and per finding: a lure word
or download in the URL's path, or a fresh-looking domain (a risky TLD on a domain that is not popular).

Other checks add their ids to `BRAND_CLAIMS`, `LURE_CHECKS` or `DOWNLOAD_IDS` to make them context.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .checks.base import severity_for_score
from .domains.lookalike import RISKY_TLDS
from .models import Finding

WEAK_ALONE = 5
# A brand name with lure words ("googleonlinesecurity", "crowdstrike-recovery-portal") and nothing else
# around it: suspicious, not malicious (Google's own security blog is googleonlinesecurity.blogspot.com).
LURE_NAME_ALONE = 50
DOWNLOAD_ALONE = 10
STRONG_LOOKALIKE = frozenset({"brand_domain_prefix", "brand_lure", "userinfo"})
# "check:id" of findings that claim a brand, and checks/ids that are lure text or a download.
BRAND_CLAIMS = frozenset({
    "email:brand_display_name", "email:link_text_brand_mismatch", "email:brand_subject",
    "brand:unsigned_brand_claim", "brand:publisher_mismatch", "brand:untrusted_brand_signer",
    "impersonation:vendor_impersonation", "impersonation:vendor_impersonation_link",
})
LURE_CHECKS = frozenset({"yara", "script", "office"})
DOWNLOAD_IDS = frozenset({"pdf:link_to_download", "pdf:launch_action", "pdf:embedded_executable"})
EXECUTABLE_TYPES = frozenset({"pe", "elf", "macho", "lnk"})
RISKY_TYPES = frozenset({"pe", "elf", "macho", "lnk", "iso", "zip", "7z", "rar", "cab"})
RISKY_EXTENSIONS = frozenset({".exe", ".scr", ".msi", ".dll", ".ps1", ".vbs", ".vbe", ".js", ".jse", ".wsf",
                              ".hta", ".bat", ".cmd", ".lnk", ".jar", ".iso", ".img", ".zip", ".rar", ".7z"})
UNIT_TYPES = frozenset({"email", "msg"})
# Words of a fix or update in a URL path or download name (narrower than domains.squat.LURE_WORDS: "docs",
# "files" or "setup" are everyday in paths).
LURE_PATH_WORDS = frozenset({"update", "updates", "updater", "hotfix", "fix", "patch", "upgrade", "recovery",
                             "repair", "remediation", "bsod", "crash", "renewal", "renew", "expired"})
# A download link that also has one of these on its item is no longer "alone".
DOWNLOAD_COMPANIONS = frozenset({"pdf:link_to_ip_address"})
# Same-class caps: findings of one class on one item sum to less than the malicious threshold unless
# one of the class's strong findings is there (a macro that downloads is a dropper; one that runs a
# command on open is also what legitimate automation templates do).
CLASS_CAPS: dict[str, tuple[str, frozenset[str]]] = {
    "office:vba": ("office:vba_", frozenset({"office:vba_downloads"})),
}
_URL_TAIL = re.compile(r"^[a-z]+://[^/?#]*([^#]*)", re.IGNORECASE)
_DOWNLOAD_PATH = re.compile(r"\.(?:exe|scr|msi|zip|rar|7z|iso|img|ps1|vbs|hta|bat|cmd|js|lnk|jar)(?:$|[?#&])",
                            re.IGNORECASE)


@dataclass(frozen=True)
class Node:
    """One scanned item: where it is, its type, its parent's index (-1 for the file) and own findings."""

    location: tuple[str, ...]
    type: str
    parent: int
    findings: tuple[Finding, ...]


def _key(f: Finding) -> str:
    return f"{f.check}:{f.id}"


def _strong(f: Finding) -> bool:
    """A lookalike whose host carries the lure itself.  A brand token that is a common word ("outlook",
    "zoom") next to a lure word ("outlooksecure.com") is weak: such names are everyday business names;
    so is a lure word inside other letters ("chromedevtools.github.io": dev + tools)."""
    return f.check == "lookalike" and (f.id in STRONG_LOOKALIKE
                                       or (f.id == "homoglyph" and "scripts" in f.evidence)) \
        and not f.evidence.get("popular") \
        and not (f.id == "brand_lure" and (f.evidence.get("generic") or f.evidence.get("partial")))


def _units(nodes: Sequence[Node]) -> list[int]:
    """Index of each node's unit: the nearest message at or above it, else the file (0)."""
    units: list[int] = []
    for i, n in enumerate(nodes):
        units.append(i if n.type in UNIT_TYPES or n.parent < 0 else units[n.parent])
    return units


def _context(nodes: Sequence[Node], units: list[int]) -> dict[int, list[str]]:
    """Unit index -> the context signals found in it."""
    ctx: dict[int, list[str]] = {}
    for i, n in enumerate(nodes):
        found = ctx.setdefault(units[i], [])
        if i != units[i] and (n.type in RISKY_TYPES or any(n.location[-1].lower().endswith(e)
                                                             for e in RISKY_EXTENSIONS)):
            found.append(f"attachment:{n.location[-1]}")
        elif i == 0 and n.type in EXECUTABLE_TYPES:  # the scanned file is itself a program naming the host
            found.append(f"executable:{n.location[-1]}")
        for f in n.findings:
            if f.score <= 0:
                continue
            if _key(f) in BRAND_CLAIMS:
                found.append(f"brand_claim:{_key(f)}")
            elif f.check in LURE_CHECKS:
                found.append(f"lure_text:{_key(f)}")
            elif _key(f) in DOWNLOAD_IDS:
                found.append(f"download:{_key(f)}")
            elif _strong(f):
                found.append(f"strong_lookalike:{f.id}")
    return ctx


def _path(url: str) -> str:
    m = _URL_TAIL.match(url)
    return (m.group(1) if m else "").lower()


def _fix_words(url: str) -> frozenset[str]:
    """Words of a fix or update in the URL's path ("/falcon-hotfix/", "Update.exe")."""
    return LURE_PATH_WORDS & set(re.split(r"[^a-z]+", _path(url)))


def _lure_path(url: str) -> bool:
    """The URL's path downloads a program or archive, or names a fix."""
    return bool(_DOWNLOAD_PATH.search(_path(url)) or _fix_words(url))


def _own_context(f: Finding) -> str:
    url = str(f.evidence.get("url", ""))
    if _lure_path(url):
        return f"lure_url:{url[:100]}"
    tld = str(f.evidence.get("domain", "")).rsplit(".", 1)[-1]
    if tld in RISKY_TLDS and not f.evidence.get("popular"):
        return f"fresh_domain:.{tld}"
    return ""


def _changed(f: Finding, score: int, reason: str) -> Finding:
    if score == f.score or "score_override" in f.evidence:  # the operator's score_overrides win
        return f
    return replace(f, score=score, severity=severity_for_score(score),
                   evidence={**f.evidence, "raw_score": f.score, "composite": reason})


def _lookalikes(found: list[Finding], context: list[str]) -> list[Finding]:
    out: list[Finding] = []
    for f in found:
        if f.evidence.get("popular"):
            out.append(_changed(f, 0, "popular registrable domain"))
        elif _strong(f):
            lure = [c for c in context if not c.startswith("strong_lookalike:")]
            if f.id == "brand_lure" and not lure and not _own_context(f):
                out.append(_changed(f, min(f.score, LURE_NAME_ALONE), "brand lure name without lure context"))
            else:
                out.append(f)
        else:
            own = _own_context(f)
            why = own or (context[0] if context else "")
            out.append(_changed(f, f.score, why) if why else
                       _changed(f, min(f.score, WEAK_ALONE), "weak lookalike without lure context"))
    best = max(range(len(out)), key=lambda i: (out[i].score, _strong(out[i])), default=-1)
    return [g if i == best else _changed(g, 0, "one lookalike finding counts per item") for i, g in enumerate(out)]


def _cap(found: list[Finding], malicious: int) -> list[Finding]:
    """Apply `CLASS_CAPS` to one item's findings."""
    keys = {_key(f) for f in found if f.score > 0}
    for name, (prefix, strong) in CLASS_CAPS.items():
        members = [i for i, f in enumerate(found) if _key(f).startswith(prefix) and f.score > 0]
        excess = sum(found[i].score for i in members) - (malicious - 1)
        if excess <= 0 or keys & strong:
            continue
        for i in sorted(members, key=lambda i: found[i].score):  # lower the weakest first
            cut = min(excess, found[i].score)
            found[i] = _changed(found[i], found[i].score - cut, f"{name} findings alone stay below malicious")
            excess -= cut
            if excess <= 0:
                break
    return found


def rescore(nodes: Sequence[Node], malicious: int = 70) -> list[tuple[Finding, ...]]:
    """Every node's findings with the composite rules applied (same order, same findings); `malicious`
    is the malicious threshold (same-class caps stay below it)."""
    units = _units(nodes)
    ctx = _context(nodes, units)
    lookalike_units = {units[i] for i, n in enumerate(nodes) for f in n.findings
                       if f.check == "lookalike" and f.score > 0 and not f.evidence.get("popular")}
    out: list[tuple[Finding, ...]] = []
    for i, n in enumerate(nodes):
        context = ctx.get(units[i], [])
        looks = _lookalikes([f for f in n.findings if f.check == "lookalike"], context)
        it = iter(looks)
        new: list[Finding] = []
        for f in n.findings:
            if f.check == "lookalike":
                new.append(next(it))
            elif _key(f) == "pdf:link_to_download":
                lure = [c for c in context if not c.startswith(("download:", "attachment:"))]
                companions = {_key(g) for g in n.findings if g.score > 0} & DOWNLOAD_COMPANIONS
                lure_names = any(_fix_words(str(u)) for u in f.evidence.get("urls", []))
                if lure or companions or lure_names or units[i] in lookalike_units:
                    new.append(f)
                else:
                    new.append(_changed(f, min(f.score, DOWNLOAD_ALONE),
                                        "download link without lure text, brand claim or lookalike host"))
            else:
                new.append(f)
        out.append(tuple(_cap(new, malicious)))
    return out
