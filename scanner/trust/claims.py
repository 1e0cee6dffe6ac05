"""Which protected brand an executable claims to come from, and whether its signer is that brand.

Claims come from what a person sees: PE version info (CompanyName, ProductName,
FileDescription ...), an MSI's summary information (Author = manufacturer, Subject, Title) and
the file name.  Their weight differs: a CompanyName/LegalCopyright or MSI Author naming the brand
is a claim of origin ("company"); a product name or description mentioning it is weaker
("product"), and ignored when another company is named (add-ins "for Microsoft Outlook");
a brand token in the file name is weakest ("name").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .brands import Brand

if TYPE_CHECKING:
    from .authenticode import SignatureFacts

STRENGTH = {"company": 3, "product": 2, "name": 1}
_COMPANY_FIELDS = ("CompanyName", "LegalCopyright", "author")
_PRODUCT_FIELDS = ("ProductName", "FileDescription", "InternalName", "OriginalFilename", "subject", "title")
_SEP = re.compile(r"[^a-z0-9]+")
# A brand token that is also a common word ("ledger", "zoom") claims the brand in a file name only
# next to one of these ("zoom_installer.exe", "ledger-live-update.exe").
_LURE = re.compile(r"(update|upgrade|setup|install|hot ?fix|patch|repair|client|download|live|wallet|desktop)",
                   re.IGNORECASE)


@dataclass(frozen=True)
class Claim:
    brand: Brand
    strength: str  # company | product | name
    source: str  # version:CompanyName, msi:author, filename
    text: str

    def evidence(self) -> dict[str, str]:
        return {"brand": self.brand.key, "claim": self.strength, "source": self.source, "text": self.text}


@functools.lru_cache(maxsize=4096)
def _norm(text: str) -> str:
    """Lower case, every run of other characters one space, padded: phrases match on word bounds.
    Memoised: each field is tested against every brand (76 x 6 fields per claiming executable)."""
    return " " + _SEP.sub(" ", text.lower()).strip() + " "


@functools.lru_cache(maxsize=4096)
def _normed(phrases: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n for n in (_norm(p) for p in phrases) if len(n.strip()) > 1)


def _mentions(text: str, phrases: tuple[str, ...]) -> bool:
    norm = _norm(text)
    return any(p in norm for p in _normed(phrases))


@functools.lru_cache(maxsize=64)
def _vocabulary(brands: tuple[Brand, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Every normalised phrase and every token of `brands`: a cheap test that nothing can match."""
    phrases = _normed(tuple(p for b in brands for p in (*b.names, *b.publishers, *b.products)))
    return phrases, tuple(t for b in brands for t in b.tokens)


def find_claims(brands: dict[str, Brand], fields: dict[str, str], filename: str) -> list[Claim]:
    """The strongest claim per brand, strongest first.  `fields` are version-info / MSI keys."""
    phrases, tokens = _vocabulary(tuple(brands.values()))
    text = _norm(" | ".join(fields.values()) + " | " + filename)
    squashed = text.replace(" ", "")
    if not any(p in text for p in phrases) and not any(t in squashed for t in tokens):
        return []  # the common case: no brand named anywhere
    best: dict[str, Claim] = {}

    def add(claim: Claim) -> None:
        old = best.get(claim.brand.key)
        if old is None or STRENGTH[claim.strength] > STRENGTH[old.strength]:
            best[claim.brand.key] = claim

    company = fields.get("CompanyName") or fields.get("author") or ""
    base = Path(filename.replace("\\", "/")).name
    for brand in brands.values():
        names = brand.names + brand.publishers
        distinct = _distinct(brand)
        for key in _COMPANY_FIELDS:
            if fields.get(key) and _mentions(fields[key], names):
                add(Claim(brand, "company", _source(key), fields[key]))
        if not company or _mentions(company, names):
            for key in _PRODUCT_FIELDS:
                if fields.get(key) and _mentions(fields[key], distinct + brand.products):
                    add(Claim(brand, "product", _source(key), fields[key]))
        if base and _name_claims(brand, base):
            add(Claim(brand, "name", "filename", base))
    return sorted(best.values(), key=lambda c: -STRENGTH[c.strength])


def _source(key: str) -> str:
    return f"msi:{key}" if key[0].islower() else f"version:{key}"


def _name_claims(brand: Brand, base: str) -> bool:
    norm = _norm(base)
    squashed = norm.replace(" ", "")
    for token in brand.tokens:
        if token in brand.generic_tokens or len(token) <= 5:
            if f" {token} " in norm and (token not in brand.generic_tokens or _LURE.search(base)):
                return True
        elif token in squashed:
            return True
    return _mentions(base, _name_phrases(brand))


@functools.lru_cache(maxsize=256)
def _name_phrases(brand: Brand) -> tuple[str, ...]:
    return tuple(p for p in brand.products if " " in p.strip()) + _distinct(brand)


@functools.lru_cache(maxsize=256)
def _distinct(brand: Brand) -> tuple[str, ...]:
    """Names that are not also common words ("Ledger", "Opera"): those only count as a CompanyName."""
    return tuple(n for n in brand.names if n.strip().lower() not in brand.generic_tokens)


def signer_is(brand: Brand, sig: SignatureFacts) -> bool:
    """The signer's CN or O is one of the brand's publishers (exact, case-insensitive)."""
    wanted = {p.strip().lower() for p in brand.publishers}
    return sig.signer_cn.strip().lower() in wanted or sig.signer_org.strip().lower() in wanted


def signer_names(brand: Brand, sig: SignatureFacts) -> bool:
    """The signer's subject mentions the brand (a self-signed "CrowdStrike, Inc." certificate)."""
    return _mentions(sig.signer, brand.names + brand.publishers)
