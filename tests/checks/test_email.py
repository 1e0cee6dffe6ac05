"""The `email` check: header and link signals, scored low alone and high together."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import REPO_ROOT, SAMPLES, finding_keys, write_rules_dir

from scanner.api import Scanner
from scanner.checks.authres import trusted_results
from scanner.models import ItemReport, Verdict

ScannerFactory = Callable[..., Scanner]


@pytest.fixture
def brand_rules(tmp_path: Path) -> Path:
    root = write_rules_dir(tmp_path / "brand-rules", {"none.yar": "rule NEVER { condition: false }"})
    shutil.copy(REPO_ROOT / "rules" / "brands.toml", root / "brands.toml")
    return root


@pytest.fixture
def scan(make_scanner: ScannerFactory, brand_rules: Path) -> Callable[..., ItemReport]:
    def run(headers: str, body: str = "Hello.", ctype: str = "text/plain", **settings: object) -> ItemReport:
        data = (headers.strip() + f"\nMIME-Version: 1.0\nContent-Type: {ctype}; charset=utf-8\n\n{body}\n")
        return make_scanner(brand_rules, **settings).scan_bytes(data.replace("\n", "\r\n").encode(), "m.eml")
    return run


def email_ids(report: ItemReport) -> set[str]:
    return {f.id for f in report.findings if f.check == "email"}


def test_brand_display_name_from_foreign_domain(scan: Callable[..., ItemReport]) -> None:
    report = scan('From: "CrowdStrike Support" <help@mail-desk.example>\nTo: x@example.com\nSubject: s')
    (f,) = [f for f in report.findings if f.id == "brand_display_name"]
    assert f.evidence["brand"] == "crowdstrike" and f.evidence["address"] == "help@mail-desk.example"
    assert f.score <= 25 and report.verdict == Verdict.CLEAN  # alone: weak


def test_brand_display_name_on_brand_domain_and_encoded_names(scan: Callable[..., ItemReport]) -> None:
    assert not email_ids(scan('From: "CrowdStrike" <news@email.crowdstrike.com>\nSubject: s'))
    encoded = scan("From: =?utf-8?b?TWljcm9zb2Z0IFRlYW1z?= <no-reply@teams-update.example>\nSubject: s")
    assert "brand_display_name" in email_ids(encoded)


def test_display_name_showing_another_address(scan: Callable[..., ItemReport]) -> None:
    report = scan('From: "billing@example-hosting.com" <x@attacker.example>\nSubject: s')
    assert "display_name_address" in email_ids(report)


def test_reply_to_and_return_path_add_weight_to_another_signal(scan: Callable[..., ItemReport]) -> None:
    other = "Reply-To: b@other.example\nReturn-Path: <c@bounce.esp.example>\nSubject: s"
    alone = scan(f"From: a@mail.example.co.uk\n{other}")
    assert not email_ids(alone)  # mailing lists and bulk-mail providers look like this
    report = scan(f'From: "Microsoft Support" <a@mail.example.co.uk>\n{other}')
    assert {"brand_display_name", "reply_to_mismatch", "return_path_mismatch"} <= email_ids(report)
    same = scan('From: "Microsoft Support" <a@mail.example.co.uk>\nReply-To: b@support.example.co.uk\n'
                "Return-Path: <c@example.co.uk>\nSubject: s")
    assert email_ids(same) == {"brand_display_name"}


def test_link_text_domain_differs_from_href(scan: Callable[..., ItemReport]) -> None:
    html = ('<a href="https://crowdstrike-fix.com/dl">https://support.crowdstrike.com/hotfix</a>'
            '<a href="https://track.esp.example/c/1">www.shop.example</a>'
            '<a href="https://www.example.org/a">Read more</a>')
    report = scan("From: a@b.example\nSubject: s", html, "text/html")
    ids = email_ids(report)
    assert {"link_text_brand_mismatch", "link_text_mismatch"} <= ids
    branded = next(f for f in report.findings if f.id == "link_text_brand_mismatch")
    assert branded.evidence["links"][0]["target_host"] == "crowdstrike-fix.com"


def test_safe_links_are_unwrapped_before_comparing(scan: Callable[..., ItemReport]) -> None:
    good = ("https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.crowdstrike.com%2Fhub%2F"
            "&amp;data=05")
    bad = good.replace("www.crowdstrike.com", "crowdstrike-fix.com")
    assert not email_ids(scan("From: a@b.example\nSubject: s", f'<a href="{good}">www.crowdstrike.com/hub</a>',
                              "text/html"))
    report = scan("From: a@b.example\nSubject: s", f'<a href="{bad}">www.crowdstrike.com/hub</a>', "text/html")
    (f,) = [f for f in report.findings if f.id == "link_text_brand_mismatch"]
    link = f.evidence["links"][0]
    assert "safelinks" in link["href"] and link["target"] == "https://crowdstrike-fix.com/hub/"


def test_signals_combine_into_a_verdict(scan: Callable[..., ItemReport]) -> None:
    report = scan('From: "CrowdStrike" <s@crowdstrike-fix.com>\nReply-To: r@mail-desk.example\nSubject: s',
                  '<a href="https://crowdstrike-fix.com/x">https://www.crowdstrike.com/x</a>', "text/html")
    assert report.verdict == Verdict.MALICIOUS


AR_FAIL = "Authentication-Results: mx.example.com; spf=fail smtp.mailfrom=x; dkim=none; dmarc=fail header.from=y"


def test_authentication_results_only_from_trusted_host(scan: Callable[..., ItemReport]) -> None:
    headers = f"{AR_FAIL}\nReceived: from a by mx.example.com\nFrom: a@b.example\nSubject: s"
    assert not email_ids(scan(headers))  # nothing trusted by default
    trusted = email_ids(scan(headers, trusted_authserv_ids=("mx.example.com",)))
    assert {"auth_dmarc_fail", "auth_spf_fail"} <= trusted
    assert not email_ids(scan(headers, trusted_authserv_ids=("mx.other.example",)))


def test_sender_written_results_below_ours_are_ignored() -> None:
    headers = (("Authentication-Results", "mx.example.com; spf=pass; dmarc=pass"),
               ("Received", "from attacker by mx.example.com"),
               ("Authentication-Results", "mx.example.com; dmarc=fail (forged by the sender)"))
    got = trusted_results(headers, frozenset({"mx.example.com"}))
    assert [(r.method, r.result) for r in got] == [("spf", "pass"), ("dmarc", "pass")]
    assert trusted_results(headers, frozenset()) == []
    garbage = (("Authentication-Results", "((( ;;; = ="),)
    assert trusted_results(garbage, frozenset({"((("})) == []


@pytest.mark.parametrize("name", sorted(p.name for p in (SAMPLES / "clean" / "mail").iterdir()))
def test_ordinary_mail_stays_clean(make_scanner: ScannerFactory, name: str) -> None:
    report = make_scanner(bundled=True).scan_bytes((SAMPLES / "clean" / "mail" / name).read_bytes(), name)
    assert report.verdict == Verdict.CLEAN, [f"{f.check}:{f.id}" for f in report.findings]
    assert not report.findings


def test_lure_sample_end_to_end(make_scanner: ScannerFactory) -> None:
    path = SAMPLES / "lures" / "mail" / "falcon_hotfix_password.eml"
    report = make_scanner(bundled=True).scan_bytes(path.read_bytes(), path.name)
    assert report.verdict == Verdict.MALICIOUS
    assert {"email:brand_display_name", "email:link_text_brand_mismatch", "archive:password_sent_alongside",
            "yara:SCAM_Email_Archive_Password_Lure"} <= finding_keys(report)
    script = next(f for f in report.findings if f.id == "SCAM_FakeUpdate_PS_Cradle_IEX")
    assert script.location == (path.name, "falcon_hotfix.zip", "install.ps1")
