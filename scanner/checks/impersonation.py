"""`impersonation`: mail that speaks for a software vendor it does not come from.

The everyday fake-update scam needs no attachment: "Your McAfee protection has expired, renew
now", "PROTECTION DISABLED: your Norton subscription", "Ihr McAfee-Schutz muss aktualisiert
werden".  The pattern, whatever the brand:

* a claim: a protected brand (`rules/brands.toml`) in the sender's display name or the subject,
  or, for the brand kinds `rules/lures.toml` names (security, VPN, password managers: what is sold
  by subscription), a distinctive brand or product name in the first lines of the body; or a
  sender name that claims to be security software without naming anyone ("Antivirus alerts");
* the sender's domain is not the brand's, and the links (if any) do not all go to the brand;
* lure language (`rules/lures.toml`: expired, update required, payment failed / auto-renewed,
  renew + threat), in English, German, Dutch, French, Spanish or Italian; a claim in the subject
  or body (newsletters name vendors every day) needs a category that is a lure by itself.

Together that is `vendor_impersonation` (40: suspicious, with the email check's display-name
finding 65).  With a link or sender on a lookalike of a brand, a link to a bare or encoded IP
address, or a link or sender domain registered fewer than ``fresh_domain_days`` days ago
(`intel.freshness`: a "fresh" feed or RDAP, both off by default), it is
`vendor_impersonation_link` (75: malicious).  Freshness is asked only for such a mail, and not for
the brand's own or popular domains: lookups stay rare, and a registry learns little; a lookup that
failed or was over ``rdap_max_lookups`` is an `incomplete` entry.  Names are compared as a reader
sees them: invisible characters (``M\u200eca\u200efe\u200ee``), homoglyphs and ``™``/``®`` are
folded away first, and their use is reported (`tricks` in the evidence, +10).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..domains.hosts import latin_skeleton
from ..domains.htmllinks import extract_links, html_text
from ..domains.indicators import extract_urls, registrable_domain, url_host
from ..domains.lookalike import classify
from ..domains.popular import is_popular, popular_domains
from ..filetypes import FileType
from ..intel.freshness import Freshness, FreshnessOracle
from ..models import Finding, Incomplete, Item
from ..trust.brands import Brand, load_brands
from ..trust.lures import fold, load_lures, undecorate
from .base import CheckContext, severity_for_score
from .email import _addresses, _domain

if TYPE_CHECKING:
    from ..extract.mailparse import Mail

SCORE, LINK_SCORE, TRICK_BONUS = 40, 75, 10
BODY_CLAIM_CHARS = 4096   # branding sits at the top: logo text, heading, first paragraph
LURE_CHARS = 65536
MAX_LINKS = 50
_IP_HOST = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3}){3}|0x[0-9a-f]{6,8}|\d{8,10}|\[?[0-9a-f:]+:[0-9a-f:]*\]?)$")
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u2064\u206a-\u206f\u3164\ufeff\uffa0]")


@dataclass(frozen=True)
class _Claim:
    brand: Brand | None  # None: "security software" without a protected name
    source: str          # display_name | subject | body
    text: str


def _pattern(phrases: set[str]) -> re.Pattern[str]:
    alts = sorted((p for p in phrases if len(p) >= 3), key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(" + "|".join(re.escape(p) for p in alts) + r")(?![a-z0-9])") if alts \
        else re.compile("(?!)")


def _seen(text: str) -> str:
    """Folded text as a reader sees it: homoglyphs read as the Latin letters they imitate."""
    text = undecorate(text)
    return fold(latin_skeleton(text) if not text.isascii() else text)


def _tricks(raw: str) -> list[str]:
    found = []
    if _INVISIBLE.search(raw):
        found.append("invisible characters")
    if any(c in raw for c in "™®©℠"):
        found.append("trademark decoration")
    letters = [c for c in raw if c.isalpha()]
    if any(not c.isascii() for c in letters) and latin_skeleton(raw).isascii() and \
            fold(latin_skeleton(raw)) != fold(raw):
        found.append("homoglyphs")
    return found


class ImpersonationCheck:
    name = "impersonation"

    def __init__(self, ctx: CheckContext) -> None:
        self.brands = tuple(load_brands(ctx.rule_dirs).values())
        self.lures = load_lures(ctx.rule_dirs)
        self.max_parts = ctx.settings.max_children
        self.freshness = FreshnessOracle(ctx.settings)
        self.popular = popular_domains(ctx.rule_dirs) if self.freshness.enabled else frozenset()
        prominent: dict[str, Brand] = {}
        distinctive: dict[str, Brand] = {}
        for b in self.brands:
            for phrase in {fold(p) for p in (*b.names, *b.products, *b.tokens)}:
                prominent.setdefault(phrase, b)
                if b.kind in self.lures.body_kinds and phrase not in b.generic_tokens and \
                        (len(phrase) >= 6 or " " in phrase):
                    distinctive.setdefault(phrase, b)
        self._prominent, self._distinctive = prominent, distinctive
        self._prominent_re, self._distinctive_re = _pattern(set(prominent)), _pattern(set(distinctive))

    def applies(self, item: Item) -> bool:
        return item.filetype in (FileType.EMAIL, FileType.MSG) and item.size > 0

    def run(self, item: Item) -> Iterator[Finding | Incomplete]:
        from ..extract.mailparse import parse_eml
        from ..extract.msg import parse_msg
        mail = (parse_msg if item.filetype == FileType.MSG else parse_eml)(item.data, item.sha256, self.max_parts)
        sender = _addresses(mail.get("From"))
        name, address = sender[0] if sender else ("", "")
        subject = mail.subject
        domain = registrable_domain(_domain(address)) if address else ""
        claim = self._claim(name, subject, lambda: self._body(mail, BODY_CLAIM_CHARS * 4), domain)
        if claim is None:
            return
        body = self._body(mail, LURE_CHARS * 4)
        lure = self.lures.match(_seen(subject + "\n" + body[:LURE_CHARS]))
        if not self.lures.is_lure(lure, strong=claim.source != "display_name"):
            return
        links = self._links(mail)
        if claim.brand is not None and links and all(claim.brand.owns_domain(h) for h in links):
            return  # every link goes to the brand itself: a real (or forwarded) vendor mail
        tricks = _tricks(name) if claim.source == "display_name" else []
        escalation = self._escalation(domain, links)
        if not escalation and self.freshness.enabled:
            fresh = self.freshness.check(self._fresh_candidates(claim.brand, domain, links))
            escalation = self._fresh_escalation(fresh)
            yield from self._fresh_gaps(item, fresh)
        score = (LINK_SCORE if escalation else SCORE) + (TRICK_BONUS if tricks else 0)
        who = claim.brand.names[0] if claim.brand is not None and claim.brand.names else "security software"
        evidence: dict[str, Any] = {
            "brand": claim.brand.key if claim.brand is not None else "", "claim": claim.source,
            "claim_text": claim.text[:200], "sender": address, "sender_domain": domain,
            "lure_categories": list(lure.categories), "lure_phrases": list(lure.phrases),
            "links": sorted(links)[:10], "tricks": tricks, **escalation}
        if escalation:
            message = (f"mail in {who}'s name ({claim.source}) from {domain or 'no sender domain'}, with lure "
                       f"language ({', '.join(lure.categories)}) and a link or sender on "
                       f"{escalation['suspicious_host']} ({escalation['why']})")
            yield item.finding(self.name, "vendor_impersonation_link", severity_for_score(score), score, message,
                               evidence)
            return
        message = (f"mail in {who}'s name ({claim.source}: {claim.text[:60]!r}) from {domain or 'no sender domain'}"
                   f", not the vendor's, with lure language ({', '.join(lure.categories)})")
        yield item.finding(self.name, "vendor_impersonation", severity_for_score(score), score, message, evidence)

    def _body(self, mail: Mail, limit: int) -> str:
        """Visible text of the first bodies (HTML preferred), from at most `limit` characters of each."""
        html = mail.bodies("text/html")
        if html:
            return "\n".join(html_text(h[:limit]) for h in html[:3])
        return "\n".join(p[:limit] for p in mail.bodies("text/plain")[:3])

    def _claim(self, name: str, subject: str, body: Callable[[], str], domain: str) -> _Claim | None:
        """The first claim whose brand does not own the sender's domain (the body is read only when
        the sender's name and the subject claim nothing: most mail claims nothing at all)."""
        found: list[_Claim] = []
        display = _seen(name)
        for source, pattern, table in (("display_name", self._prominent_re, self._prominent),
                                       ("subject", self._prominent_re, self._prominent),
                                       ("body", self._distinctive_re, self._distinctive)):
            if source == "body" and found:
                break
            text = display if source == "display_name" else _seen(subject) if source == "subject" \
                else _seen(body()[:BODY_CLAIM_CHARS])
            for m in pattern.finditer(text):
                found.append(_Claim(table[m.group(1)], source, name if source == "display_name" else m.group(1)))
            if source == "display_name" and not found and self.lures.generic_claim(display):
                found.append(_Claim(None, source, name))
        for claim in found:
            if claim.brand is None or not (domain and claim.brand.owns_domain(domain)):
                owned = domain and any(c.brand is not None and c.brand.owns_domain(domain) for c in found)
                return None if owned else claim
        return None

    def _links(self, mail: Mail) -> set[str]:
        hosts: set[str] = set()
        for html in mail.bodies("text/html")[:3]:
            for link in extract_links(html)[:MAX_LINKS]:
                if link.target.lower().startswith(("http:", "https:")):
                    hosts.add(url_host(link.target))
        for text in mail.bodies("text/plain")[:3]:
            hosts.update(url_host(u) for u in extract_urls(text[:LURE_CHARS])[:MAX_LINKS])
        return {h for h in hosts if h}

    def _fresh_candidates(self, brand: Brand | None, domain: str, links: set[str]) -> list[str]:
        """Registrable domains of the sender and the links, less the brand's own and popular ones."""
        out = [registrable_domain(h) for h in [domain, *sorted(links)] if h and not _IP_HOST.match(h)]
        return [d for d in dict.fromkeys(out) if d and not is_popular(d, self.popular)
                and not (brand is not None and brand.owns_domain(d))]

    @staticmethod
    def _fresh_escalation(fresh: Freshness) -> dict[str, str]:
        if not fresh.fresh:
            return {}
        first = fresh.fresh[0]
        return {"suspicious_host": first.domain, "why": f"fresh domain: {first.describe()}",
                "fresh_source": first.source, "registered": first.registered}

    def _fresh_gaps(self, item: Item, fresh: Freshness) -> Iterator[Incomplete]:
        if fresh.fresh:
            return  # already malicious: the unanswered lookups change nothing
        for name, why in fresh.failed:
            yield item.incomplete("rdap", f"registration date of {name} unknown: {why}", self.name)
        if fresh.skipped:
            yield item.incomplete("rdap_max_lookups", f"registration date not looked up for "
                                  f"{', '.join(fresh.skipped[:5])} (over rdap_max_lookups or the time budget)",
                                  self.name)

    def _escalation(self, domain: str, links: set[str]) -> dict[str, str]:
        for host in sorted(links):
            if _IP_HOST.match(host):
                return {"suspicious_host": host, "why": "a link to a bare or encoded IP address"}
        for host in [domain, *sorted(links)]:
            if not host:
                continue
            matches = classify(host, self.brands)
            if matches:
                m = matches[0]
                return {"suspicious_host": host, "why": f"lookalike of {m.brand} ({m.technique})"}
        return {}
