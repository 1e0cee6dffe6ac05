"""`ioc`: known-bad file hashes and domains (from `iocs/` in each rule folder).

Hashes are compared for every item; md5 and sha1 are only computed when the
lists hold such entries.  Domains are matched against every host named in text
items (URLs, bare names, defanged forms), subdomains included.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from ..indicators import decode_text, extract_hosts, parent_domains
from ..iocs import Indicator, load_iocs
from ..models import Finding, Incomplete, Item, Severity
from .base import CheckContext

TEXT_LIMIT = 16 * 1024 * 1024


class IocCheck:
    name = "ioc"

    def __init__(self, ctx: CheckContext) -> None:
        self.db = load_iocs(ctx.rule_dirs)
        self.extra_hashes = sorted(self.db.hash_types - {"sha256"})

    def applies(self, item: Item) -> bool:
        return len(self.db) > 0 and item.size > 0

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
        if self.db.domains and item.filetype.is_text:
            if item.size > TEXT_LIMIT:
                yield item.incomplete("max_text_size", f"only the first {TEXT_LIMIT} bytes searched for domains",
                                      self.name)
            yield from self._domains(item)

    def _domains(self, item: Item) -> Iterator[Finding]:
        seen: set[str] = set()
        for host in sorted(extract_hosts(decode_text(item.data, TEXT_LIMIT))):
            for candidate in parent_domains(host):
                hit = self.db.domains.get(candidate)
                if hit is not None and host not in seen:
                    seen.add(host)
                    yield item.finding(self.name, "known_bad_domain", Severity.HIGH, 80,
                                       f"mentions known-bad domain {host} ({hit.campaign or 'listed'})",
                                       {"host": host, **self._evidence(hit)})

    @staticmethod
    def _evidence(hit: Indicator) -> dict[str, str]:
        return {"indicator": hit.value, "type": hit.kind, "campaign": hit.campaign,
                "reference": hit.reference, "source": hit.source}
