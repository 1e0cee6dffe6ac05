"""`--format html`: one self-contained page, the nested tree, reasons with evidence, escaping."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from helpers import run_scamscan

from scanner.models import Finding, ItemReport, ItemSummary, ScanReport, Severity, Verdict
from scanner.render import RENDERERS
from scanner.render import html as html_render

ROOT = Path(__file__).resolve().parents[2]


class Tree(HTMLParser):
    """(depth, verdict, name) of every item of ul.tree, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.depth, self.items, self.in_name, self.verdicts = 0, [], False, []  # type: ignore[var-annotated]
        self.resources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "link", "img", "iframe") or (tag == "a" and str(a.get("href", "")).startswith("http")):
            self.resources.append(tag)
        if tag == "ul":
            self.depth += 1
        elif tag == "li" and "data-verdict" in a:
            self.verdicts.append(a["data-verdict"])
        elif tag == "span" and a.get("class") == "name":
            self.in_name = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul":
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.in_name:
            self.items.append((self.depth, self.verdicts[-1], data))
            self.in_name = False


REPORT = ScanReport(files=(ItemReport(
    "mail.eml", "b" * 64, "email", 500, Verdict.MALICIOUS, 80,
    findings=(Finding("yara", "HOTFIX<script>", Severity.HIGH, 80, "fake hotfix & co",
                      {"strings": [{"id": "$a", "offset": 3, "data": "Setup.exe"}]},
                      ("mail.eml", "hotfix.zip", "Setup.exe")),),
    items=(ItemSummary(("mail.eml",), "b" * 64, "email", 500, 80, Verdict.MALICIOUS),
           ItemSummary(("mail.eml", "hotfix.zip"), "c" * 64, "zip", 300, 0, Verdict.CLEAN),
           ItemSummary(("mail.eml", "hotfix.zip", "Setup.exe"), "d" * 64, "pe", 200, 80, Verdict.MALICIOUS))),),
    tool_version="0.1.0", rules_version="abc", started="s", finished="f")


def test_registered_and_self_contained() -> None:
    assert RENDERERS["html"] is html_render.render
    page = html_render.render(REPORT)
    parser = Tree()
    parser.feed(page)
    assert parser.resources == []  # no script, stylesheet link, image or external link
    assert parser.items == [(1, "malicious", "mail.eml"), (2, "clean", "hotfix.zip"), (3, "malicious", "Setup.exe")]
    assert "HOTFIX&lt;script&gt;" in page and "fake hotfix &amp; co" in page and "<script>" not in page
    assert "mail.eml &gt; hotfix.zip &gt; Setup.exe" in page  # where the reason was found
    assert "$a@3: Setup.exe" in page  # the evidence


def test_cli_writes_one_html_file(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    lure = ROOT / "samples/lures/falcon_hotfix_attachment.eml"
    result = run_scamscan(["scan", "--no-cache", "--format", "html", "-o", out, lure,
                           ROOT / "samples/clean/clickfix_awareness.txt"])
    assert result.returncode == 1, result.stderr
    page = out.read_text(encoding="utf-8")
    parser = Tree()
    parser.feed(page)
    assert parser.resources == []
    assert (1, "malicious", "falcon_hotfix_attachment.eml") in parser.items
    assert (3, "clean", "README.txt") in parser.items  # mail > CrowdStrike Falcon.zip > README.txt
    assert re.search(r"<b>SCAM_CS_Phishing_Update_Email</b>", page)
