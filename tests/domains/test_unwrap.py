"""Gateway link unwrapping and HTML link extraction, as the domain checks see them."""

from __future__ import annotations

from scanner.domains.htmllinks import extract_links, html_text
from scanner.domains.indicators import extract_hosts, extract_urls, url_host
from scanner.domains.unwrap import unwrap

SAFE = ("https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fcrowdstrike-fix.com%2Fhotfix%3Fa%3D1"
        "&data=05%7C02%7Cx&reserved=0")
PP_V2 = "https://urldefense.proofpoint.com/v2/url?u=https-3A__evil-update.example_path-3Fa-3D1&d=DwMFaQ&c=x&r=y"
PP_V3 = "https://urldefense.com/v3/__https://evil-update.example/a*b__;Pw!!ABC!xyz$"
GOOGLE = "https://www.google.com/url?q=https://g-target.example/page&sa=D&ust=1"


def test_unwraps_each_gateway_format() -> None:
    assert unwrap(SAFE) == "https://crowdstrike-fix.com/hotfix?a=1"
    assert unwrap(PP_V2) == "https://evil-update.example/path?a=1"
    assert unwrap(PP_V3) == "https://evil-update.example/a?b"
    assert unwrap(GOOGLE) == "https://g-target.example/page"


def test_nested_wrapping_is_undone_and_plain_urls_are_untouched() -> None:
    from urllib.parse import quote
    nested = "https://eur01.safelinks.protection.outlook.com/?url=" + quote(PP_V2, safe="")
    assert unwrap(nested) == "https://evil-update.example/path?a=1"
    assert unwrap("https://www.crowdstrike.com/blog/") == "https://www.crowdstrike.com/blog/"
    assert unwrap("https://www.google.com/search?q=https://x.example") == "https://www.google.com/search?q=https://x.example"


def test_malformed_wrappers_do_not_crash() -> None:
    for url in ("https://urldefense.com/v3/__https://x.example__;%%%!", "https://urldefense.proofpoint.com/v2/url?",
                "https://x.safelinks.protection.outlook.com/?url=notaurl", "https://[::1/"):
        assert isinstance(unwrap(url), str)


def test_domain_checks_see_both_forms() -> None:
    text = f"click {SAFE} or {PP_V3}"
    urls = extract_urls(text)
    assert SAFE in urls and "https://crowdstrike-fix.com/hotfix?a=1" in urls
    hosts = extract_hosts(text)
    assert {"crowdstrike-fix.com", "evil-update.example", "nam02.safelinks.protection.outlook.com"} <= hosts
    assert "2fcrowdstrike-fix.com" not in hosts


def test_url_host() -> None:
    assert url_host("https://user:pw@Example.COM:8443/x") == "example.com"
    assert url_host("http://[2001:db8::1]/") == "2001:db8::1"
    assert url_host("https://a.example?x") == "a.example"


def test_links_with_visible_text_from_every_kind_of_reference() -> None:
    html = """<html><head><meta http-equiv="Refresh" content="0; URL='https://refresh.example/go'"></head>
    <body><a href="https://evil.example/x">https://www.crowdstrike.com/</a>
    <a href="https://img.example/"><img src="https://cdn.example/i.png" alt="Download"></a>
    <form action="https://collect.example/post"><input name=u></form>
    <iframe src="https://frame.example/"></iframe><a href="https://unclosed.example/">never closed"""
    links = {(link.tag, link.url): link for link in extract_links(html)}
    assert links[("a", "https://evil.example/x")].text == "https://www.crowdstrike.com/"
    assert links[("a", "https://img.example/")].text == "Download"
    assert ("img", "https://cdn.example/i.png") in links
    assert ("form", "https://collect.example/post") in links
    assert ("meta", "https://refresh.example/go") in links
    assert ("iframe", "https://frame.example/") in links
    assert links[("a", "https://unclosed.example/")].text == "never closed"


def test_link_target_is_unwrapped_and_entities_decoded() -> None:
    html = f'<a href="{SAFE.replace("&", "&amp;")}">support.crowdstrike.com</a>'
    (link,) = extract_links(html)
    assert link.url == SAFE and link.target == "https://crowdstrike-fix.com/hotfix?a=1"


def test_html_text_skips_scripts_and_survives_garbage() -> None:
    assert "Password: x1" in html_text("<p>Hello</p><script>var a='no';</script><p>Password: x1</p>")
    assert isinstance(html_text("<![if !x]><a href='<<<'>" * 50), str)
    assert isinstance(extract_links("<!DOCTYPE x [<!ENTITY a '<a href=x>'>]><a href=" * 100), list)
