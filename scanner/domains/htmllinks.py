"""Links in HTML with the text a person sees for them.

A phishing mail shows one address and links to another; the checks need each
link's target (`href`, `src`, form `action`, `<meta http-equiv=refresh>`) next to
its visible text.  stdlib `html.parser` is tolerant of broken markup and never
fetches anything, which is what a scanner wants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from .unwrap import unwrap

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


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[Link] = []
        self._open: list[tuple[str, str, list[str]]] = []  # (tag, url, text parts) of open <a>

    def _add(self, url: str, text: str, tag: str, attr: str) -> None:
        url = url.strip()
        if url and len(self.links) < MAX_LINKS:
            self.links.append(Link(url, unwrap(url), " ".join(text.split())[:MAX_TEXT], tag, attr))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
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

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open:
            _, url, parts = self._open.pop()
            self._add(url, "".join(parts), "a", "href")

    def handle_data(self, data: str) -> None:
        if self._open and sum(map(len, self._open[-1][2])) < MAX_TEXT:
            self._open[-1][2].append(data)

    def close(self) -> None:
        super().close()
        while self._open:  # an <a> never closed still counts
            self.handle_endtag("a")


def extract_links(html: str) -> list[Link]:
    """Every link target in `html`, in document order, at most MAX_LINKS."""
    parser = _Parser()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken declarations
        parser.close()
    return parser.links


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("br", "p", "div", "tr", "li", "td"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The visible text of `html`, one block element per line (for password hunting)."""
    parser = _TextParser()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):
        pass
    return "".join(parser.parts)
