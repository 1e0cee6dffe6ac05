"""Verify a detached-content-free PKCS#7 SignedData (Authenticode-style) outside a PE: APPX packages.

The CMS structure is read with asn1crypto; the signer's signature over its signed attributes and
the messageDigest over the signed content are checked with `cryptography`; the certificate chain
is judged by the same code as a PE's Authenticode signature (`authenticode.judge_chain`), so an
MSIX and an EXE signed by the same certificate get the same verdict.
"""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from .anchors import TrustStore
from .authenticode import SignatureFacts, judge_chain

_HASHES: dict[str, Any] = {"sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384,
                           "sha512": hashes.SHA512}


def _tlv(buf: bytes, off: int) -> tuple[int, int]:
    """(start of the value, its end) of the DER element at `off`."""
    length = buf[off + 1]
    start = off + 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(buf[start:start + count], "big")
        start += count
    return start, start + length


def signed_content(encap: bytes) -> bytes:
    """The bytes the messageDigest covers: the value of the content SEQUENCE inside its [0] wrapper."""
    start, _ = _tlv(encap, 0)  # [0] EXPLICIT
    inner, end = _tlv(encap, start)  # SEQUENCE
    return encap[inner:end]


def _name(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    attrs = name.get_attributes_for_oid(oid)
    return str(attrs[0].value) if attrs else ""


def _verify(cert: x509.Certificate, signature: bytes, data: bytes, algorithm: Any) -> bool:
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(algorithm))
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError):
        return False
    return True


def verify_signed_data(der: bytes, store: TrustStore) -> tuple[SignatureFacts, bytes]:
    """(facts about the first signer, the signed content) of a PKCS#7 SignedData; ValueError when unreadable."""
    from asn1crypto import cms

    try:
        signed = cms.ContentInfo.load(der)["content"]
        encap = signed["encap_content_info"]["content"].dump()
        content = signed_content(encap)
        signer = signed["signer_infos"][0]
        pool = [x509.load_der_x509_certificate(c.chosen.dump()) for c in signed["certificates"]
                if c.name == "certificate"]
        algorithm = signer["digest_algorithm"]["algorithm"].native
        sid = signer["sid"].chosen
        attrs = signer["signed_attrs"]
        digest = next(a["values"][0].native for a in attrs if a["type"].native == "message_digest")
        signed_attrs = b"\x31" + attrs.dump()[1:]  # the signature covers them as a SET OF
        signature = signer["signature"].native
    except (KeyError, IndexError, StopIteration, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"unreadable PKCS#7 signature: {type(exc).__name__}: {exc}") from exc
    facts = SignatureFacts(digest_algorithm=str(algorithm))
    hash_cls = _HASHES.get(str(algorithm))
    if hash_cls is None:
        facts.unsupported = True
        facts.flags.append("UNSUPPORTED_ALGORITHM")
        return facts, content
    leaf = next((c for c in pool if c.serial_number == sid["serial_number"].native
                 and c.issuer.public_bytes() == sid["issuer"].dump()), None)
    if leaf is None:
        facts.flags.append("CERT_NOT_FOUND")
        return facts, content
    facts.digest_ok = hashlib.new(str(algorithm), content).digest() == digest
    facts.signature_ok = _verify(leaf, signature, signed_attrs, hash_cls())
    if not facts.digest_ok:
        facts.flags.append("BAD_DIGEST")
    if not facts.signature_ok:
        facts.flags.append("BAD_SIGNATURE")
    facts.signer = leaf.subject.rfc4514_string()
    facts.signer_cn = _name(leaf.subject, NameOID.COMMON_NAME)
    facts.signer_org = _name(leaf.subject, NameOID.ORGANIZATION_NAME)
    facts.issuer = leaf.issuer.rfc4514_string()
    facts.serial = format(leaf.serial_number, "x")
    facts.not_after = leaf.not_valid_after_utc.isoformat()
    judge_chain(facts, leaf, pool, store, der)
    return facts, content
