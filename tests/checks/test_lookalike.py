"""The `lookalike` check through the real scanner: text, HTML, e-mail headers, PE strings, userinfo."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import REPO_ROOT, finding_keys, make_zip, minimal_pe, write_rules_dir

from scanner.api import Scanner
from scanner.config import Settings
from scanner.models import Verdict

RULE = """
rule TEST_Nothing
{
    meta:
        description = "never matches"
        author = "tests"
        severity = "low"
        score = 10
        reference = "tests"
    strings:
        $m = "SCAMSCAN-NEVER-PRESENT-0f3a"
    condition:
        $m
}
"""


@pytest.fixture
def scanner(tmp_path: Path, make_scanner: Callable[..., Scanner]) -> Scanner:
    """Only the brand policy (no lure YARA rules, no IOC lists), so findings come from this check."""
    rules = write_rules_dir(tmp_path / "rules", {"none.yar": RULE})
    shutil.copy(REPO_ROOT / "rules" / "brands.toml", rules / "brands.toml")
    return make_scanner(rules)


def lookalikes(report: object) -> dict[str, str]:
    return {f.evidence["host"]: f.id for f in report.findings if f.check == "lookalike"}  # type: ignore[attr-defined]


def test_lure_text_with_never_seen_lookalikes(scanner: Scanner) -> None:
    text = (b"Dear customer, download the hotfix from https://crowdstrike-recovery-portal.com/fix.zip or "
            b"hxxps://crowdstrike[.]com[.]helpdesk-fix[.]info/ and the Windows patch from "
            b"https://micros0ft-update.zip/kb5040442.exe. Official page: https://www.crowdstrike.com/\n")
    report = scanner.scan_bytes(text, "notice.txt")
    found = lookalikes(report)
    assert found == {"crowdstrike-recovery-portal.com": "brand_lure",
                     "crowdstrike.com.helpdesk-fix.info": "brand_domain_prefix",
                     "micros0ft-update.zip": "brand_lure"}
    assert report.verdict == Verdict.MALICIOUS
    f = next(f for f in report.findings if f.id == "brand_domain_prefix")
    assert f.evidence["brand"] == "crowdstrike" and f.evidence["technique"] == "brand_domain_prefix"


def test_benign_text_naming_the_real_domains_stays_clean(scanner: Scanner) -> None:
    text = (b"See https://www.crowdstrike.com/blog/ and support.microsoft.com, mail admin@crowdstrike.com, "
            b"files on teams.microsoft.com, Google at google.de, docs at learn.microsoft.com.\n")
    report = scanner.scan_bytes(text, "guidance.txt")
    assert report.verdict == Verdict.CLEAN and not report.findings


def test_email_header_addresses_and_unicode_hosts(scanner: Scanner) -> None:
    mail = ("From: CrowdStrike Support <support@crowdstrike-helpdesk.net>\r\n"
            "To: it@example.org\r\nSubject: Falcon update\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "Please visit сrowdstrike.com today.\r\n").encode()
    found = lookalikes(scanner.scan_bytes(mail, "mail.eml"))
    assert found.get("crowdstrike-helpdesk.net") == "brand_lure"
    assert found.get("сrowdstrike.com") == "homoglyph"


def test_userinfo_trick(scanner: Scanner) -> None:
    report = scanner.scan_bytes(b"Log in at https://crowdstrike.com@login-portal.example.net/session\n", "a.txt")
    assert "lookalike:userinfo" in finding_keys(report)
    f = next(f for f in report.findings if f.id == "userinfo")
    assert f.evidence["shown"] == "crowdstrike.com" and f.evidence["host"] == "login-portal.example.net"


def test_pe_strings_ascii_and_utf16(scanner: Scanner) -> None:
    pe = minimal_pe(b"\0https://crowdstrike-update-fix.com/p\0" + "https://windows-hotfix-download.com/x".encode(
        "utf-16-le") + b"\0\0")
    report = scanner.scan_bytes(pe, "Setup.exe")
    assert report.type == "pe"
    assert lookalikes(report) == {"crowdstrike-update-fix.com": "brand_lure",
                                  "windows-hotfix-download.com": "brand_lure"}


def test_inside_an_archive_with_location(scanner: Scanner) -> None:
    report = scanner.scan_bytes(make_zip({"readme.txt": b"get it at http://crowdstrike.com-update.info/x\n"}), "x.zip")
    f = next(f for f in report.findings if f.check == "lookalike")
    assert f.location == ("x.zip", "readme.txt") and report.verdict == Verdict.MALICIOUS


def test_brand_under_a_country_code_needs_lure_context(scanner: Scanner) -> None:
    """brand.com.xx is the brand's own by default (cisco.com.au); only a lure makes it count."""
    plain = scanner.scan_bytes(b"Our office: see http://crowdstrike.com.vc/ and http://zoom.com.ar/\n", "a.txt")
    assert plain.verdict == Verdict.CLEAN
    assert {f.id for f in plain.findings if f.check == "lookalike"} == {"brand_cctld"}
    lure = scanner.scan_bytes(b"get it at http://crowdstrike.com.vc/downloads/Crowdstrike.zip\n", "b.txt")
    assert lure.verdict == Verdict.SUSPICIOUS


def test_many_hosts_are_bounded(scanner: Scanner) -> None:
    text = "\n".join(f"https://host{i}.example.com/ crowdstrike-fix{i}.com" for i in range(1500)).encode()
    report = scanner.scan_bytes(text, "big.txt")
    assert sum(1 for f in report.findings if f.check == "lookalike") == 25  # MAX_FINDINGS
    assert "max_hosts" in {i.reason for i in report.incomplete}


def test_host_limit_is_a_setting(tmp_path: Path) -> None:
    text = "\n".join(f"https://host{i}.example.com/" for i in range(30)).encode()
    few = Scanner(Settings(result_cache=False, max_hosts=10)).scan_bytes(text, "changelog.txt")
    assert few.verdict is Verdict.INCOMPLETE and "max_hosts" in {i.reason for i in few.incomplete}
    many = Scanner(Settings(result_cache=False, max_hosts=40)).scan_bytes(text, "changelog.txt")
    assert many.verdict is Verdict.CLEAN and not many.incomplete


@pytest.mark.parametrize("text", [
    "https://" + "a" * 300 + ".com/", "http://[::1]/x http://10.0.0.1:8080/", "https://xn--zz-invalid.com/",
    "https://%63rowdstrike-fix.com/", "https://crowdstrike-fix.com.:443/", "http://a@b@c/", "https://@/",
    "https://" + "x." * 300 + "com", "\udcff.com", "https://CROWDSTRIKE-FIX.COM/",
])
def test_bad_input_is_handled(scanner: Scanner, text: str) -> None:
    report = scanner.scan_bytes(text.encode("utf-8", "surrogateescape"), "odd.txt")
    assert not any(i.reason == "check_error" for i in report.incomplete), report.incomplete
