"""Issue 13: parsers get input caps, and nothing that reads attacker text backtracks.

How linearity is asserted without a wall-clock assertion: every input below is scanned by the
engine with a small per-check deadline (`timeout`, SIGALRM, the engine's own), and the test
asserts that no check and no extractor reported `timeout` (or failed).  The inputs are 256 KiB,
where a quadratic parser needs hours (stdlib html.parser took 31 s on 60 KiB of ``<a ``) and a
linear one well under a second, so the deadline separates the two by orders of magnitude
whatever the machine's load.  A regex in C cannot be interrupted by SIGALRM, so for the type
detection regexes (which see only the 4 KiB head) the inputs are the exact worst cases, and
their results are asserted.  YARA rules are content, bounded by libyara's own timeout (an
`incomplete: timeout`, never a clean verdict); this test is about the scanner's parsers.  Their
worst case is kept linear by `rules lint --strict` (``slow_regex``: no broad class repeated without
a small bound), which the bundled rules pass (tests/ruleset/test_lint.py).
"""

from __future__ import annotations

import pytest

from scanner.config import Settings
from scanner.domains.htmllinks import extract_links, html_text
from scanner.engine import Engine
from scanner.filetypes import FileType, identify

SIZE = 256 * 1024
UNITS = {
    "unterminated_tags": "<a ", "unterminated_attribute": '<a href="', "unterminated_quotes": "\"'",
    "lt_run": "<", "amp_run": "&", "dot_run": ".", "unterminated_comments": "<!--", "comment_ends": "-->",
    "end_tags": "</", "declarations": "<!", "processing": "<?", "charrefs": "&#", "attr_names": "<a b c d",
    "newline_tags": "<a\n", "slash_tags": "<a/", "hosts": "a.", "dashed_hosts": ".-", "urls": "http://a.",
    "defanged": "hxxp[:]//", "mail_at": "a@b.", "encoded_command": "powershell -e ", "base64_call":
    "FromBase64String(", "backslashes": "\\",
}
WRAPPERS = {
    "text": lambda body: body,
    "html": lambda body: b"<html><body>" + body,
    "mail_html": lambda body: (b"From: a@example.com\r\nTo: b@example.com\r\nSubject: x\r\n"
                               b"Content-Type: text/html\r\n\r\n" + body),
}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(Settings(timeout=5.0, cache_dir=""))


@pytest.mark.parametrize("wrapper", list(WRAPPERS))
@pytest.mark.parametrize("unit", list(UNITS))
def test_pathological_text_finishes_within_the_check_deadline(engine: Engine, unit: str, wrapper: str) -> None:
    body = (UNITS[unit] * (SIZE // len(UNITS[unit]))).encode()
    report = engine.scan(WRAPPERS[wrapper](body), f"{unit}.bin")
    stuck = [(i.reason, i.check, i.message) for i in report.incomplete
             if i.reason in ("timeout", "check_error") and i.check != "yara"]
    assert stuck == []


def test_a_run_of_comments_is_not_exponential_in_type_detection() -> None:
    # Before: `(?:<!--.*?-->\s*)*` tried 2^n ways to split n comments that reach no tag (a hang).
    assert identify(b"<!---->" * 585 + b"x") == FileType.TEXT
    assert identify(b"<!-- a -->\n" * 300 + b"<html><body>x") == FileType.HTML
    assert identify(b"<!-- a --> b --> <html>") == FileType.TEXT


def test_html_parsers_read_at_most_their_limit() -> None:
    page = '<a href="http://one.example/">one</a>' + "x" * 1000 + '<a href="http://two.example/">two</a>'
    assert [link.url for link in extract_links(page)] == ["http://one.example/", "http://two.example/"]
    assert [link.url for link in extract_links(page, limit=500)] == ["http://one.example/"]
    assert "two" not in html_text(page, limit=500)


def test_a_nul_does_not_end_the_html_document() -> None:
    page = '<a href="http://one.example/">one</a>\0<a href="http://evil.example/">two</a>'
    assert [link.target for link in extract_links(page)] == ["http://one.example/", "http://evil.example/"]


def test_mail_html_body_beyond_the_limit_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.extract import mailparse

    monkeypatch.setattr(mailparse, "MAX_HTML_CHARS", 100)
    message = (b"From: a@example.com\r\nSubject: limit test\r\nContent-Type: text/html\r\n\r\n<p>"
               + b"password: x " * 50 + b"</p>")
    mail = mailparse._parse(message, 10)
    assert ("max_text_size", "only the first 100 characters of an HTML body searched for passwords") in mail.problems
