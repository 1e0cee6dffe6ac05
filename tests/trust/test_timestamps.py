"""`trust.timestamps` on legacy PKCS #9 countersignatures built here (the PE samples carry RFC 3161 tokens).

Each SignedData is made with asn1crypto and EC keys: only the countersignature is judged, so the
outer signature value is any bytes (it is what the countersignature's messageDigest hashes).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

from scanner.trust.timestamps import check

from .certs import CA_KU, LEAF_KU, ROOT, Key, make, store

VALUE = b"the outer signer's signature value"
STAMPED = datetime(2024, 7, 19, 5, 9, tzinfo=UTC)
TSA = make("Test TSA", ROOT, ca=False, ku=LEAF_KU, eku=[ExtendedKeyUsageOID.TIME_STAMPING])


def countersigned(tsa: tuple[x509.Certificate, Key] = TSA, digest_of: bytes = VALUE, flip: bool = False) -> bytes:
    cert, key = tsa
    attrs = cms.CMSAttributes([
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": STAMPED})]}),
        cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(digest_of).digest()]}),
    ])
    signature = key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256()))
    if flip:
        signature = signature[:-1] + bytes([signature[-1] ^ 1])
    sid = cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({
        "issuer": asn1_x509.Name.load(cert.issuer.public_bytes()), "serial_number": cert.serial_number})})
    counter = cms.SignerInfo({"version": "v1", "sid": sid, "digest_algorithm": {"algorithm": "sha256"},
                              "signed_attrs": attrs, "signature_algorithm": {"algorithm": "sha256_ecdsa"},
                              "signature": signature})
    outer = cms.SignerInfo({
        "version": "v1", "sid": sid, "digest_algorithm": {"algorithm": "sha256"},
        "signature_algorithm": {"algorithm": "sha256_ecdsa"}, "signature": VALUE,
        "unsigned_attrs": [cms.CMSAttribute({"type": "counter_signature", "values": [counter]})]})
    signed = cms.SignedData({
        "version": "v1", "digest_algorithms": [{"algorithm": "sha256"}],
        "encap_content_info": {"content_type": "data"},
        "certificates": [asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))],
        "signer_infos": [outer]})
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump())


def test_a_valid_countersignature_gives_its_time() -> None:
    stamp = check(countersigned(), [TSA[0]], store())
    assert stamp is not None and stamp.trusted, stamp
    assert stamp.kind == "countersignature" and stamp.time == STAMPED and stamp.signer == "CN=Test TSA"


def test_a_countersignature_of_another_signature_is_not_believed() -> None:
    stamp = check(countersigned(digest_of=b"some other signature"), [TSA[0]], store())
    assert stamp is not None and not stamp.trusted and "message digest mismatch" in stamp.problem


def test_a_broken_countersignature_is_not_believed() -> None:
    stamp = check(countersigned(flip=True), [TSA[0]], store())
    assert stamp is not None and not stamp.trusted and "does not verify" in stamp.problem


def test_the_tsa_needs_the_timestamping_eku_and_a_trusted_root() -> None:
    code_signer = make("Not a TSA", ROOT, ca=False, ku=LEAF_KU, eku=[ExtendedKeyUsageOID.CODE_SIGNING])
    stamp = check(countersigned(code_signer), [code_signer[0]], store())
    assert stamp is not None and not stamp.trusted and "timeStamping" in stamp.problem
    other_root = make("Other Root", None, ca=True, ku=CA_KU)
    rogue = make("Rogue TSA", other_root, ca=False, eku=[ExtendedKeyUsageOID.TIME_STAMPING])
    stamp = check(countersigned(rogue), [rogue[0]], store())
    assert stamp is not None and not stamp.trusted and "chains to no root trusted for time stamping" in stamp.problem


def test_no_timestamp_and_garbage() -> None:
    assert check(countersigned()[:40], [], store()) is not None  # unreadable: reported, not raised
    assert not check(b"\x30\x03\x02\x01\x01", [], store()).trusted  # type: ignore[union-attr]
