"""Build and validate a certificate path the way Windows judges an Authenticode chain.

Choice: a short, documented set of RFC 5280 section 6 checks on `cryptography`, not a
general path validator.  pyhanko-certvalidator (the maintained RFC 5280 validator for
Python) was tried: it works offline with a validation time and a leaf EKU policy, but it
stops at the first failure with one message string (each failure here is its own finding,
so its errors would have to be parsed from text), it checks the EKU of the leaf only (Windows
also intersects the EKUs of the issuers), it is asyncio-based and pulls aiohttp and oscrypto,
the library that fails against this OpenSSL.  `cryptography`'s own verifier is Web PKI only
(TLS server/client policies, no SHA-1 roots, no code-signing EKU).

What is checked, for a path leaf -> issuers -> anchor built by name and signature:
* name chaining: each certificate's issuer is the next one's subject and its signature
  verifies under that certificate's key (`verify_directly_issued_by`);
* every issuer: basicConstraints CA=true (a trusted root without basicConstraints is accepted,
  as Windows accepts old roots; one that says CA=false is not), keyUsage keyCertSign when
  keyUsage is present, and its pathLenConstraint not exceeded by the CA certificates below it
  (self-issued ones do not count);
* the leaf: keyUsage digitalSignature when keyUsage is present;
* EKU nesting as Windows applies it: the purpose must be in every EKU extension of the path
  (leaf or issuer; an issuer may say anyExtendedKeyUsage); a path with no EKU at all is valid
  for any purpose;
* every certificate valid at `when` (the trusted timestamp's time, else now);
* the anchor enabled for the purpose, not disallowed at `when` and, when the program set a
  "not before" date, the leaf issued before it (Microsoft's root-program metadata).
Not checked: revocation (OCSP/CRL need a network), name constraints and certificate
policies (Windows ignores policies for Authenticode; name constraints are absent from
code-signing PKIs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.x509.oid import ExtendedKeyUsageOID

from .anchors import CODE_SIGNING, TIME_STAMPING, Root, TrustStore

MAX_CHAIN = 8
_EKU = {CODE_SIGNING: ExtendedKeyUsageOID.CODE_SIGNING, TIME_STAMPING: ExtendedKeyUsageOID.TIME_STAMPING}
_EKU_NAMES = {ExtendedKeyUsageOID.CODE_SIGNING: "codeSigning", ExtendedKeyUsageOID.TIME_STAMPING: "timeStamping",
              ExtendedKeyUsageOID.SERVER_AUTH: "serverAuth", ExtendedKeyUsageOID.CLIENT_AUTH: "clientAuth",
              ExtendedKeyUsageOID.EMAIL_PROTECTION: "emailProtection", ExtendedKeyUsageOID.OCSP_SIGNING: "OCSPSigning",
              ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE: "anyExtendedKeyUsage"}


@dataclass(frozen=True)
class Failure:
    code: str  # not_a_ca, wrong_key_usage, no_code_signing_eku, path_too_long, expired, disallowed
    message: str


@dataclass(frozen=True)
class PathResult:
    chain: tuple[str, ...]  # subjects, leaf first
    root: str  # the anchor, or the last certificate when the path reaches no trusted root
    anchored: bool  # ends at a trusted root (whatever else failed)
    self_signed: bool  # a lone self-signed leaf
    failures: tuple[Failure, ...]

    @property
    def trusted(self) -> bool:
        """A fully valid path: anchored, and every check passed."""
        return self.anchored and not self.failures


def _issued_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(parent)
        return True
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False


def _ext(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.ExtensionType | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None
    except ValueError:  # a duplicate or malformed extension: treated as absent, the checks then fail closed
        return None


def _name(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string() or "(empty subject)"


def _self_issued(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject


def _anchor_for(cur: x509.Certificate, store: TrustStore, purpose: str, when: datetime) -> Root | None:
    """The trusted root that is `cur` or issued it, preferring one still enabled for `purpose` at `when`."""
    found = [r for r in store.issuers_of(cur) + store.roots_equal(cur)
             if r.allows(purpose) and (r.cert == cur or _issued_by(cur, r.cert))]
    found.sort(key=lambda r: r.disallowed is not None and when >= r.disallowed)
    return found[0] if found else None


def build(leaf: x509.Certificate, pool: Sequence[x509.Certificate], store: TrustStore, purpose: str,
          when: datetime) -> tuple[list[x509.Certificate], Root | None]:
    """The path from `leaf` through `pool` to a trusted root (None when it reaches none)."""
    cur, path = leaf, [leaf]
    for _ in range(MAX_CHAIN):
        anchor = _anchor_for(cur, store, purpose, when)
        if anchor is not None:
            if anchor.cert != cur:
                path.append(anchor.cert)
            return path, anchor
        if _self_issued(cur):
            break
        parent = next((c for c in pool if c.subject == cur.issuer and c != cur and _issued_by(cur, c)), None)
        if parent is None or parent in path:
            break
        cur = parent
        path.append(cur)
    return path, None


def _issuer_failures(path: list[x509.Certificate], anchored: bool) -> list[Failure]:
    out: list[Failure] = []
    for i, cert in enumerate(path[1:], start=1):
        name, below = _name(cert), path[i - 1]
        bc = _ext(cert, x509.BasicConstraints)
        legacy_anchor = anchored and i == len(path) - 1 and bc is None  # old roots carry no extensions
        if not legacy_anchor and not (isinstance(bc, x509.BasicConstraints) and bc.ca):
            what = "is not a CA (basicConstraints CA=false)" if bc is not None else "has no basicConstraints CA=true"
            out.append(Failure("not_a_ca", f"{name} issued {_name(below)} but {what}: "
                                           "only a certification authority may issue certificates"))
        ku = _ext(cert, x509.KeyUsage)
        if isinstance(ku, x509.KeyUsage) and not ku.key_cert_sign:
            out.append(Failure("wrong_key_usage", f"{name} issued {_name(below)} but its keyUsage does not "
                                                  "allow signing certificates (no keyCertSign)"))
        if isinstance(bc, x509.BasicConstraints) and bc.path_length is not None:
            cas_below = sum(1 for c in path[1:i] if not _self_issued(c))
            if cas_below > bc.path_length:
                out.append(Failure("path_too_long", f"{name} allows at most {bc.path_length} CA certificate(s) "
                                                    f"below it (pathLenConstraint) but the path has {cas_below}"))
    return out


def _eku_failures(path: list[x509.Certificate], purpose: str) -> list[Failure]:
    wanted = _EKU[purpose]
    for i, cert in enumerate(path):
        eku = _ext(cert, x509.ExtendedKeyUsage)
        if not isinstance(eku, x509.ExtendedKeyUsage):
            continue
        usages = list(eku)
        ok = wanted in usages or (i > 0 and ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in usages)
        if not ok:
            shown = ", ".join(_EKU_NAMES.get(u, u.dotted_string) for u in usages) or "none"
            role = "the signing certificate" if i == 0 else "its issuer"
            return [Failure(f"no_{purpose}_eku", f"{role} {_name(cert)} is not valid for "
                                                 f"{_EKU_NAMES[wanted]} (extended key usage: {shown})")]
    return []


def _leaf_failures(leaf: x509.Certificate) -> list[Failure]:
    ku = _ext(leaf, x509.KeyUsage)
    if isinstance(ku, x509.KeyUsage) and not ku.digital_signature:
        return [Failure("wrong_key_usage", f"the signing certificate {_name(leaf)} has a keyUsage "
                                           "without digitalSignature")]
    return []


def _time_failures(path: list[x509.Certificate], when: datetime, stamped: bool) -> list[Failure]:
    out = []
    at = (f"at the timestamp's time {when:%Y-%m-%d %H:%M} UTC" if stamped
          else f"now ({when:%Y-%m-%d}; no trusted timestamp)")
    for cert in path:
        start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
        if not start <= when <= end:
            out.append(Failure("expired", f"{_name(cert)} (valid {start:%Y-%m-%d} to {end:%Y-%m-%d}) "
                                          f"is not valid {at}"))
    return out


def _anchor_failures(anchor: Root, leaf: x509.Certificate, purpose: str, when: datetime) -> list[Failure]:
    name = _name(anchor.cert)
    if anchor.disallowed is not None and when >= anchor.disallowed:
        return [Failure("disallowed", f"the root {name} is disallowed by Microsoft's root program since "
                                      f"{anchor.disallowed:%Y-%m-%d} (signature time {when:%Y-%m-%d})")]
    if (anchor.not_before is not None and leaf.not_valid_before_utc >= anchor.not_before
            and (anchor.not_before_purposes is None or purpose in anchor.not_before_purposes)):
        return [Failure("disallowed", f"the root {name} is not trusted by Microsoft's root program for "
                                      f"certificates issued from {anchor.not_before:%Y-%m-%d} on; "
                                      f"{_name(leaf)} was issued {leaf.not_valid_before_utc:%Y-%m-%d}")]
    return []


def validate(leaf: x509.Certificate, pool: Sequence[x509.Certificate], store: TrustStore, purpose: str,
             when: datetime, stamped: bool = False) -> PathResult:
    """Build the path of `leaf` for `purpose` and judge it at `when` (`stamped`: a trusted timestamp's time)."""
    path, anchor = build(leaf, pool, store, purpose, when)
    failures = _issuer_failures(path, anchor is not None) + _leaf_failures(leaf) + _eku_failures(path, purpose)
    failures += _time_failures(path, when, stamped)
    if anchor is not None:
        failures += _anchor_failures(anchor, leaf, purpose, when)
    return PathResult(chain=tuple(_name(c) for c in path), root=_name(path[-1]), anchored=anchor is not None,
                      self_signed=len(path) == 1 and anchor is None and _self_issued(leaf) and _issued_by(leaf, leaf),
                      failures=tuple(failures))
