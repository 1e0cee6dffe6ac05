"""`ioc`: known-bad file hashes and domains (from `iocs/` in each rule folder).

Hashes are compared for every item; md5 and sha1 are only computed when the
lists hold such entries.  Domains are matched against every host named in text
items (URLs, bare names, defanged forms), subdomains included.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from ..domains.hosts import split_url
from ..domains.indicators import extract_hosts, extract_urls, parent_domains
from ..intel.feeds import Feed, cached_feeds, lookup
from ..intel.iocs import Indicator, load_iocs
from ..intel.parse import normalise
from ..models import Finding, Incomplete, Item, Severity
from .base import CheckContext
from .hosttext import host_text


class IocCheck:
    name = "ioc"

    def __init__(self, ctx: CheckContext) -> None:
        self.settings = ctx.settings
        self.db = load_iocs(ctx.rule_dirs)
        self.extra_hashes = sorted(self.db.hash_types - {"sha256"})
        # Downloaded threat feeds (`scamscan feeds update`), memory-mapped: see scanner/intel/feeds.py.
        # Only block lists: a "fresh" (newly registered domains) feed is no verdict on its own.
        self.feeds = [f for f in cached_feeds(Path(ctx.settings.cache_dir) / "feeds") if f.role == "block"]
        self.feed_kinds = {f.kind for f in self.feeds}

    def applies(self, item: Item) -> bool:
        return (len(self.db) > 0 or bool(self.feeds)) and item.size > 0

    def run(self, item: Item) -> Iterator[Finding | Incomplete]:
        digests = {"sha256": item.sha256}
        for kind in self.extra_hashes:
            digests[kind] = hashlib.new(kind, item.data).hexdigest()
        for kind, digest in digests.items():
            hit = self.db.hashes.get(digest)
            if hit is not None and hit.kind == kind:
                yield item.finding(self.name, f"known_bad_{kind}", Severity.CRITICAL, 100,
                                   f"file hash is a known-bad {kind} ({hit.campaign or 'listed'})",
                                   self._evidence(hit))
        feed = lookup(self.feeds, "sha256", item.sha256) if "sha256" in self.feed_kinds else None
        if feed is not None:
            yield item.finding(self.name, "known_bad_sha256", Severity.CRITICAL, 100,
                               f"file hash is listed by threat feed {feed.name}", self._feed_evidence(feed))
        if (self.db.domains or self.feed_kinds & {"domain", "url"}) and item.filetype.is_text:
            text, cut = host_text(item, self.settings)
            if cut:
                yield item.incomplete("max_text_size",
                                      f"only the first {self.settings.max_text_size} bytes searched for domains",
                                      self.name)
            yield from self._domains(item, text)

    def _domains(self, item: Item, text: str) -> Iterator[Finding]:
        seen: set[str] = set()
        urls = extract_urls(text) if "url" in self.feed_kinds or "domain" in self.feed_kinds else []
        hosts = extract_hosts(text) | {split_url(u)[0].lower().rstrip(".") for u in urls}
        for host in sorted(hosts):
            for candidate in parent_domains(host):
                hit = self.db.domains.get(candidate)
                if hit is not None and host not in seen:
                    seen.add(host)
                    yield item.finding(self.name, "known_bad_domain", Severity.HIGH, 80,
                                       f"mentions known-bad domain {host} ({hit.campaign or 'listed'})",
                                       {"host": host, **self._evidence(hit)})
                feed = lookup(self.feeds, "domain", candidate) if "domain" in self.feed_kinds else None
                if feed is not None and host not in seen:
                    seen.add(host)
                    yield item.finding(self.name, "known_bad_domain", Severity.HIGH, 80,
                                       f"mentions domain {host} listed by threat feed {feed.name}",
                                       {"host": host, "indicator": candidate, **self._feed_evidence(feed)})
        for url in urls if "url" in self.feed_kinds else []:
            key = normalise(url, "url")
            feed = lookup(self.feeds, "url", key) if key else None
            if feed is not None:
                yield item.finding(self.name, "known_bad_url", Severity.HIGH, 80,
                                   f"mentions URL listed by threat feed {feed.name}",
                                   {"url": url[:500], "indicator": key, **self._feed_evidence(feed)})

    @staticmethod
    def _feed_evidence(feed: Feed) -> dict[str, str]:
        return {"type": feed.kind, "source": f"feed:{feed.name}", "reference": str(feed.meta.get("source", "")),
                "fetched_at": str(feed.meta.get("fetched_at", ""))}

    @staticmethod
    def _evidence(hit: Indicator) -> dict[str, str]:
        return {"indicator": hit.value, "type": hit.kind, "campaign": hit.campaign,
                "reference": hit.reference, "source": hit.source}
