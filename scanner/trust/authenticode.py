"""Verify the Authenticode signatures embedded in a PE file.

Library choice: LIEF (>= 0.15; 1.0 here).  It parses the PKCS#7 SignedData of every
WIN_CERTIFICATE entry and recomputes the Authenticode digest of the file itself, in C++
(~5 ms for a 1 MB file).  `signify`, the pure-Python alternative, cannot be imported on this
machine: its oscrypto dependency fails against OpenSSL >= 3.0.10 ("Error detecting the version
of libcrypto", wbond/oscrypto issues 75 and 78, fixed only on an unreleased branch).
LIEF says whether the file matches what was signed (a mismatch is tampering) and whether the
signer's signature over that digest holds; the chain to a trusted root is built here with
`cryptography` against `trust.anchors` (LIEF's mbedtls check cannot judge a chain at the
signing time, which is what Windows does for a timestamped signature).
The signing time comes from the timestamp countersignature (RFC 3161 ``TSTInfo.genTime``, or
the legacy PKCS#9 countersignature's signingTime); without one the chain is judged now.
Revocation is not checked (no network while scanning).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import lief
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.x509.oid import NameOID

from .anchors import TrustStore

MAX_CERT_TABLE = 2 * 1024 * 1024  # real tables are a few KB to ~100 KB
MAX_SIGNATURES = 4
MAX_CHAIN = 8
_TSTINFO_OID = b"\x06\x0b\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x04"
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
    trusted: bool = False
    root: str = ""
    self_signed: bool = False
    signing_time: str = ""  # from the timestamp countersignature, ISO 8601 UTC
    expired: bool = False  # a certificate of the chain not valid at the signing time (or now)
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


def _tlv(buf: bytes, off: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the DER element at `off`; ValueError when malformed."""
    if off + 2 > len(buf):
        raise ValueError("short")
    tag, n = buf[off], buf[off + 1]
    if n < 0x80:
        return tag, off + 2, off + 2 + n
    k = n & 0x7F
    if k == 0 or k > 4:
        raise ValueError("length")
    length = int.from_bytes(buf[off + 2:off + 2 + k], "big")
    return tag, off + 2 + k, off + 2 + k + length


def _tst_gen_time(der: bytes) -> datetime | None:
    """genTime of the first RFC 3161 TSTInfo inside `der` (a Microsoft timestamp countersignature)."""
    pos = der.find(_TSTINFO_OID)
    try:
        if pos < 0:
            return None
        _t, _s, end = _tlv(der, pos)  # the OID
        _t, s, _e = _tlv(der, end)  # [0] EXPLICIT
        _t, s, _e = _tlv(der, s)  # OCTET STRING
        _t, s, e = _tlv(der, s)  # TSTInfo SEQUENCE
        for _ in range(6):
            tag, cs, ce = _tlv(der, s)
            if tag == 0x18:  # GeneralizedTime, e.g. 20250724182243Z or with fractions
                text = der[cs:ce].decode("ascii").rstrip("Z").split(".")[0]
                return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
            s = ce
            if s >= e:
                break
    except (ValueError, UnicodeDecodeError):
        return None
    return None


def _signing_time(sig: Any) -> datetime | None:
    for signer in sig.signers:
        for attr in signer.unauthenticated_attributes:
            if isinstance(attr, lief.PE.PKCS9CounterSignature):
                st = attr.signer.get_auth_attribute(lief.PE.Attribute.TYPE.PKCS9_SIGNING_TIME)
                if isinstance(st, lief.PE.PKCS9SigningTime):
                    y, mo, d, h, mi, s = st.time
                    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)
    return _tst_gen_time(bytes(sig.raw_der))


def _same(a: x509.Certificate, b: x509.Certificate) -> bool:
    return a == b  # compares the DER encodings


def _issued_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(parent)
        return True
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False


def _chain(facts: SignatureFacts, leaf: x509.Certificate, pool: list[x509.Certificate],
           store: TrustStore, when: datetime) -> None:
    cur, path = leaf, [leaf]
    for _ in range(MAX_CHAIN):
        roots = [r for r in store.issuers_of(cur) if r.disallowed is None or when < r.disallowed.replace(tzinfo=UTC)]
        anchor = next((r for r in roots if _same(r.cert, cur) or _issued_by(cur, r.cert)), None)
        if anchor is not None:
            facts.trusted, facts.root = True, anchor.cert.subject.rfc4514_string()
            break
        if cur.issuer == cur.subject:  # an untrusted root: the leaf itself, or a CA the file brought along
            facts.self_signed = len(path) == 1 and _issued_by(cur, cur)
            facts.root = cur.subject.rfc4514_string()
            break
        parent = next((c for c in pool if c.subject == cur.issuer and not _same(c, cur) and _issued_by(cur, c)), None)
        if parent is None or any(_same(parent, p) for p in path):
            break
        cur = parent
        path.append(cur)
    facts.chain = [c.subject.rfc4514_string() for c in path]
    facts.expired = any(not (c.not_valid_before_utc <= when <= c.not_valid_after_utc) for c in path)


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
    stamped = _signing_time(sig)
    facts.signing_time = stamped.isoformat() if stamped else ""
    pool = [x509.load_der_x509_certificate(bytes(c.raw)) for c in sig.certificates]
    _chain(facts, leaf, pool, store, stamped or datetime.now(UTC))
    return facts


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
