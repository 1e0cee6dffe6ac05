"""Links in HTML with the text a person sees for them.

A phishing mail shows one address and links to another; the checks need each
link's target (`href`, `src`, form `action`, `<meta http-equiv=refresh>`) next to
its visible text.  The markup is read by libxml2's HTML parser (lxml, event targets:
no tree is built, nothing is fetched), which recovers from broken markup in linear time.
stdlib `html.parser` did not: repeated unterminated tags (``<a <a <a``), attributes or
comments made it quadratic (60 KB of ``<a `` in a mail body took 31 s per parse, issue 13).
At most `MAX_HTML_CHARS` characters are parsed; callers record the rest as `max_text_size`.
NUL becomes U+FFFD first, as browsers do, so it cannot end the document early.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..config import Settings
from .unwrap import unwrap

MAX_HTML_CHARS = Settings().max_text_size
MAX_LINKS = 2000
MAX_TEXT = 300
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\"\s>]+)", re.IGNORECASE)
_SRC_TAGS = frozenset({"img", "iframe", "script", "embed", "frame", "source", "video", "audio", "input"})


@dataclass(frozen=True)
class Link:
    url: str       # as written (after HTML entity decoding)
    target: str    # `url` with gateway rewriting undone (== url when not wrapped)
    text: str      # visible text of an <a>/<area> (alt/title as fallback), "" for src/action/refresh
    tag: str
    attr: str


def _parse(html: str, target: Any, limit: int) -> None:
    """Feed the first `limit` characters of `html` to `target` (start/end/data/close events)."""
    data = html[:limit].replace("\0", "\ufffd").encode("utf-8", "replace")
    if not data.strip():
        return
    parser = etree.HTMLParser(target=target, encoding="utf-8", recover=True, no_network=True,
                              remove_comments=True, remove_pis=True)
    try:
        etree.fromstring(data, parser)
    except etree.LxmlError:  # nothing a parser could recover: the events so far stand
        target.close()


class _Parser:
    def __init__(self) -> None:
        self.links: list[Link] = []
        self._open: list[tuple[str, str, list[str]]] = []  # (tag, url, text parts) of open <a>

    def _add(self, url: str, text: str, tag: str, attr: str) -> None:
        url = url.strip()
        if url and len(self.links) < MAX_LINKS:
            self.links.append(Link(url, unwrap(url), " ".join(text.split())[:MAX_TEXT], tag, attr))

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        tag = str(tag).lower()
        a = {str(k).lower(): v or "" for k, v in attrib.items()}
        if tag in ("a", "area") and a.get("href"):
            if tag == "area":
                self._add(a["href"], a.get("alt", "") or a.get("title", ""), tag, "href")
            else:
                self._open.append((tag, a["href"], []))
        elif tag == "form" and a.get("action"):
            self._add(a["action"], "", tag, "action")
        elif tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            m = _REFRESH_URL.search(a.get("content", ""))
            if m:
                self._add(m.group(1), "", tag, "content")
        elif tag in _SRC_TAGS and a.get("src"):
            self._add(a["src"], "", tag, "src")
        if tag == "img" and self._open and a.get("alt"):
            self._open[-1][2].append(a["alt"])

    def end(self, tag: str) -> None:
        if str(tag).lower() == "a" and self._open:
            _, url, parts = self._open.pop()
            self._add(url, "".join(parts), "a", "href")

    def data(self, data: str) -> None:
        if self._open and sum(map(len, self._open[-1][2])) < MAX_TEXT:
            self._open[-1][2].append(data)

    def close(self) -> None:
        while self._open:  # an <a> never closed still counts
            self.end("a")


def extract_links(html: str, limit: int = MAX_HTML_CHARS) -> list[Link]:
    """Every link target in the first `limit` characters of `html`, in document order, at most MAX_LINKS."""
    parser = _Parser()
    _parse(html, parser, limit)
    return parser.links


class _TextParser:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self._skip = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        tag = str(tag).lower()
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("br", "p", "div", "tr", "li", "td"):
            self.parts.append("\n")

    def end(self, tag: str) -> None:
        if str(tag).lower() in ("script", "style") and self._skip:
            self._skip -= 1

    def data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)

    def close(self) -> None:
        pass


def html_text(html: str, limit: int = MAX_HTML_CHARS) -> str:
    """The visible text of the first `limit` characters of `html`, one block element per line
    (for password hunting)."""
    parser = _TextParser()
    _parse(html, parser, limit)
    return "".join(parser.parts)
