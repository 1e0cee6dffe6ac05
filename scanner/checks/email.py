"""`email`: what a message's headers and links claim versus where it comes from.

Each signal alone is weak (ordinary mail has a Return-Path at its mail provider,
newsletters track their links), so each scores low; a lure stacks them: a brand in
the display name sent from someone else's domain, a Reply-To elsewhere, a link
that shows the brand's address but goes to another, a failed DMARC check by our
own receiving host.  Scores add up on the message item.  Reply-To and Return-Path
on another domain are everyday mail (mailing lists, bulk-mail providers), so they
are reported only next to another signal, never alone.  Lure *wording* is left
to YARA rules over the decoded bodies (rules/yara/text/email_lures.yar).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..domains.indicators import extract_hosts, registrable_domain, url_host
from ..filetypes import FileType
from ..models import Finding, Incomplete, Item
from ..trust.brands import Brand, load_brands
from ..trust.sender import claimed_brand
from .authres import trusted_results
from .base import CheckContext, severity_for_score

if TYPE_CHECKING:
    from ..extract.mailparse import Mail

MAX_EVIDENCE = 10
_AUTH_SCORES = {("dmarc", "fail"): 30, ("spf", "fail"): 20, ("dkim", "fail"): 15, ("spf", "softfail"): 10,
                ("arc", "fail"): 10}
_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$|:")


def _decode(value: str) -> str:
    from ..extract.mailparse import decode_words
    return decode_words(value)


def _addresses(value: str) -> list[tuple[str, str]]:
    """(display name, lower-case address) pairs of an address header, RFC 2047 words decoded."""
    from email.utils import getaddresses
    try:
        pairs = getaddresses([_decode(value)])
    except (ValueError, TypeError, IndexError):
        return []
    return [(name.strip(), addr.strip().lower()) for name, addr in pairs if "@" in addr]


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip(".> ").lower()


def _registrable(host: str) -> str:
    return host if _IP.search(host) else registrable_domain(host)


class EmailCheck:
    name = "email"

    def __init__(self, ctx: CheckContext) -> None:
        self.brands = load_brands(ctx.rule_dirs)
        self.trusted = frozenset(s.lower() for s in ctx.settings.trusted_authserv_ids)
        self.max_parts = ctx.settings.max_children
        self._brand_names = [
            (brand, re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(n) for n in names) + r")(?![a-z0-9])",
                               re.IGNORECASE))
            for brand in self.brands.values() if (names := [*brand.names, *brand.products])]

    def applies(self, item: Item) -> bool:
        return item.filetype in (FileType.EMAIL, FileType.MSG) and item.size > 0

    def run(self, item: Item) -> Iterator[Finding | Incomplete]:
        from ..extract.mailparse import parse_eml  # stdlib email loads on the first message (start time)
        from ..extract.msg import parse_msg
        if item.filetype == FileType.MSG:
            mail = parse_msg(item.data, item.sha256, self.max_parts)
        else:
            mail = parse_eml(item.data, item.sha256, self.max_parts)
        sender = _addresses(mail.get("From"))
        found = [*self._auth(item, mail), *self._links(item, mail)]
        if sender:
            name, address = sender[0]
            found += self._display_name(item, name, address)
            if found:  # Reply-To/Return-Path elsewhere is ordinary (lists, mail providers): it only adds weight
                found += self._other_domains(item, mail, address)
        yield from found

    def _finding(self, item: Item, id: str, score: int, message: str, evidence: dict[str, object]) -> Finding:
        return item.finding(self.name, id, severity_for_score(score), score, message, evidence)

    def brand_in(self, text: str) -> Brand | None:
        for brand, pattern in self._brand_names:
            if pattern.search(text):
                return brand
        return None

    def _display_name(self, item: Item, name: str, address: str) -> Iterator[Finding]:
        domain = _domain(address)
        brand = claimed_brand(name, self.brands.values()) if name else None  # the sender's identity, not a topic
        if brand is not None and not brand.owns_domain(domain):
            yield self._finding(
                item, "brand_display_name", 25,
                f"sender name {name!r} claims {brand.key} but the address {address} is not on its domains",
                {"display_name": name, "address": address, "brand": brand.key, "brand_domains": list(brand.domains)})
        shown = [a for a in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", name) if a.lower() != address]
        if shown and _registrable(_domain(shown[0])) != _registrable(domain):
            yield self._finding(item, "display_name_address", 20,
                                f"sender name shows the address {shown[0]} but the mail is from {address}",
                                {"display_name": name, "shown_address": shown[0], "address": address})

    def _other_domains(self, item: Item, mail: Mail, address: str) -> Iterator[Finding]:
        base = _registrable(_domain(address))
        for header, id, score in (("Reply-To", "reply_to_mismatch", 15), ("Return-Path", "return_path_mismatch", 10)):
            for _, other in _addresses(mail.get(header)):
                if _registrable(_domain(other)) != base:
                    yield self._finding(item, id, score,
                                        f"{header} {other} is on another domain than From {address}",
                                        {"header": header, "address": other, "from": address,
                                         "domain": _registrable(_domain(other)), "from_domain": base})
                    break

    def _auth(self, item: Item, mail: Mail) -> Iterator[Finding]:
        results = trusted_results(mail.headers, self.trusted)
        for r in results:
            score = _AUTH_SCORES.get((r.method, r.result))
            if score is None and r.result == "none" and r.method in ("spf", "dkim", "dmarc"):
                score = 5
            if score:
                yield self._finding(item, f"auth_{r.method}_{r.result}", score,
                                    f"{r.method.upper()} {r.result} according to our receiving host {r.authserv_id}",
                                    {"authserv_id": r.authserv_id, "method": r.method, "result": r.result,
                                     "header": r.header[:500]})

    @staticmethod
    def _own_domains(mail: Mail) -> set[str]:
        """Registrable domains of the sender and of its List-Unsubscribe links: a newsletter's click
        tracker at its own mail provider (links.esp.example for news@esp.example) is no mismatch."""
        own = {_registrable(_domain(a)) for _, a in _addresses(mail.get("From"))}
        for target in re.findall(r"<([^<>]+)>", mail.get("List-Unsubscribe")):
            host = target.split("@", 1)[1].split("?", 1)[0] if target.lower().startswith("mailto:") \
                else url_host(target)
            if host:
                own.add(_registrable(host.strip().lower()))
        return own

    def _links(self, item: Item, mail: Mail) -> Iterator[Finding]:
        plain: list[dict[str, str]] = []
        branded: list[dict[str, str]] = []
        own = self._own_domains(mail)
        from ..domains.htmllinks import extract_links
        for html in mail.bodies("text/html"):
            for link in extract_links(html):
                if link.tag != "a" or not link.text or not link.target.lower().startswith(("http:", "https:")):
                    continue
                target = url_host(link.target)
                shown = sorted(h for h in extract_hosts(link.text) if "." in h)
                if not target or not shown:
                    continue
                if any(_registrable(h) == _registrable(target) for h in shown):
                    continue
                evidence = {"text": link.text, "shown_host": shown[0], "href": link.url, "target": link.target,
                            "target_host": target}
                brand = next((b for b in self.brands.values() if b.owns_domain(shown[0])), None)
                if brand is not None and not brand.owns_domain(target):
                    branded.append({**evidence, "brand": brand.key})
                elif _registrable(target) not in own:
                    plain.append(evidence)
        if branded:
            yield self._finding(item, "link_text_brand_mismatch", 35,
                                f"link text shows {branded[0]['shown_host']} ({branded[0]['brand']}) but goes to "
                                f"{branded[0]['target_host']}", {"links": branded[:MAX_EVIDENCE]})
        if plain:
            yield self._finding(item, "link_text_mismatch", 20,
                                f"link text shows {plain[0]['shown_host']} but goes to {plain[0]['target_host']}",
                                {"links": plain[:MAX_EVIDENCE]})

