"""Is a domain freshly registered (fewer than ``fresh_domain_days`` days ago)?

Scam mail links to domains bought days before the campaign; a vendor's real mail does not.  Two
sources, both off by default (a scan needs no network, a gateway never waits on one):

1. Feeds with ``role = "fresh"`` (`intel.feeds`): newly-registered-domain lists, plain domain lists
   published daily.  A listed domain is fresh while the list is current: downloaded at most
   ``feeds_max_age`` hours ago (``fetched_at``; a "not modified" answer does not count, since the
   listed domains grew older all the same).  An older list says nothing; `scamscan feeds status` and
   the scan's warning already report it as stale.  Offline at scan
   time: a binary search in the memory-mapped list.
2. RDAP (`intel.rdap`) when ``rdap_enabled``: the registration date itself, compared with
   ``fresh_domain_days``.  At most ``rdap_max_lookups`` network lookups per call (cached answers are
   free), and none started once the call has spent ``2 * rdap_timeout`` seconds on them: one request
   takes at most about ``3 * rdap_timeout`` (connect, headers, body deadline), so a call stays under
   ``5 * rdap_timeout`` whatever the servers do.  Domains over the cap or the time and lookups that
   failed are returned so the caller can record them (the check makes them `incomplete` entries:
   never a silent clean).

Only registrable domains are asked about (``a.b.example.com`` -> ``example.com``): that is what is
registered; in their ASCII form (``xn--``), as feeds store them and registries expect them.  A call
stops at the first fresh domain.  The caller decides which domains are worth a lookup (the
impersonation check asks only for the links and sender of a mail that already impersonates a
vendor, after dropping the brand's own and popular domains), which keeps lookups rare and leaks
little to registries.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..config import Settings
from .feeds import Feed, cached_feeds, lookup
from .parse import normalise
from .rdap import RdapClient


@dataclass(frozen=True)
class FreshDomain:
    domain: str
    source: str             # "feed:NAME" or "rdap:BASE_URL"
    registered: str = ""    # ISO date-time when known (RDAP), "" for a feed listing
    age_days: int = -1      # whole days since registration, -1 when unknown (a feed listing)

    def describe(self) -> str:
        when = f"registered {self.age_days} days ago" if self.age_days >= 0 else "newly registered"
        return f"{when}, {self.source}"


@dataclass(frozen=True)
class Freshness:
    fresh: tuple[FreshDomain, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()   # (domain, why the registration date is unknown)
    skipped: tuple[str, ...] = ()              # not looked up: over rdap_max_lookups or the time budget


def _feed_time(feed: Feed) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(feed.meta.get("fetched_at", "")))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class FreshnessOracle:
    """Answers `check(domains)` from the fresh feeds and, when enabled, RDAP."""

    def __init__(self, settings: Settings) -> None:
        self.days = settings.fresh_domain_days
        self.max_age_hours = settings.feeds_max_age
        self.max_lookups = settings.rdap_max_lookups
        self.budget = 2 * settings.rdap_timeout
        self.feeds = [f for f in cached_feeds(Path(settings.cache_dir) / "feeds") if f.role == "fresh"]
        self.rdap = RdapClient(settings.cache_dir, settings.rdap_bootstrap_url, settings.rdap_base_url,
                               settings.rdap_timeout) if settings.rdap_enabled else None

    @property
    def enabled(self) -> bool:
        return self.rdap is not None or bool(self.feeds)

    def _current_feeds(self, now: datetime) -> list[Feed]:
        out = []
        for feed in self.feeds:
            when = _feed_time(feed)
            if when is not None and (now - when).total_seconds() <= self.max_age_hours * 3600:
                out.append(feed)
        return out

    def check(self, domains: Iterable[str], now: datetime | None = None, first: bool = True) -> Freshness:
        """Fresh domains among `domains` (registrable domains, in the order given); with `first`, stop at
        the first fresh one (one is all an escalation needs: fewer lookups)."""
        now = now or datetime.now(UTC)
        feeds = self._current_feeds(now)
        fresh: list[FreshDomain] = []
        failed: list[tuple[str, str]] = []
        skipped: list[str] = []
        lookups, started = 0, time.monotonic()
        for domain in dict.fromkeys(filter(None, (normalise(d, "domain") for d in domains if d))):
            if fresh and first:
                break
            feed = lookup(feeds, "domain", domain, role="fresh")
            if feed is not None:
                fresh.append(FreshDomain(domain, f"feed:{feed.name}"))
                continue
            if self.rdap is None:
                continue
            answer = self.rdap.cached(domain)
            if answer is None:
                if lookups >= self.max_lookups or (lookups and time.monotonic() - started > self.budget):
                    skipped.append(domain)
                    continue
                lookups += 1
                answer = self.rdap.query(domain)
            if answer.status == "failed":
                failed.append((domain, answer.detail))
                continue
            registered = answer.registered_at()
            if registered is None:
                continue  # no record (not_found, no_service) or no registration event: nothing to say
            age = (now - registered).total_seconds() / 86400
            if -1 < age < self.days:  # (a date less than a day ahead: clock skew, still new)
                fresh.append(FreshDomain(domain, f"rdap:{answer.server}", answer.registered, max(0, int(age))))
        return Freshness(tuple(fresh), tuple(failed), tuple(skipped))
