"""Vendor impersonation with a freshly registered link or sender domain: malicious (issue 15).

Freshness comes from outside data, so the lure sample `mcafee_expired_de.eml` (suspicious with
default settings) is scanned here with a local newly-registered-domains feed (through the real
`scamscan feeds update`) or a local RDAP service, both on 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import SAMPLES, finding_keys, reasons, run_scamscan
from rdap_support import RdapServer, serve

from scanner.api import Scanner
from scanner.config import Settings
from scanner.models import ItemReport, Verdict

LURE = SAMPLES / "lures/mail/vendor/mcafee_expired_de.eml"   # link: angebot-verlaengern.example
CLEAN = SAMPLES / "clean/mail/vendor_mcafee_real_reminder.eml"
NEWSLETTER = SAMPLES / "clean/mail/vendor_security_newsletter.eml"


@pytest.fixture
def rdap() -> Iterator[RdapServer]:
    yield from serve()


def scan(path: Path, cache: Path, **kw: object) -> ItemReport:
    settings = Settings().replace(cache_dir=str(cache), result_cache=False, jobs=1, **kw)
    return Scanner(settings).scan_bytes(path.read_bytes(), path.name)


def update_nrd(rdap: RdapServer, tmp_path: Path, body: bytes) -> None:
    rdap.nrd = body
    conf = tmp_path / "settings.toml"
    conf.write_text(f'cache_dir = "{tmp_path / "cache"}"\n[feeds.nrd]\nurl = "{rdap.base}/nrd.txt"\n'
                    'format = "domains"\nrole = "fresh"\nretries = 0\n')
    done = run_scamscan(["--config", conf, "feeds", "update"])
    assert done.returncode == 0, done.stderr
    status = run_scamscan(["--config", conf, "feeds", "status"]).stdout.decode()
    assert any(line.split()[:3] == ["nrd", "yes", "fresh"] for line in status.splitlines()), status


def test_fresh_feed_escalates_the_lure_and_is_no_blocklist(rdap: RdapServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    before = scan(LURE, cache)
    assert before.verdict == Verdict.SUSPICIOUS and "impersonation:vendor_impersonation" in finding_keys(before)
    update_nrd(rdap, tmp_path, b"# newly registered\nother-new.example\nangebot-verlaengern.example\n")
    after = scan(LURE, cache)
    assert after.verdict == Verdict.MALICIOUS
    (f,) = [f for f in after.findings if f.check == "impersonation"]
    assert f.id == "vendor_impersonation_link" and f.evidence["suspicious_host"] == "angebot-verlaengern.example"
    assert f.evidence["fresh_source"] == "feed:nrd" and "fresh domain" in f.message
    assert not any(k.startswith("ioc:") for k in finding_keys(after))  # listed as new, not as bad
    text = b"see https://angebot-verlaengern.example/r/1\n"  # an ordinary text: no vendor claim, nothing
    plain = Scanner(Settings().replace(cache_dir=str(cache), result_cache=False, jobs=1)).scan_bytes(text, "a.txt")
    assert plain.verdict == Verdict.CLEAN and plain.findings == ()


def test_irrelevant_or_stale_fresh_feed_changes_nothing(rdap: RdapServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    update_nrd(rdap, tmp_path, b"unrelated-new.example\n")
    assert scan(LURE, cache).verdict == Verdict.SUSPICIOUS
    update_nrd(rdap, tmp_path, b"angebot-verlaengern.example\nunrelated-new.example\n")
    meta_path = cache / "feeds" / "nrd.json"
    meta = json.loads(meta_path.read_text())
    old = (datetime.now(UTC) - timedelta(days=5)).isoformat(timespec="seconds")
    meta_path.write_text(json.dumps({**meta, "fetched_at": old}))  # checked_at (a 304 since) stays recent
    assert scan(LURE, cache).verdict == Verdict.SUSPICIOUS  # a list 5 days old says nothing any more
    assert scan(LURE, cache, feeds_max_age=24 * 7).verdict == Verdict.MALICIOUS


def rdap_settings(rdap: RdapServer) -> dict[str, object]:
    return {"rdap_enabled": True, "rdap_bootstrap_url": rdap.bootstrap_url, "rdap_timeout": 0.5}


def test_rdap_registration_date_decides(rdap: RdapServer, tmp_path: Path) -> None:
    recent = (datetime.now(UTC) - timedelta(days=4)).isoformat()
    rdap.domains.update({"angebot-verlaengern.example": recent, "kundenservice-24.example": "2009-03-01T00:00:00Z"})
    report = scan(LURE, tmp_path / "a", **rdap_settings(rdap))
    (f,) = [f for f in report.findings if f.check == "impersonation"]
    assert report.verdict == Verdict.MALICIOUS and f.id == "vendor_impersonation_link"
    assert f.evidence["suspicious_host"] == "angebot-verlaengern.example" and f.evidence["registered"] == recent
    assert "registered 4 days ago" in f.message
    assert rdap.requests == ["/dns.json", "/rdap/domain/kundenservice-24.example",
                             "/rdap/domain/angebot-verlaengern.example"]
    rdap.domains["angebot-verlaengern.example"] = "2015-06-01T00:00:00Z"
    old = scan(LURE, tmp_path / "b", **rdap_settings(rdap))
    assert old.verdict == Verdict.SUSPICIOUS and old.incomplete == ()
    wider = scan(LURE, tmp_path / "b", **rdap_settings(rdap), fresh_domain_days=365 * 30)
    assert wider.verdict == Verdict.MALICIOUS  # the threshold is the setting's


def test_rdap_failure_is_recorded_not_a_crash(rdap: RdapServer, tmp_path: Path) -> None:
    rdap.domains.update({"angebot-verlaengern.example": "hang", "kundenservice-24.example": "hang"})
    report = scan(LURE, tmp_path, **rdap_settings(rdap))
    assert report.verdict == Verdict.SUSPICIOUS and "impersonation:vendor_impersonation" in finding_keys(report)
    assert reasons(report) == {"rdap"}
    assert any("timed out" in i.message or "failed recently" in i.message for i in report.incomplete)
    capped = scan(LURE, tmp_path / "cap", **rdap_settings(rdap), rdap_max_lookups=0)
    assert reasons(capped) == {"rdap_max_lookups"} and capped.verdict == Verdict.SUSPICIOUS


@pytest.mark.parametrize("sample", [CLEAN, NEWSLETTER])
def test_mail_that_impersonates_nobody_asks_nobody(rdap: RdapServer, tmp_path: Path, sample: Path) -> None:
    rdap.domains["mcafee.com"] = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    report = scan(sample, tmp_path, **rdap_settings(rdap))
    assert report.verdict == Verdict.CLEAN and rdap.requests == []
