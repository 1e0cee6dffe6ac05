from __future__ import annotations

import random

import pytest

from scanner.domains import indicators
from scanner.domains.indicators import decode_text, extract_hosts, extract_urls, parent_domains, refang


@pytest.mark.parametrize(("text", "expected"), [
    ("hxxps://evil[.]com/a", "https://evil.com/a"),
    ("hxxp[:]//a(.)b{.}c[dot]d(dot)e", "http://a.b.c.d.e"),
    ("fxp://files[.]example[.]org", "ftp://files.example.org"),
    ("plain.example.com", "plain.example.com"),
])
def test_refang(text: str, expected: str) -> None:
    assert refang(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("visit evil.com or Evil.Example.ORG.", {"evil.com", "evil.example.org"}),
    ("hxxps://crowdstrike-bsod[.]com/recovery", {"crowdstrike-bsod.com"}),
    ("evil(.)com and evil[dot]net", {"evil.com", "evil.net"}),
    ("run Setup.exe then open readme.txt and doc.pdf", set()),
    ("version 1.2.3 at 192.0.2.10", set()),
    ("", set()),
])
def test_extract_hosts(text: str, expected: set[str]) -> None:
    assert extract_hosts(text) == expected


def test_extract_urls_refangs_and_dedups() -> None:
    text = "a hxxps://evil[.]com/x, b https://evil.com/x. c http://ok.example/"
    assert extract_urls(text) == ["https://evil.com/x", "http://ok.example/"]


def test_parent_domains() -> None:
    assert parent_domains("a.b.example.com") == ["a.b.example.com", "b.example.com", "example.com", "com"]


def test_decode_text() -> None:
    assert decode_text("héllo".encode("utf-16")) == "héllo"
    assert decode_text("héllo".encode()) == "héllo"
    assert decode_text(b"caf\xe9") == "café"  # not UTF-8: Latin-1
    assert decode_text(b"abcdef", limit=3) == "abc"


def test_url_anchors_found_by_substring_search_are_the_regex_matches() -> None:
    """`_url_tails` (found from ``//``) gives exactly `_URL_TAIL.finditer`'s matches, overlaps and
    defanged ``[:]`` included."""
    rng = random.Random(7)
    pieces = [":", "//", "/", "[:]", "[", "]", "http", "hxxps", "ftp", "x", " ", "\n", '"', "a.b", "(", "::", "://"]
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        want = [(m.start(), m.end()) for m in indicators._URL_TAIL.finditer(text)]
        assert list(indicators._url_tails(text)) == want, text
