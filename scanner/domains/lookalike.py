"""Lookalike domains: does a host imitate a protected brand?  Pure functions, no I/O.

The reverse of dnstwist: instead of generating permutations of one domain, every host the scanner
sees is reduced to its registrable domain (Public Suffix List, `indicators.registrable_domain`)
after IDNA decoding and NFKC normalisation (`domains.hosts`) and compared with every brand's labels
(its tokens and the labels of its own domains).  Techniques, each named in a `Match`:

==================== ===== =====================================================================
technique            score example
==================== ===== =====================================================================
brand_domain_prefix   80   ``crowdstrike.com-update.info``, ``crowdstrike.com.helpdesk-fix.info``
brand_cctld           50   ``cisco.com.au``, ``crowdstrike.com.vc``: the brand's exact name under a country code
                           (or its second level).  The brand's own by default (``not_owned`` in the
                           policy says otherwise): a weak technique that counts only with lure context
homoglyph             75   ``xn--crowdstrke-...`` (Cyrillic ``і``); 60 for ASCII tricks (``rnicrosoft``)
brand_lure            75   ``crowdstrike-recovery-portal.com``, ``outlook-login.net``
brand_subdomain       55   ``crowdstrike.phpartners.org`` (75 with a lure word)
brand_split           55   ``crowd.strike.com``
brand_other_tld       50   ``crowdstrike.buzz``
typo                  50   ``crowdstrke.com``  (edit distance 1 on a long label; 40 at distance 2;
                           25 on short or common-word labels, only under the brand's own suffix)
brand_token           45   ``whatiscrowdstrike.com`` (a distinctive token inside another name)
userinfo              70   ``https://crowdstrike.com@evil.example/`` (see the check)
==================== ===== =====================================================================

A risky TLD (.zip, .mov ...) adds `RISKY_TLD_BONUS`.  Tokens that are common words (`Brand.
generic_tokens`, and any label of 5 letters or fewer without a digit or hyphen) never match as a bare
substring: they need a lure word (the rest of the label must be made of lure words) or exact equality.
Hosts are compared without hyphens, so a hyphenated brand label ("7-zip", "win-rar") is also compared
in its joined form, under the same suffixes.  A short label with a digit or hyphen ("7-zip", "nod32")
is protected like a long name, but its near-misses must keep a digit or hyphen (8-zip.org, not gzip.org).
Edit distance uses rapidfuzz's optimal-string-alignment distance (transpositions cost 1), a maintained C++ library
fast enough to run against every brand label for every host.  The brands' own domains and their
subdomains are never flagged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from ..trust.brands import Brand
from .hosts import Host, latin_skeleton, parse_host, scripts, skeleton, unleet
from .indicators import has_known_suffix, public_suffix, registrable_domain
from .squat import edit_kind, lure_segments, lures_in
from .targets import Protection, Target, protection

RISKY_TLDS = frozenset({"zip", "mov", "top", "xyz", "click", "icu", "cfd", "sbs", "buzz", "gq", "tk", "ml"})
RISKY_TLD_BONUS = 15
MEMO = 4096  # hosts whose answers `classify` keeps per brand set

SCORES = {"brand_domain_prefix": 80, "brand_cctld": 50, "homoglyph": 75, "brand_lure": 75, "brand_subdomain": 55,
          "brand_split": 55, "brand_other_tld": 50, "typo": 50, "brand_token": 45, "userinfo": 70}


@dataclass(frozen=True)
class Match:
    brand: str
    technique: str
    score: int
    host: str       # the normalised host as a reader sees it
    domain: str     # its registrable domain
    detail: dict[str, str | int] = field(default_factory=dict, compare=False, hash=False)


def _max_distance(t: Target) -> int:
    return 2 if len(t.label) >= 9 and not t.generic else 1


@dataclass(frozen=True)
class _Seen:
    """One host, prepared once for comparison with every target."""

    host: str        # normalised host
    label: str       # registrable label ("crowdstrike-fix" of crowdstrike-fix.com)
    suffix: str
    subs: tuple[str, ...]  # labels below the registrable domain, "www" dropped
    flat: str        # label without hyphens
    latin: str       # label with Unicode lookalikes replaced by ASCII
    plain: str       # `flat` with digits and letter pairs read as letters (micros0ft -> microsoft)
    skel: str        # visual skeleton of `flat`

    @classmethod
    def of(cls, host: str, label: str, suffix: str, subs: tuple[str, ...]) -> _Seen:
        flat = label.replace("-", "")
        return cls(host, label, suffix, subs, flat, latin_skeleton(label), unleet(flat), skeleton(flat))


def country_code(suffix: str) -> bool:
    """`de`, `com.au`, `co.uk`: a country-code TLD or a second level below one."""
    parts = suffix.split(".")
    return len(parts) <= 2 and len(parts[-1]) == 2 and parts[-1].isascii() and parts[-1].isalpha()


def _match_label(t: Target, s: _Seen, cctld: bool = True) -> tuple[str, dict[str, str | int]] | None:
    """The strongest technique by which `s` imitates target `t`."""
    if cctld and s.label == t.label and country_code(s.suffix) and t.suffixes:
        return "brand_cctld", {"token": t.label, "suffix": s.suffix}
    for own in sorted(t.suffixes - {"*"}):
        brand_domain, run_on = f"{t.label}.{own}", (t.label + own).replace("-", "").replace(".", "")
        if s.host.startswith(brand_domain + "-") or (s.host.startswith(brand_domain + ".") and s.suffix != own) \
                or (len(own) > 2 and s.flat.startswith(run_on)):  # officedepot: not office.de
            return "brand_domain_prefix", {"brand_domain": brand_domain}
    if s.latin != s.label and s.latin.replace("-", "") == t.label:
        return "homoglyph", {"skeleton": s.latin, "scripts": ",".join(sorted(scripts(s.label)))}
    for form, token in ((s.latin, t.label), (s.flat, t.label), (s.plain, t.label), (s.skel, t.skel)):
        if token in form and form != token:
            rest = form.split(token)
            words = [lure_segments(r) for r in rest]
            if all(w is not None for w in words) and any(words):
                return "brand_lure", {"token": t.label, "lure": ",".join(w for ws in words for w in ws or [])}
            if t.token and not t.generic:
                lures = lures_in("".join(rest))
                if lures:  # a lure word inside other letters ("chromedevtools"): "partial", weaker
                    return "brand_lure", {"token": t.label, "lure": ",".join(lures), "partial": 1}
                return "brand_token", {"token": t.label}
    if t.label in s.subs or (not t.generic and any(t.label in sub for sub in s.subs)):
        sub = next(sub for sub in s.subs if t.label in sub)
        lures = lures_in(sub.replace(t.label, "") + s.label)
        if lures or not t.generic:
            extra = {"lure": ",".join(lures)} if lures else {}
            return "brand_subdomain", {"token": t.label, "subdomain": sub, **extra}
    if s.subs and "".join((*s.subs, s.label)).replace("-", "") == t.label:
        return "brand_split", {"token": t.label}
    if s.flat == t.label:  # ASCII here: homographs returned above
        if s.suffix in t.suffixes:
            return "typo", {"token": t.label, "distance": max(1, s.label.count("-")), "operation": "hyphenation"}
        if not t.generic or s.suffix.rsplit(".", 1)[-1] in RISKY_TLDS:
            return "brand_other_tld", {"token": t.label, "suffix": s.suffix}
        return None
    if not t.token or (t.generic and s.suffix not in t.suffixes and "*" not in t.suffixes):
        return None  # near-misses: only of the brand's names; of a common word only under the brand's TLD
    if t.marked and not any(c.isdigit() or c == "-" for c in s.label):
        return None
    limit = _max_distance(t)
    if abs(len(s.flat) - len(t.label)) > limit + 2:
        return None  # cheap exit: no edit distance (even after skeleton folding) can be that small
    if s.skel == t.skel:
        return "homoglyph", {"skeleton": s.skel, "ascii": "yes"}
    for form in (s.flat, s.latin.replace("-", "")) if s.latin != s.label else (s.flat,):
        d = OSA.distance(form, t.label, score_cutoff=limit)
        if d <= limit:
            return "typo", {"token": t.label, "distance": d, "operation": edit_kind(form, t.label)}
    d = OSA.distance(s.skel, t.skel, score_cutoff=limit)
    if d <= limit and not t.generic and len(t.label) >= 7:
        return "typo", {"token": t.label, "distance": d, "operation": "homoglyph+edit"}
    return None


def _score(technique: str, t: Target, detail: dict[str, str | int], suffix: str) -> int:
    score = SCORES.get(technique, 50)
    if technique == "homoglyph" and detail.get("ascii"):
        # rn for m, 0 for o: deliberate on a long name, a coincidence on a short word (zoon ~ zoom)
        score = 25 if t.generic or len(t.label) < 6 else 60
    if technique == "typo":
        score = 25 if t.generic or len(t.label) < 6 else (50 if detail.get("distance") == 1 else 40)
    if technique == "brand_subdomain" and "lure" in detail:
        score = 75
    if suffix.rsplit(".", 1)[-1] in RISKY_TLDS:
        score += RISKY_TLD_BONUS
    return min(score, 100)


def _candidates(prot: Protection, host: Host) -> set[str]:
    """Brands worth the full comparison: a label or skeleton occurs in the host, or one of its labels is
    near a brand label.  One regex and a rapidfuzz call in C, before the Public Suffix List is even
    loaded, so hosts unrelated to any brand (nearly all of them) cost a few microseconds."""
    flats = [lb.replace("-", "") for lb in host.unicode.split(".")]
    skels = [skeleton(f) for f in flats]
    text = "|".join((host.unicode, latin_skeleton(host.unicode), "".join(flats), skeleton("".join(flats)),
                     *skels, *(unleet(f) for f in flats)))
    brands = {prot.label_brands[prot.labels.index(m)] for m in set(prot.names.findall(text))}
    for form in set(flats + skels):
        for length in range(max(1, len(form) - 2), len(form) + 3):
            labels, owners = prot.by_len.get(length, ((), ()))
            if labels:
                for _, _, i in process.extract(form, labels, scorer=OSA.distance, score_cutoff=2, limit=None):
                    brands.add(owners[i])
    return brands


def owned(host: Host, label: str, prot: Protection) -> bool:
    """The host is one of a brand's domains or below one (``label.*`` entries: any suffix)."""
    if label in prot.any_suffix:
        return True
    for name in {host.ascii, host.unicode}:
        parts = name.split(".")
        if any(".".join(parts[i:]) in prot.owned for i in range(len(parts) - 1)):
            return True
    return False


def classify(domain: str | Host, brands: Iterable[Brand]) -> list[Match]:
    """Every brand `domain` imitates, best technique per brand, highest score first.

    The answer depends on the host and the brands only, and mail names the same hosts over and over
    (senders, links, trackers) while a comparison costs up to a millisecond: the last `MEMO` answers
    per brand set are kept (least recently used out)."""
    prot = protection(tuple(brands))
    with prot.lock:
        hit = prot.memo.get(domain)
        if hit is not None:
            prot.memo.move_to_end(domain)
            return list(hit)
    found = _classify(domain, prot)
    with prot.lock:
        prot.memo[domain] = tuple(found)
        while len(prot.memo) > MEMO:
            prot.memo.popitem(last=False)
    return found


def _classify(domain: str | Host, prot: Protection) -> list[Match]:
    host = domain if isinstance(domain, Host) else parse_host(domain)
    if host is None:
        return []
    candidates = _candidates(prot, host)
    if not candidates or not has_known_suffix(host.unicode):
        return []
    reg = registrable_domain(host.unicode)
    suffix = public_suffix(reg)
    if reg == suffix:
        return []  # a public suffix itself (co.uk, github.io): nobody's domain
    label = reg[: -len(suffix) - 1] if reg.endswith("." + suffix) else reg.split(".")[0]
    if owned(host, label, prot):
        return []
    subs = host.unicode[: -len(reg) - 1].split(".") if host.unicode != reg else []
    seen = _Seen.of(host.unicode, label, suffix, tuple(sub for sub in subs if sub and sub != "www"))
    best: dict[str, Match] = {}
    for t in prot.targets:
        if t.brand not in candidates:
            continue
        found = _match_label(t, seen, reg not in prot.not_owned)
        if found is None:
            continue
        technique, detail = found
        if host.error:
            detail = {**detail, "host_error": host.error}
        if t.generic:
            detail = {**detail, "generic": 1}  # a common word: scanner.scoring wants lure context for it
        m = Match(t.brand, technique, _score(technique, t, detail, suffix), host.unicode, reg,
                  {"brand_label": t.label, **detail})
        if t.brand not in best or m.score > best[t.brand].score:
            best[t.brand] = m
    return sorted(best.values(), key=lambda m: (-m.score, m.brand))
