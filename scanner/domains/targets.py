"""The lookalike targets: every brand label worth protecting, prepared once per brand policy.

A label is a brand token ("crowdstrike") or the label of one of its own domains ("win-rar" of
win-rar.com), with the suffixes the brand uses it under.  Labels of 5 characters or fewer are common
words unless a digit or hyphen marks them (`marked`).  `Protection` also holds the regex trie and the
by-length tables `lookalike._candidates` uses to pick candidate brands fast.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from ..trust.brands import Brand
from .hosts import skeleton
from .indicators import public_suffix, registrable_domain

MIN_DOMAIN_LABEL = 5   # own-domain labels shorter than this (msn, live, bing) are not protected
MIN_TOKEN = 4          # nor tokens shorter than this
GENERIC_MAX_LEN = 5    # labels this short are treated as common words (unless `marked`)


@dataclass(frozen=True)
class Target:
    brand: str
    label: str            # ascii brand label ("crowdstrike")
    skel: str             # its visual skeleton
    generic: bool
    token: bool           # a brand token (its name), not only the label of one of its domains
    suffixes: frozenset[str]  # suffixes the brand uses this label under ("com", "co.uk")
    marked: bool = False  # short, but not a word for its digit or hyphen ("7-zip"): see `marked`


@dataclass(frozen=True)
class Protection:
    targets: tuple[Target, ...]
    names: re.Pattern[str]       # any target label or skeleton, to pick candidate brands fast
    labels: tuple[str, ...]      # target labels and skeletons, parallel to `label_brands`
    label_brands: tuple[str, ...]
    owned: frozenset[str]        # every brand domain (a host at or below one is never flagged)
    any_suffix: frozenset[str]   # labels a brand holds under every suffix ("google.*")
    not_owned: frozenset[str]    # country-code variants held by someone else (no brand_cctld exception)
    # labels and their brands by length: an edit distance of 2 needs lengths within 2 of each other
    by_len: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict, compare=False,
                                                                        hash=False)
    # host -> its matches, the last answers `lookalike.classify` gave against these brands
    memo: OrderedDict[Any, tuple[Any, ...]] = field(default_factory=OrderedDict, compare=False, hash=False)
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False, hash=False)


# Room for every brand on its own: the lookalike check asks, per URL with a userinfo part, about each
# brand alone (`classify(shown, (brand,))`), and with 76 brands and 16 places every call rebuilt its
# Protection: 2,000 such URLs in one file took 14 s.
@functools.lru_cache(maxsize=1024)
def protection(brands: tuple[Brand, ...]) -> Protection:
    targets: dict[tuple[str, str], Target] = {}
    for b in brands:
        by_label: dict[str, set[str]] = {}
        for d in b.domains:
            if d.endswith(".*"):  # "google.*": the brand holds this label under every suffix
                by_label.setdefault(d[:-2], set()).add("*")
                continue
            reg = registrable_domain(d)
            suffix = public_suffix(reg)
            if reg == suffix:  # a brand domain that is also a private suffix (brave.app)
                label, _, suffix = reg.partition(".")
            else:
                label = reg[: -len(suffix) - 1]
            by_label.setdefault(label, set()).add(suffix)
        # hosts are compared without hyphens: "7-zip" (a token, or the label of 7-zip.org) is also "7zip",
        # under the same suffixes, so 7zipp.org and 7-zlp.org are near-misses of a label of 7-Zip's own TLD
        tokens = {t for t in b.tokens if len(t) >= MIN_TOKEN}
        tokens |= {t.replace("-", "") for t in tokens}
        for label, suffixes in list(by_label.items()):
            if label.replace("-", "") in tokens:
                by_label.setdefault(label.replace("-", ""), set()).update(suffixes)
        for label in sorted(tokens | {lb for lb in by_label if len(lb) >= MIN_DOMAIN_LABEL}):
            if "." in label or not label.isascii():
                continue
            mark = marked(label) or any(marked(t) for t in tokens if t.replace("-", "") == label)
            generic = label in b.generic_tokens or (len(label) <= GENERIC_MAX_LEN and not mark)
            targets[(b.key, label)] = Target(b.key, label, skeleton(label), generic, label in tokens,
                                              frozenset(by_label.get(label, set())), mark)
    domains = {d for b in brands for d in (*b.domains, *b.portfolio, *b.partners)}
    pairs = sorted({(x, t.brand) for t in targets.values() for x in (t.label, t.skel)}, key=lambda p: -len(p[0]))
    names = re.compile(_trie([x for x, _ in pairs]) or "(?!)")
    by_len: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for length in {len(x) for x, _ in pairs}:
        same = [(x, b) for x, b in pairs if len(x) == length]
        by_len[length] = (tuple(x for x, _ in same), tuple(b for _, b in same))
    return Protection(tuple(targets.values()), names, tuple(x for x, _ in pairs), tuple(b for _, b in pairs),
                       frozenset(d for d in domains if not d.endswith(".*")),
                       frozenset(d[:-2] for d in domains if d.endswith(".*")),
                       frozenset(d for b in brands for d in b.not_owned), by_len)


def _trie(words: list[str]) -> str:
    """One regex for `words`, prefixes factored out (``cro(?:wdstrike|me)``): Python's engine tries an
    alternation branch by branch at every position, a trie only along matching prefixes, which keeps
    the candidate search flat as brands are added.  Longest match first, like the plain alternation."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in node.items() if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(tree)


def marked(label: str) -> bool:
    """A short label with a digit or hyphen ("7-zip", "nod32") is no dictionary word, so it is protected
    like a long name (substrings, near-misses under any suffix) as long as the near-miss keeps a digit or
    hyphen too: 7zipp.com and 8-zip.org imitate 7-Zip, gzip.org and zip.com are other names."""
    return len(label.replace("-", "")) <= GENERIC_MAX_LEN and any(c.isdigit() or c == "-" for c in label)
