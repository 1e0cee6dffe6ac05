"""`email:link_text_mismatch` and newsletters: a click tracker at the sender's own mail provider is
no mismatch; link text showing a brand's domain while the href goes elsewhere always is."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import REPO_ROOT, write_rules_dir

from scanner.api import Scanner
from scanner.models import ItemReport

TRACKED = '<a href="https://click.news.shop.example/c/123?u=9">www.partner-store.example</a>'


@pytest.fixture
def scan(make_scanner: Callable[..., Scanner], tmp_path: Path) -> Callable[..., ItemReport]:
    rules = write_rules_dir(tmp_path / "rules", {"none.yar": "rule NEVER { condition: false }"})
    shutil.copy(REPO_ROOT / "rules" / "brands.toml", rules / "brands.toml")

    def run(headers: str, html: str) -> ItemReport:
        data = headers.strip() + "\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n" + html + "\n"
        return make_scanner(rules).scan_bytes(data.replace("\n", "\r\n").encode(), "m.eml")
    return run


def ids(report: ItemReport) -> set[str]:
    return {f.id for f in report.findings if f.check == "email"}


def test_tracker_on_the_senders_domain_is_no_mismatch(scan: Callable[..., ItemReport]) -> None:
    assert not ids(scan("From: Shop News <news@shop.example>\nSubject: offers", TRACKED))


def test_tracker_on_the_list_unsubscribe_domain_is_no_mismatch(scan: Callable[..., ItemReport]) -> None:
    headers = ("From: Shop <news@shop-mail.example>\nSubject: offers\n"
               "List-Unsubscribe: <mailto:unsub@bounce.shop.example?subject=x>, <https://u.esp.example/u/1>")
    assert not ids(scan(headers, TRACKED))
    other = TRACKED.replace("click.news.shop.example", "t.esp.example")
    assert not ids(scan(headers, other))  # the https unsubscribe link's domain counts too


def test_tracker_elsewhere_is_still_a_mismatch(scan: Callable[..., ItemReport]) -> None:
    assert ids(scan("From: Shop <news@other-sender.example>\nSubject: offers", TRACKED)) == {"link_text_mismatch"}


def test_brand_link_text_to_the_senders_domain_stays(scan: Callable[..., ItemReport]) -> None:
    html = '<a href="https://click.shop.example/c/1">https://www.crowdstrike.com/support</a>'
    report = scan("From: Shop <news@shop.example>\nSubject: offers", html)
    assert ids(report) == {"link_text_brand_mismatch"}
