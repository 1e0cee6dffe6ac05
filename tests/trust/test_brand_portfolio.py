"""rules/brand-domains.toml: portfolios extend brands.toml's brands, with sources, and nothing else."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from helpers import REPO_ROOT

from scanner.trust.brands import BrandError, load_brands

BRANDS = load_brands([REPO_ROOT / "rules"])


def test_bundled_portfolio_merges_and_names_sources() -> None:
    data = tomllib.loads((REPO_ROOT / "rules" / "brand-domains.toml").read_text(encoding="utf-8"))
    for key, table in data["brands"].items():
        assert key in BRANDS and table.get("domain_sources"), key
    assert BRANDS["webex"].owns_domain("www.cisco.com.au")
    assert BRANDS["google"].owns_domain("chromium.googlesource.com")
    assert BRANDS["microsoft"].uses_domain("a.akamaized.net") and not BRANDS["microsoft"].owns_domain("a.akamaized.net")


def _rules(tmp_path: Path, portfolio: str) -> Path:
    (tmp_path / "brands.toml").write_text('[brands.acme]\nnames = ["Acme"]\ndomains = ["acme.example"]\n')
    (tmp_path / "brand-domains.toml").write_text(portfolio)
    return tmp_path


def test_portfolio_only_extends_known_brands(tmp_path: Path) -> None:
    with pytest.raises(BrandError, match="extends no brand"):
        load_brands([_rules(tmp_path, '[brands.other]\ndomains = ["other.example"]\n')])


def test_portfolio_keys_are_restricted(tmp_path: Path) -> None:
    with pytest.raises(BrandError, match="only"):
        load_brands([_rules(tmp_path, '[brands.acme]\npublishers = ["Evil"]\n')])


def test_portfolio_fields(tmp_path: Path) -> None:
    b = load_brands([_rules(tmp_path, '[brands.acme]\ndomains = ["acme.de"]\npartners = ["cdn.example"]\n'
                                      'not_owned = ["acme.com.ar"]\ndomain_sources = ["https://acme.example/"]\n')])["acme"]
    assert b.domains == ("acme.example",) and b.portfolio == ("acme.de",) and b.partners == ("cdn.example",)
    assert b.owns_domain("www.acme.de") and not b.owns_domain("cdn.example") and b.uses_domain("cdn.example")
    assert b.not_owned == ("acme.com.ar",)
