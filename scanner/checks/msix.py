"""`msix`: MSIX/APPX packages that Windows would not install as the publisher they claim.

Every installable package is signed, and Windows requires the manifest's `Identity Publisher` to be
the signer's subject.  So: no `AppxSignature.p7x` at all (installable only with sideloading or
developer mode, as the 2023-24 fake Teams/Zoom/browser MSIX lures asked the victim to enable), a
signature that does not cover the package as it is, or a publisher that is not the signer are each
reported.  Which brand a package claims, and whether its signer is that brand, is the `brand`
check's judgement (the same policy as for executables).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..executables.facts import facts_for
from ..executables.msix import Package, subject_parts
from ..filetypes import FileType
from ..models import Finding, Incomplete, Item
from .base import CheckContext, severity_for_score


class MsixCheck:
    name = "msix"

    def __init__(self, ctx: CheckContext) -> None:
        self.settings = ctx.settings

    def applies(self, item: Item) -> bool:
        return item.filetype == FileType.MSIX

    def run(self, item: Item) -> Iterator[Finding | Incomplete]:
        facts = facts_for(item, self.settings)
        pkg = facts.msix
        if pkg is None:
            yield item.incomplete("corrupt", f"MSIX/APPX package unreadable: {facts.msix_error}", self.name)
            return
        ev = self._evidence(pkg)
        if not pkg.signed:
            yield self._finding(item, "unsigned_package", 20,
                                "MSIX/APPX package without AppxSignature.p7x: Windows installs it only with "
                                "sideloading or developer mode enabled", ev)
            return
        sig = pkg.signature
        if pkg.problems or sig is None or not sig.valid:
            why = "; ".join(pkg.problems) or ", ".join(sig.flags if sig else []) or "unreadable signature"
            yield self._finding(item, "signature_invalid", 50,
                                f"the package signature does not hold: {why}",
                                {**ev, "signature": sig.evidence() if sig else {}})
            return
        if subject_parts(pkg.publisher) != subject_parts(sig.signer):
            yield self._finding(item, "publisher_not_signer", 50,
                                f"manifest publisher {pkg.publisher!r} is not the signer {sig.signer!r}: "
                                "Windows refuses such a package; it was re-signed by someone else",
                                {**ev, "signature": sig.evidence()})

    def _finding(self, item: Item, id: str, score: int, message: str, ev: dict[str, Any]) -> Finding:
        return item.finding(self.name, id, severity_for_score(score), score, message, ev)

    @staticmethod
    def _evidence(pkg: Package) -> dict[str, Any]:
        return {"publisher": pkg.publisher, "display_name": pkg.display_name,
                "publisher_display_name": pkg.publisher_display_name, "name": pkg.name,
                "executables": pkg.executables[:10], "bundle": pkg.bundle}
