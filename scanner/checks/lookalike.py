"""`lookalike`: hosts that imitate a protected brand (`rules/brands.toml`), seen for the first time.

Blocklists lag behind registrations, so every host an item names is compared with the brands by
`scanner.lookalike.classify`: hosts and URLs in text, HTML and e-mail (addresses in headers
included, `user@host`), Unicode host names, and URLs in PE files.  PE files are searched with one
bytes regex for ``http(s)://`` in ASCII and UTF-16LE (about 1 GB/s, capped at `PE_URL_CAP` URLs) so
the libwine throughput target holds.  A URL whose userinfo shows a brand while the browser goes
elsewhere (``https://crowdstrike.com@evil.example/``) is a finding of its own.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from ..domains.hosts import parse_host, split_url
from ..domains.indicators import extract_hosts, extract_urls
from ..domains.lookalike import SCORES, Match, classify
from ..domains.popular import is_popular, popular_domains
from ..filetypes import FileType
from ..models import Finding, Incomplete, Item
from ..trust.brands import Brand, load_brands
from .base import CheckContext, severity_for_score
from .hosttext import host_text

MAX_FINDINGS = 25      # findings per item (the rest are counted in the last one's evidence)
PE_URL_CAP = 256
_PE_URL = re.compile(rb"https?://[\x21-\x7e]{4,255}|h\x00t\x00t\x00p\x00(?:s\x00)?:\x00/\x00/\x00(?:[\x21-\x7e]\x00){4,255}")
# Host names with non-ASCII letters (the ASCII ones come from indicators.extract_hosts).
_UNICODE_HOST = re.compile(r"(?<![\w.-])((?:[\w-]{1,63}[.\u3002\uff0e])+[^\W\d_]{2,63})(?![\w-])")


class LookalikeCheck:
    name = "lookalike"

    def __init__(self, ctx: CheckContext) -> None:
        self.settings = ctx.settings
        self.brands: tuple[Brand, ...] = tuple(load_brands(ctx.rule_dirs).values())
        self.popular = popular_domains(ctx.rule_dirs)

    def applies(self, item: Item) -> bool:
        return bool(self.brands) and item.size > 0 and (item.filetype.is_text or item.filetype == FileType.PE)

    def run(self, item: Item) -> Iterator[Finding | Incomplete]:
        hosts: dict[str, str] = {}
        urls: list[str] = []
        if item.filetype == FileType.PE:
            for hit in itertools.islice(_PE_URL.finditer(item.data), PE_URL_CAP):
                blob = hit.group(0)
                urls.append(blob.decode("utf-16-le") if blob[1:2] == b"\x00" else blob.decode("ascii"))
        else:
            text, cut = host_text(item, self.settings)
            if cut:
                yield item.incomplete("max_text_size",
                                      f"only the first {self.settings.max_text_size} bytes searched for hosts",
                                      self.name)
            urls = extract_urls(text)
            for h in sorted(extract_hosts(text)):
                hosts.setdefault(h, "text")
            if not text.isascii():
                for h in _UNICODE_HOST.findall(text):
                    if not h.isascii():
                        hosts.setdefault(h, "text")
        for url in urls:
            host, userinfo = split_url(url)
            if host:
                hosts[host] = url
            if userinfo:
                yield from self._userinfo(item, url, host, userinfo)
        findings = 0
        cap = self.settings.max_hosts
        for raw, source in itertools.islice(hosts.items(), cap):
            matches = classify(raw, self.brands)
            if matches and findings < MAX_FINDINGS:
                findings += 1
                yield self._finding(item, matches, raw, source)
        if len(hosts) > cap:
            yield item.incomplete("max_hosts", f"only the first {cap} of {len(hosts)} hosts compared with "
                                  "the brands", self.name)

    def _finding(self, item: Item, matches: list[Match], raw: str, source: str) -> Finding:
        best = matches[0]
        evidence: dict[str, object] = {
            "host": best.host, "domain": best.domain, "brand": best.brand, "technique": best.technique,
            **best.detail, "seen_as": raw,
            "matches": [{"brand": m.brand, "technique": m.technique, "score": m.score} for m in matches],
        }
        if source != "text":
            evidence["url"] = source[:500]
        if is_popular(best.domain, self.popular):
            evidence["popular"] = True  # scored by scanner.scoring: a popular domain is no fresh scam site
        return item.finding(self.name, best.technique, severity_for_score(best.score), best.score,
                            f"{best.host}{f' ({raw})' if raw.lower() != best.host else ''} imitates {best.brand} "
                            f"({best.technique.replace('_', ' ')}"
                            f"{', ' + str(best.detail['operation']) if 'operation' in best.detail else ''})",
                            evidence)

    def _userinfo(self, item: Item, url: str, host: str, userinfo: str) -> Iterator[Finding]:
        shown = parse_host(userinfo.split(":", 1)[0])
        real = parse_host(host)
        if shown is None or real is None:
            return
        for b in self.brands:
            if (b.owns_domain(shown.ascii) or classify(shown, (b,))) and not b.owns_domain(real.ascii):
                score = SCORES["userinfo"]
                yield item.finding(self.name, "userinfo", severity_for_score(score), score,
                                   f"URL shows {shown.unicode} ({b.key}) before '@' but goes to {real.unicode}",
                                   {"url": url[:500], "shown": shown.unicode, "host": real.unicode, "brand": b.key,
                                    "technique": "userinfo"})
                return
