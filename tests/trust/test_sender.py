"""Sender-name brand claims: the brand as the sender's identity, not as a newsletter's topic."""

from __future__ import annotations

import email
import email.header
import email.utils
import tarfile

import pytest
from helpers import REPO_ROOT

from scanner.trust.brands import load_brands
from scanner.trust.sender import claimed_brand

BRANDS = load_brands([REPO_ROOT / "rules"])
HAM = next((p / "shared" / "data" / "corpora" / "ham.tar.xz" for p in (REPO_ROOT.parent, REPO_ROOT.parent.parent)
            if (p / "shared" / "data" / "corpora" / "ham.tar.xz").is_file()), None)


def claim(name: str) -> str | None:
    b = claimed_brand(name, BRANDS.values())
    return b.key if b else None


@pytest.mark.parametrize(("name", "brand"), [
    ("Microsoft", "microsoft"),
    ("CrowdStrike Support", "crowdstrike"),
    ("The Microsoft Account Team", "microsoft"),
    ("Security Alert from Microsoft", "microsoft"),
    ("Microsoft Teams", "microsoft"),          # a product
    ("Windows Update", "microsoft"),           # a product, though "Windows" alone is a common word
    ("Windows Security Center", "microsoft"),  # a common-word name with identity words only
    ("Microsoft Drive", "microsoft"),          # a distinctive name first, one more word
    ("Google Speicher-Update", "google"),
    ("Kundenservice von Google", "google"),
])
def test_identity_claims(name: str, brand: str) -> None:
    assert claim(name) == brand


@pytest.mark.parametrize("name", [
    "Lockergnome Windows Daily",   # the ham corpus: a newsletter about Windows
    "Windows Daily", "Windows Weekly", "Tips for Office users", "Zoom Photo Club",
    "Katie from Ledger Magazine", "Renewal by Andersen Replacement Windows",
    "Jane Doe", "", "Google Groups digest for the Linux users of Lower Saxony",
])
def test_topics_are_no_claim(name: str) -> None:
    assert claim(name) is None


@pytest.mark.skipif(HAM is None, reason="shared ham corpus (../shared/data/corpora/ham.tar.xz) not present")
def test_no_ham_sender_claims_a_brand_it_is_not() -> None:
    """Real legitimate mail (SpamAssassin easy_ham_2 + hard_ham_2): no sender name presents the sender as
    a brand whose domains the address is not on."""
    assert HAM is not None
    wrong, seen = [], 0
    with tarfile.open(HAM) as tf:
        for member in tf:
            fh = tf.extractfile(member) if member.isfile() else None
            if fh is None:
                continue
            seen += 1
            msg = email.message_from_bytes(fh.read(64 * 1024))
            name, address = email.utils.parseaddr(str(email.header.make_header(
                email.header.decode_header(str(msg.get("From", ""))))))
            brand = claimed_brand(name, BRANDS.values())
            if brand is not None and not brand.owns_domain(address.rsplit("@", 1)[-1]):
                wrong.append((member.name, name, address))
    assert seen > 1500
    assert not wrong
