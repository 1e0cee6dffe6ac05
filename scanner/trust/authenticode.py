"""Verify the Authenticode signatures embedded in a PE file.

Library choice: LIEF (>= 0.15; 1.0 here).  It parses the PKCS#7 SignedData of every
WIN_CERTIFICATE entry and recomputes the Authenticode digest of the file itself, in C++
(~5 ms for a 1 MB file).  `signify`, the pure-Python alternative, cannot be imported on this
machine: its oscrypto dependency fails against OpenSSL >= 3.0.10 ("Error detecting the version
of libcrypto", wbond/oscrypto issues 75 and 78, fixed only on an unreleased branch).
LIEF says whether the file matches what was signed (a mismatch is tampering) and whether the
signer's signature over that digest holds.  The certificate path is judged by `trust.paths`
(RFC 5280 checks as Windows applies them, against `trust.anchors`; LIEF's mbedtls check
cannot judge a chain at the signing time, which is what Windows does for a timestamped
signature).  That time comes from the timestamp only when `trust.timestamps` verifies it
(its signature, and a TSA chain to a trusted time-stamping root); otherwise the path is
judged now.  Revocation is not checked (no network while scanning).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import lief
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.x509.oid import NameOID

from . import paths, timestamps
from .anchors import CODE_SIGNING, TrustStore

MAX_CERT_TABLE = 2 * 1024 * 1024  # real tables are a few KB to ~100 KB
MAX_SIGNATURES = 4
_TAMPER = ("BAD_DIGEST",)
_BROKEN = ("BAD_SIGNATURE", "INVALID_SIGNER", "CORRUPTED_CONTENT_INFO", "CORRUPTED_AUTH_DATA",
           "MISSING_PKCS9_MESSAGE_DIGEST", "INCONSISTENT_DIGEST_ALGORITHM", "CERT_NOT_FOUND")
lief.logging.disable()


@dataclass
class SignatureFacts:
    signer: str = ""  # full subject
    signer_cn: str = ""
    signer_org: str = ""
    issuer: str = ""
    serial: str = ""
    digest_algorithm: str = ""
    flags: list[str] = field(default_factory=list)
    digest_ok: bool = False
    signature_ok: bool = False
    unsupported: bool = False
    chain: list[str] = field(default_factory=list)
    trusted: bool = False  # a fully valid path: anchored at a trusted root and no failure
    anchored: bool = False  # the path ends at a trusted root (failures may remain)
    root: str = ""
    self_signed: bool = False
    failures: list[dict[str, str]] = field(default_factory=list)  # {"code", "message"} per failed check
    signing_time: str = ""  # from a verified, trusted timestamp, ISO 8601 UTC
    timestamp: str = ""  # what stamped it: kind and TSA
    timestamp_problem: str = ""  # why a timestamp present was not believed
    not_after: str = ""

    @property
    def valid(self) -> bool:
        return self.digest_ok and self.signature_ok and not self.unsupported

    def evidence(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in ("", [], False) or k in ("trusted",)}


@dataclass
class AuthenticodeResult:
    signatures: list[SignatureFacts] = field(default_factory=list)
    error: str = ""  # the certificate table could not be read at all
    padding: int = 0  # bytes hidden in the table after the PKCS#7 blob (CVE-2013-3900 trick)


def _name_attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    attrs = name.get_attributes_for_oid(oid)
    return str(attrs[0].value) if attrs else ""


def _table_padding(table: bytes) -> tuple[int, str]:
    """Bytes in WIN_CERTIFICATE entries beyond their DER blob, and a structural error if any."""
    pos, extra = 0, 0
    while pos + 8 <= len(table):
        length, _rev, _kind = struct.unpack_from("<IHH", table, pos)
        if length < 8 or pos + length > len(table):
            return extra, f"WIN_CERTIFICATE length {length} at {pos} runs past the table"
        blob = table[pos + 8:pos + length]
        if len(blob) >= 4 and blob[0] == 0x30 and blob[1] == 0x82:
            der_len = 4 + int.from_bytes(blob[2:4], "big")
            extra += max(0, len(blob) - der_len - 7)  # up to 7 bytes of 8-byte alignment are normal
        pos += (length + 7) & ~7
    return extra, ""


def _facts(pe: Any, sig: Any, store: TrustStore) -> SignatureFacts:
    facts = SignatureFacts(digest_algorithm=str(sig.digest_algorithm).rsplit(".", 1)[-1])
    flags = pe.verify_signature(sig, lief.PE.Signature.VERIFICATION_CHECKS.SKIP_CERT_TIME)
    facts.flags = [f for f in str(flags).rsplit(".", 1)[-1].split("|") if f and f != "OK"]
    facts.unsupported = "UNSUPPORTED_ALGORITHM" in facts.flags
    facts.digest_ok = not any(f in facts.flags for f in _TAMPER) and not facts.unsupported
    facts.signature_ok = not any(f in facts.flags for f in _BROKEN) and not facts.unsupported
    signer = sig.signers[0] if len(sig.signers) else None
    if signer is None or signer.cert is None:
        return facts
    leaf = x509.load_der_x509_certificate(bytes(signer.cert.raw))
    facts.signer = leaf.subject.rfc4514_string()
    facts.signer_cn = _name_attr(leaf.subject, NameOID.COMMON_NAME)
    facts.signer_org = _name_attr(leaf.subject, NameOID.ORGANIZATION_NAME)
    facts.issuer = leaf.issuer.rfc4514_string()
    facts.serial = format(leaf.serial_number, "x")
    facts.not_after = leaf.not_valid_after_utc.isoformat()
    pool = [x509.load_der_x509_certificate(bytes(c.raw)) for c in sig.certificates]
    judge_chain(facts, leaf, pool, store, bytes(sig.raw_der))
    return facts


def judge_chain(facts: SignatureFacts, leaf: x509.Certificate, pool: list[x509.Certificate], store: TrustStore,
                signed_data: bytes) -> None:
    """Timestamp, path and trust of `leaf` into `facts`, for any Authenticode-style SignedData
    (a PE's, an MSIX's `AppxSignature.p7x`), so both formats are judged alike."""
    stamp = timestamps.check(signed_data, pool, store)
    if stamp is not None:
        facts.timestamp = f"{stamp.kind} by {stamp.signer or 'an unknown TSA'}"
        if stamp.trusted and stamp.time is not None:
            facts.signing_time = stamp.time.isoformat()
        else:
            claimed = f" (it claims {stamp.time:%Y-%m-%d %H:%M} UTC)" if stamp.time else ""
            facts.timestamp_problem = f"{stamp.problem}{claimed}"
    trusted_time = stamp.time if stamp is not None and stamp.trusted else None
    path = paths.validate(leaf, pool, store, CODE_SIGNING, trusted_time or datetime.now(UTC), trusted_time is not None)
    facts.chain, facts.root = list(path.chain), path.root
    facts.anchored, facts.trusted, facts.self_signed = path.anchored, path.trusted, path.self_signed
    facts.failures = [{"code": f.code, "message": f.message} for f in path.failures]


def verify(data: bytes, security: tuple[int, int], store: TrustStore) -> AuthenticodeResult:
    """Verify every signature of the PE `data` whose certificate table is at `security`."""
    result = AuthenticodeResult()
    offset, size = security
    if size > MAX_CERT_TABLE:
        result.error = f"certificate table of {size} bytes (more than {MAX_CERT_TABLE}): not parsed"
        return result
    result.padding, problem = _table_padding(data[offset:offset + size])
    config = lief.PE.ParserConfig()
    config.parse_imports = config.parse_exports = config.parse_reloc = config.parse_rsrc = False
    config.parse_exceptions = config.parse_arm64x_binary = False
    config.parse_signature = True
    pe = lief.PE.parse(data, config)
    if pe is None or not isinstance(pe, lief.PE.Binary):
        result.error = "LIEF could not parse the file"
        return result
    sigs = list(pe.signatures)
    for sig in sigs[:MAX_SIGNATURES]:
        try:
            result.signatures.append(_facts(pe, sig, store))
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            result.signatures.append(SignatureFacts(flags=[f"unreadable: {exc}"], unsupported=True))
    if not sigs:
        result.error = problem or "the certificate table holds no readable PKCS#7 signature"
    return result
