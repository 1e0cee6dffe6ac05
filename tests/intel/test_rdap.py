"""RDAP registration dates and fresh-domain feeds, against an RDAP service on 127.0.0.1 started here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rdap_support import RdapServer, serve

from scanner.config import ConfigError, Settings
from scanner.intel.feeds import FeedError, load_feeds_config
from scanner.intel.freshness import FreshnessOracle
from scanner.intel.rdap import RdapClient, registration_date, service_for

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def days_ago(n: int) -> str:
    return (NOW - timedelta(days=n)).isoformat().replace("+00:00", "Z")


@pytest.fixture
def rdap() -> Iterator[RdapServer]:
    yield from serve()


def client(tmp_path: Path, server: RdapServer, **kw: object) -> RdapClient:
    values: dict[str, object] = {"bootstrap_url": server.bootstrap_url, "timeout": 0.5, **kw}
    return RdapClient(tmp_path / "cache", **values)  # type: ignore[arg-type]


def oracle(tmp_path: Path, server: RdapServer, **kw: object) -> FreshnessOracle:
    values: dict[str, object] = {"cache_dir": str(tmp_path / "cache"), "rdap_enabled": True,
                                 "rdap_bootstrap_url": server.bootstrap_url, "rdap_timeout": 0.5, **kw}
    return FreshnessOracle(Settings().replace(**values))


def test_bootstrap_then_registration_date_then_cache(tmp_path: Path, rdap: RdapServer) -> None:
    rdap.domains["new-shop.test"] = days_ago(3)
    answer = client(tmp_path, rdap).query("new-shop.test")
    assert answer.status == "ok" and answer.registered == days_ago(3) and answer.server == rdap.rdap_url
    assert rdap.requests == ["/dns.json", "/rdap/domain/new-shop.test"]
    again = client(tmp_path, rdap).query("new-shop.test")  # a new client: the disk cache answers
    assert again.cached and again.registered == answer.registered and len(rdap.requests) == 2


def test_fresh_and_old_domains_against_the_threshold(tmp_path: Path, rdap: RdapServer) -> None:
    rdap.domains.update({"new-shop.test": days_ago(3), "old-shop.test": "2011-05-04T00:00:00Z",
                         "month-old.test": days_ago(40)})
    names = ["new-shop.test", "old-shop.test", "month-old.test", "absent.test"]
    result = oracle(tmp_path, rdap, rdap_max_lookups=4).check(names, now=NOW, first=False)
    assert [(f.domain, f.age_days) for f in result.fresh] == [("new-shop.test", 3)]
    assert result.failed == () and result.skipped == ()
    wider = oracle(tmp_path, rdap, fresh_domain_days=60).check(["month-old.test"], now=NOW)
    assert [f.domain for f in wider.fresh] == ["month-old.test"]


def test_hanging_server_times_out_and_is_not_asked_again(tmp_path: Path, rdap: RdapServer) -> None:
    rdap.domains.update({"slow.test": "hang", "other.test": days_ago(1)})
    answer = client(tmp_path, rdap).query("slow.test")
    assert answer.status == "failed" and "timed out" in answer.detail
    asked = len(rdap.requests)
    second = client(tmp_path, rdap).query("other.test")  # same server: recorded as down for a while
    assert second.status == "failed" and "failed recently" in second.detail and len(rdap.requests) == asked


def test_dripping_server_is_cut_off(tmp_path: Path, rdap: RdapServer) -> None:
    rdap.domains["drip.test"] = "drip"
    answer = client(tmp_path, rdap, timeout=0.3).query("drip.test")
    assert answer.status == "failed" and "not complete within" in answer.detail


def test_garbage_answers_and_bootstraps_fail_readably(tmp_path: Path, rdap: RdapServer) -> None:
    rdap.domains["junk.test"] = "garbage"
    answer = client(tmp_path / "a", rdap).query("junk.test")
    assert answer.status == "failed" and answer.detail == "the answer is not JSON"
    rdap.bootstrap = b"<html>maintenance</html>"
    broken = client(tmp_path / "b", rdap).query("junk.test")
    assert broken.status == "failed" and broken.detail.startswith("bootstrap ") and "not JSON" in broken.detail
    rdap.bootstrap = b'{"services": 5}'
    wrong = client(tmp_path / "c", rdap).query("junk.test")
    assert wrong.status == "failed" and "not an RFC 9224 file" in wrong.detail


def test_unknown_tld_and_configured_base_url(tmp_path: Path, rdap: RdapServer) -> None:
    assert client(tmp_path / "a", rdap).query("shop.invalid").status == "no_service"
    rdap.domains["shop.invalid"] = days_ago(2)
    direct = client(tmp_path / "b", rdap, bootstrap_url="http://127.0.0.1:9/unused", base_url=rdap.rdap_url)
    assert direct.query("shop.invalid").registered == days_ago(2)
    assert "/dns.json" not in rdap.requests[-1:]


def test_lookup_cap_and_failures_are_returned(tmp_path: Path, rdap: RdapServer) -> None:
    rdap.domains.update({"a.test": "2001-01-01T00:00:00Z", "b.test": days_ago(1), "junk.test": "garbage"})
    result = oracle(tmp_path, rdap, rdap_max_lookups=2).check(["junk.test", "a.test", "b.test"], now=NOW)
    assert result.fresh == () and result.skipped == ("b.test",)
    assert result.failed == (("junk.test", "the answer is not JSON"),)


def test_no_new_lookup_once_the_time_budget_is_spent(tmp_path: Path, rdap: RdapServer) -> None:
    rdap.domains.update({"drip.test": "drip", "b.example": days_ago(1)})
    result = oracle(tmp_path, rdap, rdap_timeout=0.2, rdap_max_lookups=5).check(["drip.test", "b.example"], now=NOW)
    assert result.failed[0][0] == "drip.test" and result.skipped == ("b.example",)
    assert not any(p.endswith("/b.example") for p in rdap.requests)


def test_stops_at_the_first_fresh_domain_and_asks_in_ascii(tmp_path: Path, rdap: RdapServer) -> None:
    rdap.domains.update({"xn--bcher-kva.test": days_ago(2), "later.test": days_ago(2)})
    result = oracle(tmp_path, rdap).check(["Bücher.test.", "later.test"], now=NOW)
    assert [f.domain for f in result.fresh] == ["xn--bcher-kva.test"]
    assert rdap.requests == ["/dns.json", "/rdap/domain/xn--bcher-kva.test"]


def test_off_by_default_asks_nobody(tmp_path: Path, rdap: RdapServer) -> None:
    rdap.domains["b.test"] = days_ago(1)
    off = FreshnessOracle(Settings().replace(cache_dir=str(tmp_path), rdap_bootstrap_url=rdap.bootstrap_url))
    assert not off.enabled and off.check(["b.test"]).fresh == () and rdap.requests == []


def test_bootstrap_matching_and_event_parsing() -> None:
    doc = {"services": [[["uk"], ["http://uk.example/", "https://uk.example/"]],
                        [["co.uk"], ["https://co-uk.example/rdap/"]], ["bad"], [[5], "x"]]}
    assert service_for("shop.co.uk", doc) == "https://co-uk.example/rdap/"
    assert service_for("shop.uk", doc) == "https://uk.example/"
    assert service_for("uk", doc) == "" and service_for("shop.de", doc) == "" and service_for("a.b", None) == ""
    assert registration_date({"events": [{"eventAction": "Registration", "eventDate": "2020-02-02"}]}) == "2020-02-02"
    assert registration_date({"events": [{"eventAction": "registration", "eventDate": "soon"}]}) == ""
    assert registration_date({"events": "x"}) == "" and registration_date([]) == ""


def test_settings_and_feed_roles_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="rdap_base_url"):
        Settings().replace(rdap_base_url="ftp://x")
    base = Settings().fingerprint()  # the result cache is keyed by what changes a verdict
    assert all(Settings().replace(**{k: v}).fingerprint() != base for k, v in (
        ("rdap_enabled", True), ("fresh_domain_days", 7), ("rdap_base_url", "https://r.example/"),
        ("rdap_bootstrap_url", "https://b.example/dns.json")))
    conf = tmp_path / "s.toml"
    conf.write_text('[feeds.nrd]\nurl = "http://127.0.0.1:9/x"\nformat = "urls"\nrole = "fresh"\n')
    with pytest.raises(FeedError, match="role fresh needs a list of domains"):
        load_feeds_config(tmp_path, conf)
    conf.write_text('[feeds.nrd]\nurl = "http://127.0.0.1:9/x"\nformat = "domains"\nrole = "new"\n')
    with pytest.raises(FeedError, match="role must be one of"):
        load_feeds_config(tmp_path, conf)
