"""Small certificate paths for the trust tests: EC keys, made in memory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from scanner.trust.anchors import Root, TrustStore

START = datetime(2024, 1, 1, tzinfo=UTC)
CA_KU = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
LEAF_KU = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
Key = ec.EllipticCurvePrivateKey


def make(cn: str, issuer: tuple[x509.Certificate, Key] | None, *, ca: bool | None = None,
         path_len: int | None = None, ku: x509.KeyUsage | None = None, eku: list[x509.ObjectIdentifier] | None = None,
         days: int = 3650, start: datetime = START) -> tuple[x509.Certificate, Key]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    builder = (x509.CertificateBuilder().subject_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(start)
               .not_valid_after(start + timedelta(days=days))
               .issuer_name(issuer[0].subject if issuer else name))
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=path_len), critical=True)
    if ku is not None:
        builder = builder.add_extension(ku, critical=True)
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    return builder.sign(issuer[1] if issuer else key, hashes.SHA256()), key


ROOT = make("Root", None, ca=True, ku=CA_KU)


def store(*roots: Root) -> TrustStore:
    out = TrustStore()
    for root in roots or (Root(ROOT[0], "test"),):
        out.add(root)
    return out
