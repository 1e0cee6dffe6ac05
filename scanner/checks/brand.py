"""`brand`: an executable that claims a protected brand but is not signed by that brand.

The brand policy (rules/brands.toml) says who signs each brand's software and how it ships:
"embedded-signed" vendors sign every installer, so an unsigned file claiming them is a lure
on its own; "catalog-signed" system files (Microsoft) often carry no embedded signature, so
there only the context makes it suspicious: from an e-mail, inside an archive, named like a
hotfix or update.  Only a fully valid signature (digest, signature and a certificate path
that passes every check of `trust.paths`) by the brand's own publisher lowers the score and
is shown as a reason for the clean verdict; a signature that is anything less never makes a
file score lower than the same file unsigned would.  File names that hide an executable behind a
document extension or with bidirectional-text controls complement the YARA name rules (which
cover double extensions and U+202E).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from ..executables.facts import ExeFacts, claims_for, facts_for, is_update_like
from ..filetypes import FileType
from ..models import Finding, Incomplete, Item, Severity
from ..trust.brands import load_brands
from ..trust.claims import Claim, signer_is, signer_names
from .base import CheckContext, severity_for_score

if TYPE_CHECKING:
    from ..trust.authenticode import SignatureFacts

TRUSTED_PUBLISHER_SCORE = -50
DOC_EXTENSIONS = frozenset({
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".rtf", ".odt", ".txt", ".csv", ".jpg", ".jpeg",
    ".png", ".gif", ".bmp", ".mp3", ".mp4", ".avi", ".mov", ".wav", ".htm", ".html", ".zip", ".rar"})
# Bidirectional and invisible format controls (U+202E has its own YARA rule).
BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u061c")
UNSIGNED_BASE = {("embedded-signed", "company"): 40, ("embedded-signed", "product"): 40,
                 ("embedded-signed", "name"): 20}


class BrandCheck:
    name = "brand"

    def __init__(self, ctx: CheckContext) -> None:
        self.settings = ctx.settings
        self.brands = load_brands(ctx.rule_dirs)

    def applies(self, item: Item) -> bool:
        return item.filetype in (FileType.PE, FileType.OLE, FileType.MSIX)

    def run(self, item: Item) -> Iterator[Finding | Incomplete]:
        facts = facts_for(item, self.settings)
        if item.filetype == FileType.OLE and not facts.msi_kind:
            if facts.msi_error and item.extension in (".msi", ".msp", ".mst"):
                yield item.incomplete("corrupt", f"Windows Installer file unreadable: {facts.msi_error}", self.name)
            return
        yield from self._name_tricks(item)
        if item.filetype == FileType.MSIX and facts.msix is None:
            return  # unreadable package: the `msix` check reports it
        fields = facts.fields
        claims = claims_for(item, facts, self.brands)
        if not claims:
            return
        valid = facts.valid_signatures()
        ev: dict[str, Any] = {"claims": [c.evidence() for c in claims], "fields": fields}
        if facts.msi_kind:
            ev["msi"] = facts.msi_kind
        if facts.msix is not None:
            ev["msix"] = {"publisher": facts.msix.publisher, "executables": facts.msix.executables[:10]}
        for claim in claims:
            yield from self._judge(item, facts, claim, valid, ev)

    def _judge(self, item: Item, facts: ExeFacts, claim: Claim, valid: list[SignatureFacts],
               ev: dict[str, Any]) -> Iterator[Finding]:
        brand = claim.brand
        shown = ", ".join(brand.names[:1]) or brand.key
        own = [s for s in valid if signer_is(brand, s)]
        good = [s for s in own if s.trusted]
        if good:
            yield item.finding(self.name, "trusted_publisher", Severity.INFO, TRUSTED_PUBLISHER_SCORE,
                               f"validly signed by {shown}'s own publisher {good[0].signer_cn or good[0].signer_org}"
                               f" (trusted chain to {good[0].root})", {**ev, "signature": good[0].evidence()})
            return
        named = [s for s in valid if signer_names(brand, s) and not s.trusted]
        if named:
            s = named[0]
            kind = ("self-signed" if s.self_signed else "chaining to no trusted root" if not s.anchored
                    else "its certificate path is not valid (" + ", ".join(f["code"] for f in s.failures) + ")")
            score = max(80, self._unsigned_score(item, claim)[0])
            yield item.finding(self.name, "untrusted_brand_signer", severity_for_score(score), score,
                               f"claims {shown} and is signed with a certificate naming {shown} "
                               f"({s.signer_cn or s.signer}) but {kind}: anyone can make one",
                               {**ev, "signature": s.evidence()})
            return
        others = [s for s in valid if not signer_is(brand, s)]
        if others:
            s = others[0]
            score = {"company": 70, "product": 45, "name": 20}[claim.strength]
            if not s.trusted:  # a signature that is not fully valid is no better than none
                score = max(score, self._unsigned_score(item, claim)[0])
            yield item.finding(self.name, "publisher_mismatch", severity_for_score(score), score,
                               f"claims {shown} ({claim.source}: {claim.text!r}) but is signed by "
                               f"{s.signer_cn or s.signer}, not by {shown}'s publisher",
                               {**ev, "signature": s.evidence()})
            return
        # No signature, or the brand's publisher with a path that is not fully valid (the signature check
        # says why): judged as the unsigned file.
        yield from self._unsigned(item, facts, claim, ev)

    def _unsigned_score(self, item: Item, claim: Claim) -> tuple[int, list[str]]:
        brand = claim.brand
        # every installable MSIX is signed: an unsigned one claiming a vendor is judged as embedded-signed
        shipping = "embedded-signed" if item.filetype == FileType.MSIX else brand.shipping
        score = UNSIGNED_BASE.get((shipping, claim.strength), 0)
        context = []
        if item.from_email:
            context.append("came with an e-mail")
            score += 30
        elif item.in_archive:
            context.append("came inside an archive")
            score += 20
        if is_update_like(item.name):
            context.append("is named like an update or fix")
            score += 20
        if shipping == "catalog-signed" and claim.strength == "name":
            score = min(score, 20)  # "windows_update_helper.exe" alone says little
        return min(score, 90), context

    def _unsigned(self, item: Item, facts: ExeFacts, claim: Claim, ev: dict[str, Any]) -> Iterator[Finding]:
        brand = claim.brand
        score, context = self._unsigned_score(item, claim)
        if score <= 0:
            return
        shipping = "embedded-signed" if item.filetype == FileType.MSIX else brand.shipping
        how = ("always signs its software" if shipping == "embedded-signed"
               else "ships system files catalog-signed, but not loose like this")
        broken = " (its signature is broken or not fully valid)" if facts.auth is not None else ""
        shown = brand.names[0] if brand.names else brand.key
        message = (f"claims {shown} ({claim.source}: {claim.text!r}) but is not signed{broken}; "
                   f"{shown} {how}" + (f"; it {' and '.join(context)}" if context else ""))
        yield item.finding(self.name, "unsigned_brand_claim", severity_for_score(score), score, message,
                           {**ev, "context": context, "shipping": shipping})

    def _name_tricks(self, item: Item) -> Iterator[Finding]:
        base = PurePosixPath(item.name.replace("\\", "/")).name
        controls = sorted({f"U+{ord(c):04X}" for c in base if c in BIDI})
        if controls:
            yield item.finding(self.name, "bidi_control_in_name", Severity.MEDIUM, 50,
                               f"the executable's name contains invisible text-direction controls "
                               f"({', '.join(controls)}) that change how it is displayed", {"name": base})
        if item.extension in DOC_EXTENSIONS:
            yield item.finding(self.name, "executable_disguised_as_document", Severity.MEDIUM, 40,
                               f"an executable named like a {item.extension} file: opened by a person expecting "
                               "a document, or renamed to pass a filter", {"name": base})
