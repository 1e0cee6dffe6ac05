"""Verify the timestamp of an Authenticode signature before its time is believed.

A timestamp moves the time at which the signing certificate is judged into the past, so
an expired (or since-distrusted) certificate stays valid.  Its time is therefore used only
when the timestamp itself holds, as Windows requires:
* RFC 3161 token (Microsoft's 1.3.6.1.4.1.311.3.3.1 attribute, or the standard
  signatureTimeStampToken): its TSTInfo's messageImprint is the hash of this signature's
  value, its signer's messageDigest is the hash of the TSTInfo, and the signer's signature
  over its signed attributes verifies under the TSA certificate's key;
* legacy PKCS #9 countersignature: its messageDigest is the hash of the signature value and
  its signature over the signed attributes verifies;
* in both, the TSA certificate chains (`trust.paths`) to a root trusted for time stamping,
  with the timeStamping EKU, every certificate valid at the timestamp's own time.

CMS structures are read with asn1crypto (the ASN.1 library of pyHanko and certvalidator):
`cryptography` parses certificates but not CMS SignerInfos, and LIEF exposes a
countersignature's fields but not the DER of its signed attributes that was signed.
Signatures are verified with `cryptography` (RSA PKCS #1 v1.5 and ECDSA: what TSAs use).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from asn1crypto import cms, core, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from .anchors import TIME_STAMPING, TrustStore
from .paths import validate

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
_TOKENS = ("microsoft_time_stamp_token", "signature_time_stamp_token")
_ASN1_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError)


class _Bad(Exception):
    """Why a timestamp cannot be believed."""


@dataclass(frozen=True)
class Timestamp:
    kind: str  # "RFC 3161 timestamp" or "countersignature"
    time: datetime | None  # the time it claims
    signer: str  # the TSA certificate's subject
    problem: str  # "" when the timestamp verifies and chains to a trusted time-stamping root

    @property
    def trusted(self) -> bool:
        return not self.problem and self.time is not None


def _digest(name: str, data: bytes) -> bytes:
    if name not in _HASHES:
        raise _Bad(f"digest algorithm {name} not supported")
    h = hashes.Hash(_HASHES[name]())
    h.update(data)
    return h.finalize()


def _signed_attr(signer: Any, name: str) -> Any:
    attrs = signer["signed_attrs"]
    for attr in attrs if not isinstance(attrs, core.Void) else ():
        if attr["type"].native == name:
            return attr["values"][0].native
    raise _Bad(f"no {name} attribute")


def _certificate(signer: Any, pool: Sequence[x509.Certificate]) -> x509.Certificate:
    sid = signer["sid"]
    if sid.name == "issuer_and_serial_number":
        serial, issuer = sid.chosen["serial_number"].native, sid.chosen["issuer"].dump()
        found = next((c for c in pool if c.serial_number == serial and c.issuer.public_bytes() == issuer), None)
    else:
        found = next((c for c in pool if _ski(c) == sid.chosen.native), None)
    if found is None:
        raise _Bad("the timestamping certificate is not in the signature")
    return found


def _ski(cert: x509.Certificate) -> bytes | None:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except (x509.ExtensionNotFound, ValueError):
        return None


def _verify(signer: Any, cert: x509.Certificate) -> None:
    """The signer's signature over its signed attributes (DER, re-tagged as a SET) under `cert`'s key."""
    data = b"\x31" + signer["signed_attrs"].dump()[1:]
    digest = signer["digest_algorithm"]["algorithm"].native
    algo = _HASHES.get(digest)
    value = signer["signature"].native
    key = cert.public_key()
    try:
        kind = signer["signature_algorithm"].signature_algo
        if algo is None:
            raise _Bad(f"digest algorithm {digest} not supported")
        if isinstance(key, rsa.RSAPublicKey) and kind == "rsassa_pkcs1v15":
            key.verify(value, data, padding.PKCS1v15(), algo())
        elif isinstance(key, ec.EllipticCurvePublicKey) and kind == "ecdsa":
            key.verify(value, data, ec.ECDSA(algo()))
        else:
            raise _Bad(f"signature algorithm {kind} not supported")
    except InvalidSignature:
        raise _Bad("its signature does not verify") from None
    except (UnsupportedAlgorithm, ValueError) as exc:
        raise _Bad(f"its signature cannot be checked ({exc})") from None


def _load(certs: Any) -> list[x509.Certificate]:
    out = []
    for choice in certs if not isinstance(certs, core.Void) else ():
        if choice.name == "certificate":
            try:
                out.append(x509.load_der_x509_certificate(choice.chosen.dump()))
            except ValueError:
                continue
    return out


def _rfc3161(token: Any, signed_value: bytes, pool: list[x509.Certificate]) -> tuple[datetime, Any, list[Any]]:
    data = token["content"]
    content = data["encap_content_info"]["content"]
    tst = content.parsed
    if not isinstance(tst, tsp.TSTInfo):
        raise _Bad("the token holds no TSTInfo")
    imprint = tst["message_imprint"]
    if imprint["hashed_message"].native != _digest(imprint["hash_algorithm"]["algorithm"].native, signed_value):
        raise _Bad("it does not stamp this signature (message imprint mismatch)")
    signer = data["signer_infos"][0]
    if _signed_attr(signer, "message_digest") != _digest(signer["digest_algorithm"]["algorithm"].native,
                                                         content.contents):
        raise _Bad("its content does not match its signed digest")
    return tst["gen_time"].native, signer, _load(data["certificates"]) + pool


def _pkcs9(signer: Any, signed_value: bytes, pool: list[x509.Certificate]) -> tuple[datetime, Any, list[Any]]:
    if _signed_attr(signer, "message_digest") != _digest(signer["digest_algorithm"]["algorithm"].native,
                                                         signed_value):
        raise _Bad("it does not countersign this signature (message digest mismatch)")
    return _signed_attr(signer, "signing_time"), signer, pool


def _judge(kind: str, attr: Any, signed_value: bytes, pool: list[x509.Certificate], store: TrustStore) -> Timestamp:
    when: datetime | None = None
    tsa = ""
    try:
        when, signer, certs = (_rfc3161 if kind != "counter_signature" else _pkcs9)(attr, signed_value, pool)
        when = when.astimezone(UTC)
        cert = _certificate(signer, certs)
        tsa = cert.subject.rfc4514_string()
        _verify(signer, cert)
        path = validate(cert, certs, store, TIME_STAMPING, when, stamped=True)
        if not path.anchored:
            raise _Bad(f"its certificate {tsa} chains to no root trusted for time stamping (ends at {path.root})")
        if path.failures:
            raise _Bad("; ".join(f.message for f in path.failures))
    except _Bad as exc:
        return Timestamp(_KINDS[kind], when, tsa, str(exc))
    except _ASN1_ERRORS as exc:
        return Timestamp(_KINDS[kind], when, tsa, f"it cannot be read ({exc})")
    return Timestamp(_KINDS[kind], when, tsa, "")


_KINDS = {"counter_signature": "countersignature", **{t: "RFC 3161 timestamp" for t in _TOKENS}}


def check(signed_data: bytes, pool: list[x509.Certificate], store: TrustStore) -> Timestamp | None:
    """The timestamp of the first signer of the PKCS #7 `signed_data` (None when it has none)."""
    try:
        signer = cms.ContentInfo.load(signed_data)["content"]["signer_infos"][0]
        attrs = signer["unsigned_attrs"]
        found = [(a["type"].native, v) for a in (attrs if not isinstance(attrs, core.Void) else ())
                 if a["type"].native in _KINDS for v in a["values"]]
        value = signer["signature"].native
    except _ASN1_ERRORS as exc:
        return Timestamp("timestamp", None, "", f"the signature's attributes cannot be read ({exc})")
    if not found:
        return None
    kind, attr = found[0]
    return _judge(kind, attr, value, pool, store)
