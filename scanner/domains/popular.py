"""Popular registrable domains: evidence of legitimacy for the lookalike scoring.

A domain among the most visited of the web is not a freshly registered scam domain, so a lookalike
match on it is kept as information only (`scanner.scoring`).  The list is data: every ``*.txt`` in a
rule folder's ``popular/`` (one registrable domain a line, ``#`` comments), bundled with the Tranco
top 10,000 (``rules/popular/tranco-top10k.txt``, see ``rules/README.md`` for its source).  A set
lookup of the host's registrable domain; no network.
"""

from __future__ import annotations

import functools
from pathlib import Path

from .indicators import registrable_domain


@functools.lru_cache(maxsize=8)
def _load(dirs: tuple[Path, ...]) -> frozenset[str]:
    domains: set[str] = set()
    for base in dirs:
        for path in sorted((base / "popular").glob("*.txt")):
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                name = line.split("#", 1)[0].strip().lower().rstrip(".")
                if name:
                    domains.add(name)
    return frozenset(domains)


def popular_domains(dirs: list[Path]) -> frozenset[str]:
    """Every popular registrable domain listed in the rule folders (cached per folder list)."""
    return _load(tuple(dirs))


def is_popular(host: str, popular: frozenset[str]) -> bool:
    """The host's registrable domain is in `popular`."""
    return registrable_domain(host) in popular
