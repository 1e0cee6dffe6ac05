"""What the `pe`, `signature` and `brand` checks know about one executable, computed once.

The three checks run one after the other on the same item; each asks `facts_for(item)` and
the headers, version info and signatures are read by the first that asks (a one-item memo
keyed by identity, held through a weak reference so no item outlives its scan).
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Settings
from ..filetypes import FileType
from ..models import Item
from ..rules import bundled_rules_dir
from ..timeouts import shielded
from ..trust.brands import Brand
from ..trust.claims import Claim, find_claims
from . import installers, msix, pe

if TYPE_CHECKING:  # LIEF (~1 s to import), cryptography and olefile load only when a file needs them
    from ..trust import authenticode
    from ..trust.anchors import TrustStore

UPDATE_NAME = re.compile(r"(hot ?fix|update|upgrade|patch|fix|setup|install|recovery|repair|remediat|"
                         r"restore|sensor|crash ?reporter)", re.IGNORECASE)


@dataclass
class ExeFacts:
    pe: pe.PeInfo | None = None
    pe_error: str = ""
    msi_kind: str = ""
    msi: dict[str, str] = field(default_factory=dict)
    msi_error: str = ""
    auth: authenticode.AuthenticodeResult | None = None
    msix: msix.Package | None = None
    msix_error: str = ""
    claims: list[Claim] | None = None  # filled by the first check that asks (claims_for)

    @property
    def version(self) -> dict[str, str]:
        return self.pe.version if self.pe else {}

    @property
    def fields(self) -> dict[str, str]:
        """What the file says about itself: MSI summary, MSIX manifest or PE version info."""
        if self.msix is not None:
            return self.msix.fields
        return self.msi if self.msi_kind else self.version

    def valid_signatures(self) -> list[authenticode.SignatureFacts]:
        return [s for s in (self.auth.signatures if self.auth else []) if s.valid]


_memo: tuple[weakref.ref[Item], ExeFacts] | None = None


def trust_store(settings: Settings) -> TrustStore:
    with shielded():  # cryptography's native init, as LIEF's below
        from ..trust.anchors import store_for

    return store_for(settings.microsoft_roots, settings.trusted_roots, bundled_rules_dir() / "trust")


def facts_for(item: Item, settings: Settings) -> ExeFacts:
    global _memo
    if _memo is not None and _memo[0]() is item:
        return _memo[1]
    facts = ExeFacts()
    if item.filetype == FileType.PE:
        try:
            facts.pe = pe.parse(item.data)
            facts.pe.installers = installers.detect(item.data, facts.pe)
        except pe.PeError as exc:
            facts.pe_error = str(exc)
        if facts.pe is not None and facts.pe.signed:
            with shielded():  # LIEF's native init aborts the process if a deadline interrupts it
                from ..trust import authenticode

            facts.auth = authenticode.verify(bytes(item.data), facts.pe.security, trust_store(settings))
    elif item.filetype == FileType.OLE:
        from . import msi

        try:
            found = msi.summary(item.data)
        except msi.MsiError as exc:
            facts.msi_error = str(exc)
        else:
            if found is not None:
                facts.msi_kind, facts.msi = found
    elif item.filetype == FileType.MSIX:
        try:
            facts.msix = msix.inspect(item.data, trust_store(settings))
        except msix.MsixError as exc:
            facts.msix_error = str(exc)
        else:
            if facts.msix.signature is not None:
                with shielded():  # LIEF's native init aborts the process if a deadline interrupts it
                    from ..trust import authenticode

                facts.auth = authenticode.AuthenticodeResult(signatures=[facts.msix.signature])
    _memo = (weakref.ref(item), facts)
    return facts


def claims_for(item: Item, facts: ExeFacts, brands: dict[str, Brand]) -> list[Claim]:
    if facts.claims is None:
        facts.claims = find_claims(brands, facts.fields, item.name)
    return facts.claims


def is_update_like(name: str) -> bool:
    return bool(UPDATE_NAME.search(Path(name.replace("\\", "/")).name))
