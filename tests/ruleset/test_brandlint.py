"""`rules lint` on the brand policy: sources, Public Suffix List, duplicates."""

from __future__ import annotations

from pathlib import Path

from scanner.ruleset import lint
from scanner.ruleset.brandlint import lint_brands
from scanner.trust.brands import load_brands

from ..rules_support import RULES, copy_repo

GOOD = """
[sources]
doc = "the vendor's documentation"
list1 = "one observer's signer list"
list2 = "another observer's signer list"

[source_kinds]
confirms = ["doc"]
observer = ["list1", "list2"]

[brands.acme]
names = ["Acme"]
domains = ["acme.com", "acme.co.uk", "acme.*"]
publishers = ["Acme Ltd"]
sources = ["doc"]
verified = true
"""


def _policy(tmp_path: Path, extra: str = "") -> Path:
    (tmp_path / "brands.toml").write_text(GOOD + extra, encoding="utf-8")
    return tmp_path


def problems(tmp_path: Path, extra: str = "") -> list[tuple[str, str]]:
    return [(p.rule, p.code) for p in lint_brands([_policy(tmp_path, extra)])]


def test_bundled_policy_is_clean_and_large() -> None:
    assert lint_brands([RULES]) == []
    brands = load_brands([RULES])
    assert len(brands) >= 60
    assert all(b.sources for b in brands.values())
    for key in ("mcafee", "norton", "avast", "totalav", "kaspersky", "bitdefender", "eset", "malwarebytes",
                "sophos", "trendmicro", "fortinet", "paloalto", "connectwise", "winrar", "sevenzip", "putty",
                "keepass", "java", "python", "docker", "bitwarden", "metamask"):
        assert key in brands, key


def test_good_policy_passes(tmp_path: Path) -> None:
    assert problems(tmp_path) == []


def test_brand_without_source(tmp_path: Path) -> None:
    assert problems(tmp_path, '\n[brands.bare]\nnames = ["Bare"]\ndomains = ["bare.com"]\n') == [
        ("brands.bare", "brand_no_source")]


def test_unknown_source_id(tmp_path: Path) -> None:
    extra = '\n[brands.b]\nnames = ["B"]\ndomains = ["bbbbb.com"]\nsources = ["memory"]\n'
    assert problems(tmp_path, extra) == [("brands.b", "brand_unknown_source")]


def test_domains_checked_against_the_public_suffix_list(tmp_path: Path) -> None:
    extra = ('\n[brands.b]\nnames = ["B"]\nsources = ["doc"]\n'
             'domains = ["bee.example", "co.uk", "bad_label.com", "b.c.*", "bee.com"]\n')
    found = [p.message for p in lint_brands([_policy(tmp_path, extra)])]
    assert len(found) == 4, found
    assert any("'bee.example' is under no suffix" in m for m in found)
    assert any("'co.uk' is a public suffix" in m for m in found)
    assert any("bad_label.com" in m for m in found)
    assert any("wildcard" in m for m in found)


def test_private_suffixes_a_company_runs_are_allowed(tmp_path: Path) -> None:
    extra = '\n[brands.g]\nnames = ["G"]\nsources = ["doc"]\ndomains = ["googleapis.com"]\n'
    assert problems(tmp_path, extra) == []


def test_duplicate_domains_and_names(tmp_path: Path) -> None:
    extra = ('\n[brands.copy]\nnames = ["ACME", "Copy"]\nsources = ["doc"]\n'
             'domains = ["acme.com", "copy.com", "copy.com"]\n')
    assert sorted(problems(tmp_path, extra)) == [("brands.copy", "brand_duplicate")] * 3


def test_problems_point_at_the_entry(tmp_path: Path) -> None:
    found = lint_brands([_policy(tmp_path, '\n[brands.bare]\nnames = ["Bare"]\n')])
    assert found[0].line == GOOD.count("\n") + 2
    assert found[0].file.endswith("brands.toml")


def test_unreadable_policy_is_one_problem(tmp_path: Path) -> None:
    (tmp_path / "brands.toml").write_text("[brands.x\n", encoding="utf-8")
    assert [p.code for p in lint_brands([tmp_path])] == ["brand_load"]


def test_rules_lint_reports_brand_problems(tmp_path: Path) -> None:
    rules = copy_repo(tmp_path)
    path = rules / "brands.toml"
    path.write_text(path.read_text() + '\n[brands.zz]\nnames = ["Zz Corp"]\ndomains = ["zz-corp.com"]\n')
    assert [p.code for p in lint([rules])] == ["brand_no_source"]


def test_verified_needs_what_source_kinds_ask_for(tmp_path: Path) -> None:
    """verified = true holds only with a confirming source or two observer lists that agree."""
    entry = '\n[brands.{k}]\nnames = ["{k}"]\ndomains = ["{k}{k}.com"]\nsources = {s}\nverified = {v}\n'
    extra = (entry.format(k="one", s='["list1"]', v="true") + entry.format(k="two", s='["list1", "list2"]', v="true")
             + entry.format(k="unc", s='["list1"]', v="false"))
    assert problems(tmp_path, extra) == [("brands.one", "brand_unverified")]


def test_source_kinds_name_defined_sources(tmp_path: Path) -> None:
    path = _policy(tmp_path)
    text = path.joinpath("brands.toml").read_text(encoding="utf-8").replace('observer = ["list1", "list2"]',
                                                                           'observer = ["list1", "memory"]')
    path.joinpath("brands.toml").write_text(text, encoding="utf-8")
    assert [(p.rule, p.code) for p in lint_brands([path])] == [("source_kinds", "brand_unknown_source")]


def test_bundled_verified_entries_name_their_evidence() -> None:
    """Every verified brand of the bundled policy rests on a rule, a signed file or two lists (see
    [source_kinds]); the signed-file sources say which package and version the signer was read from."""
    brands = load_brands([RULES])
    assert sum(b.verified for b in brands.values()) >= 35
    for key in ("opera", "videolan", "nodejs", "putty", "winrar", "avast", "python"):
        assert brands[key].verified, key
    assert not brands["sevenzip"].verified  # 7za.exe is unsigned: nothing to confirm
