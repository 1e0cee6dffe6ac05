"""Whether a sender's display name claims to *be* a brand, or only talks about it.

"Microsoft", "McAfee Support", "Norton Security Center", "The Microsoft Account Team" and
"Security Alert from Microsoft" present the sender as the brand: a lure's display name.  Newsletters
and user groups name brands as their topic: "Lockergnome Windows Daily", "Tips for Office users",
"Windows Weekly".  The rule, after removing punctuation: the name is the brand (one of its names or
products) plus only words that describe a vendor's department or message (`IDENTITY_WORDS`, English,
German, Dutch, French, Spanish, Italian), in either order ("Microsoft Support", "Support Microsoft",
"Kundenservice von Norton"); or it *starts* with a distinctive brand name (not one of the brand's
common-word tokens such as "Windows" or "Zoom") followed by at most `MAX_AFTER` other words
("Microsoft Drive", "Google Speicher-Update").  Anything else names the brand as a topic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .brands import Brand

_IDENTITY_TEXT = """
the a an of from at by via for de van von vom der die das het la le el del di du des team teams support
supports service services customer customers care billing account accounts notification notifications notice
notices alert alerts update updates center centre helpdesk help desk noreply no reply donotreply do not info
information online store shop official inc llc corp corporation co company gmbh ag ltd limited bv nv sa srl
renewal renewals subscription subscriptions protection premium antivirus admin administrator administration
department dept mail message messages security secure safety member members membership service-team
services-team technical tech expert experts desk-team order orders payment payments invoice invoices
verification verify system systems mailer server cloud global international europe usa uk
kundenservice kundendienst kundensupport sicherheit abonnement abo konto rechnung benachrichtigung dienst
klantenservice klantendienst beveiliging abonnement rekening melding
service-client assistance securite compte facturation abonnement
soporte atencion cliente clientes seguridad cuenta suscripcion assistenza clienti sicurezza
"""
IDENTITY_WORDS = frozenset(_IDENTITY_TEXT.split())
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)


MAX_AFTER = 2


def _names(brand: Brand) -> list[list[str]]:
    return [w for n in (*brand.names, *brand.products) if (w := _WORD.findall(n.lower()))]


def claimed_brand(display_name: str, brands: Iterable[Brand]) -> Brand | None:
    """The brand the display name presents the sender as, or None (a topic, or no brand)."""
    words = _WORD.findall(display_name.lower())
    if not words:
        return None
    for brand in brands:
        for name in sorted(_names(brand), key=len, reverse=True):
            n = len(name)
            for i in range(len(words) - n + 1):
                if words[i:i + n] != name:
                    continue
                before, after = words[:i], words[i + n:]
                if all(w in IDENTITY_WORDS for w in before + after):
                    return brand
                distinctive = not (n == 1 and name[0] in brand.generic_tokens)
                if distinctive and all(w in IDENTITY_WORDS for w in before) and len(after) <= MAX_AFTER:
                    return brand
    return None
