from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import digest, finding_keys, make_zip, write_rules_dir

from scanner.api import Scanner
from scanner.cli import main
from scanner.intel.iocs import IocError, load_iocs
from scanner.models import ItemReport, Severity, Verdict

ScannerFactory = Callable[..., Scanner]

NO_YARA = {"none.yar": "rule NEVER_MATCHES { condition: false }"}
BAD_SHA256 = b"known bad payload, listed by sha256\n"
BAD_SHA1 = b"known bad payload, listed by sha1\n"
BAD_MD5 = b"known bad payload, listed by md5\n"


@pytest.fixture
def ioc_rules(tmp_path: Path) -> Path:
    return write_rules_dir(
        tmp_path / "ioc-rules", NO_YARA,
        domains=[("evil.com", "test-campaign", "https://example.org/report"),
                 ("evil.example.com", "test-campaign-2", "https://example.org/report2")],
        hashes=[(digest("sha256", BAD_SHA256), "sha256", "c256", "ref256"),
                (digest("sha1", BAD_SHA1).upper(), "sha1", "c1", "ref1"),
                (digest("md5", BAD_MD5), "md5", "c5", "ref5")],
    )


@pytest.fixture
def scan_text(tmp_path: Path, ioc_rules: Path, make_scanner: ScannerFactory) -> Callable[[bytes], ItemReport]:
    scanner = make_scanner(ioc_rules)
    counter = iter(range(10**6))

    def run(data: bytes, name: str = "") -> ItemReport:
        p = tmp_path / (name or f"doc{next(counter)}.txt")
        p.write_bytes(data)
        return scanner.scan_file(str(p))

    return run


@pytest.mark.parametrize(("data", "kind"), [(BAD_SHA256, "sha256"), (BAD_SHA1, "sha1"), (BAD_MD5, "md5")])
def test_known_bad_hash(scan_text: Callable[..., ItemReport], data: bytes, kind: str) -> None:
    r = scan_text(data)
    hits = [f for f in r.findings if f.check == "ioc"]
    assert [f.id for f in hits] == [f"known_bad_{kind}"]
    f = hits[0]
    assert (f.severity, f.score) == (Severity.CRITICAL, 100)
    assert f.evidence["indicator"] == digest(kind, data)
    assert f.evidence["type"] == kind and f.evidence["reference"].startswith("ref")
    assert f.evidence["source"].startswith("hashes.csv:")
    assert r.verdict is Verdict.MALICIOUS


def test_known_bad_hash_inside_archive(scan_text: Callable[..., ItemReport]) -> None:
    r = scan_text(make_zip({"tool/Setup.exe": BAD_SHA256}), "bundle.zip")
    [f] = [f for f in r.findings if f.check == "ioc"]
    assert f.id == "known_bad_sha256"
    assert f.location == ("bundle.zip", "tool/Setup.exe")


def test_unlisted_content_is_clean(scan_text: Callable[..., ItemReport]) -> None:
    r = scan_text(b"nothing to see at good.example.org\n")
    assert r.verdict is Verdict.CLEAN and not r.findings


@pytest.mark.parametrize(("text", "host", "indicator"), [
    ("Download the fix from evil.com today.", "evil.com", "evil.com"),
    ("https://evil.com/fix.exe", "evil.com", "evil.com"),
    ("hxxps://evil[.]example[.]com/recovery", "evil.example.com", "evil.example.com"),
    ("see evil(.)com for details", "evil.com", "evil.com"),
    ("evil[dot]com", "evil.com", "evil.com"),
    ("http://cdn.updates.evil.com/a.zip", "cdn.updates.evil.com", "evil.com"),
    ("mail support@EVIL.COM now", "evil.com", "evil.com"),
    ("www.evil.com.", "www.evil.com", "evil.com"),
])
def test_known_bad_domain_forms(scan_text: Callable[..., ItemReport], text: str, host: str, indicator: str) -> None:
    r = scan_text(text.encode() + b"\n")
    hits = [f for f in r.findings if f.id == "known_bad_domain"]
    assert [(f.evidence["host"], f.evidence["indicator"]) for f in hits] == [(host, indicator)]
    assert hits[0].check == "ioc" and hits[0].score == 80
    assert r.verdict is Verdict.MALICIOUS


@pytest.mark.parametrize("text", [
    "notevil.com", "https://notevil.com/x", "evil.community", "evil.com.attacker.net", "evil.commerce.org",
    "my-evil.com", "evil.co", "evilcom", "run evil.com.exe",
])
def test_no_substring_domain_hits(scan_text: Callable[..., ItemReport], text: str) -> None:
    r = scan_text(text.encode() + b"\n")
    assert "ioc:known_bad_domain" not in finding_keys(r), [f.evidence for f in r.findings]


def test_domains_in_html_and_email(scan_text: Callable[..., ItemReport]) -> None:
    html = b'<!DOCTYPE html><html><body><a href="https://evil.com/update.exe">Update</a></body></html>'
    r = scan_text(html, "page.html")
    assert r.type == "html" and "ioc:known_bad_domain" in finding_keys(r)
    eml = b"From: it@evil.com\r\nTo: you@example.org\r\nSubject: fix\r\n\r\nhello\r\n"
    r = scan_text(eml, "m.eml")
    assert r.type == "email" and "ioc:known_bad_domain" in finding_keys(r)


def test_domain_in_archive_member(scan_text: Callable[..., ItemReport]) -> None:
    r = scan_text(make_zip({"readme.txt": b"get it at evil.com"}), "a.zip")
    [f] = [f for f in r.findings if f.id == "known_bad_domain"]
    assert f.location == ("a.zip", "readme.txt")


def test_each_host_reported_once(scan_text: Callable[..., ItemReport]) -> None:
    r = scan_text(b"evil.com evil.com https://evil.com/ evil[.]com www.evil.com\n")
    hosts = sorted(f.evidence["host"] for f in r.findings if f.id == "known_bad_domain")
    assert hosts == ["evil.com", "www.evil.com"]


def test_load_iocs(ioc_rules: Path) -> None:
    db = load_iocs([ioc_rules])
    assert set(db.domains) == {"evil.com", "evil.example.com"}
    assert db.hash_types == {"sha256", "sha1", "md5"}
    assert len(db) == 5
    assert db.hashes[digest("md5", BAD_MD5)].source == "hashes.csv:4"  # no comment lines in that file


def test_ioc_source_cites_the_real_line(ioc_rules: Path) -> None:
    lines = (ioc_rules / "iocs" / "domains.csv").read_text().splitlines()
    assert lines[2].startswith("evil.com,")  # line 3: after a comment and the header
    assert load_iocs([ioc_rules]).domains["evil.com"].source == "domains.csv:3"


def test_invalid_hash_row(tmp_path: Path) -> None:
    rules = write_rules_dir(tmp_path / "r", NO_YARA, hashes=[("abc123", "sha256", "c", "r")])
    with pytest.raises(IocError, match=r"hashes\.csv"):
        load_iocs([rules])
    target = tmp_path / "a.txt"
    target.write_text("x")
    result = CliRunner().invoke(main, ["scan", "--rules", str(rules), str(target)])
    assert result.exit_code == 2
    assert "hashes.csv" in result.stderr


def test_csv_with_byte_order_mark(tmp_path: Path) -> None:
    rules = write_rules_dir(tmp_path / "r", NO_YARA)
    (rules / "iocs").mkdir()
    (rules / "iocs" / "domains.csv").write_bytes(b"\xef\xbb\xbfdomain,campaign,reference\r\nevil.com,c,r\r\n")
    assert "evil.com" in load_iocs([rules]).domains


def test_mail_body_domain_reported_once_at_the_body(scan_text: Callable[..., ItemReport]) -> None:
    """A 7-bit body is both inside the raw message and the decoded body.txt child: one finding, at the body."""
    eml = (b"From: it@example.org\r\nTo: you@example.org\r\nSubject: fix\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/plain\r\n\r\nDownload the fix from https://evil.com/fix.exe today\r\n")
    r = scan_text(eml, "m.eml")
    hits = [f for f in r.findings if f.id == "known_bad_domain"]
    assert [f.location for f in hits] == [("m.eml", "body.txt")], [f.location for f in hits]


def test_mail_that_does_not_parse_is_searched_whole(scan_text: Callable[..., ItemReport]) -> None:
    eml = (b"From: it@example.org\r\nSubject: fix\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: multipart/mixed; boundary="B"\r\n\r\nno boundary ever: get evil.com now\r\n')
    r = scan_text(eml, "m.eml")
    assert r.incomplete and ("m.eml",) in {f.location for f in r.findings if f.id == "known_bad_domain"}
