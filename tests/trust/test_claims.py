"""Brand claims from version info, MSI summary and file names; the bundled brand policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.rules import bundled_rules_dir
from scanner.trust.brands import load_brands
from scanner.trust.claims import find_claims

BRANDS = load_brands([bundled_rules_dir()])


def claims(fields: dict[str, str], name: str = "x.exe") -> list[tuple[str, str]]:
    return [(c.brand.key, c.strength) for c in find_claims(BRANDS, fields, name)]


def test_bundled_policy_covers_commonly_faked_vendors() -> None:
    assert len(BRANDS) >= 60
    # PuTTY's author publishes from a user page on a shared host, which no brand can own
    no_own_domain = {"putty"}
    for brand in BRANDS.values():
        assert brand.names and (brand.domains or brand.key in no_own_domain), brand.key
        # a vendor that ships no signed Windows program (browser-extension wallets) names no publisher
        assert brand.publishers or brand.shipping == "often-unsigned", brand.key
        assert brand.sources and brand.kind, brand.key
    assert BRANDS["microsoft"].shipping == "catalog-signed"
    assert {"google", "mozilla", "zoom", "adobe", "anydesk", "teamviewer"} <= set(BRANDS)


@pytest.mark.parametrize(("fields", "name", "expected"), [
    ({"CompanyName": "CrowdStrike, Inc."}, "setup.exe", [("crowdstrike", "company")]),
    ({"CompanyName": "Google LLC", "ProductName": "Google Chrome"}, "a.exe", [("google", "company")]),
    ({"ProductName": "Mozilla Firefox"}, "a.exe", [("mozilla", "product")]),
    ({"author": "AnyDesk Software GmbH", "subject": "AnyDesk"}, "a.msi", [("anydesk", "company")]),
    ({}, "CrowdStrikeFalconFix.exe", [("crowdstrike", "name")]),
    ({}, "teamviewer_setup.exe", [("teamviewer", "name")]),
])
def test_claims(fields: dict[str, str], name: str, expected: list[tuple[str, str]]) -> None:
    assert claims(fields, name) == expected


@pytest.mark.parametrize(("fields", "name"), [
    ({"CompanyName": "Example Tools Ltd", "FileDescription": "Add-in for Microsoft Outlook"}, "addin.dll"),
    ({"FileDescription": "General ledger export"}, "ledger_export.exe"),  # a common word, not the wallet
    ({"ProductName": "Photo Zoom Tool"}, "zoomin.exe"),
    ({}, "windowscodecs.dll"),  # a brand token inside a longer word
])
def test_no_claim(fields: dict[str, str], name: str) -> None:
    assert claims(fields, name) == []


def test_user_brands_extend_the_policy(tmp_path: Path) -> None:
    (tmp_path / "brands.toml").write_text(
        '[brands.contoso]\nnames = ["Contoso Ltd"]\npublishers = ["Contoso Ltd"]\ndomains = ["contoso.example"]\n')
    brands = load_brands([bundled_rules_dir(), tmp_path])
    assert [c.brand.key for c in find_claims(brands, {"CompanyName": "Contoso Ltd"}, "a.exe")] == ["contoso"]
