"""Composite scoring (`scanner/scoring.py`): weak signals alone stay low, lure context raises them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import REPO_ROOT, write_rules_dir

from scanner.api import Scanner
from scanner.models import Finding, ItemReport, Severity, Verdict
from scanner.scoring import WEAK_ALONE, Node, rescore

LURE_RULE = """
rule TEST_Hotfix_Lure
{
    meta:
        description = "lure wording (test)"
        author = "tests"
        severity = "medium"
        score = 20
        reference = "tests"
    strings:
        $a = "install the hotfix now" nocase
    condition:
        $a
}
"""


@pytest.fixture
def scan(make_scanner: Callable[..., Scanner], tmp_path: Path) -> Callable[[bytes, str], ItemReport]:
    """Brand policy, portfolio and popularity list as bundled; one weak lure-text rule."""
    rules = write_rules_dir(tmp_path / "rules", {"lure.yar": LURE_RULE})
    for name in ("brands.toml", "brand-domains.toml"):
        shutil.copy(REPO_ROOT / "rules" / name, rules / name)
    shutil.copytree(REPO_ROOT / "rules" / "popular", rules / "popular")
    scanner = make_scanner(rules)
    return lambda data, name: scanner.scan_bytes(data, name)


def lookalikes(report: ItemReport) -> dict[str, Finding]:
    return {str(f.evidence["host"]): f for f in report.findings if f.check == "lookalike"}


def test_weak_lookalike_alone_is_low(scan: Callable[[bytes, str], ItemReport]) -> None:
    report = scan(b"Our partner's webmail: https://outlook.4team.biz/ and www.lindows.com\n", "news.txt")
    found = lookalikes(report)
    assert found["outlook.4team.biz"].score == WEAK_ALONE and found["outlook.4team.biz"].evidence["raw_score"] == 75
    assert found["outlook.4team.biz"].severity is Severity.LOW
    assert found["www.lindows.com"].score == 0  # one lookalike counts per item
    assert report.verdict is Verdict.CLEAN and report.score == WEAK_ALONE


def test_weak_lookalike_with_lure_text_counts(scan: Callable[[bytes, str], ItemReport]) -> None:
    report = scan(b"Install the hotfix now from https://outlook.4team.biz/\n", "lure.txt")
    f = lookalikes(report)["outlook.4team.biz"]
    assert f.score == 75 and "raw_score" not in f.evidence  # its own score, unchanged
    assert report.verdict is Verdict.MALICIOUS  # 75 + the rule's 20


def test_weak_lookalike_with_a_fix_in_the_url_counts(scan: Callable[[bytes, str], ItemReport]) -> None:
    report = scan(b"see http://crowdstrike.com.vc/falcon-hotfix/\n", "a.txt")
    assert lookalikes(report)["crowdstrike.com.vc"].score == 50 and report.verdict is Verdict.SUSPICIOUS


def test_lure_context_is_per_message(scan: Callable[[bytes, str], ItemReport]) -> None:
    """In an mbox, the lure of one message does not raise the newsletter link of another."""
    msg = ("From sender@example.org Mon Jan  1 00:00:00 2024\nFrom: {frm}\nTo: a@example.com\nSubject: s\n"
           "MIME-Version: 1.0\nContent-Type: text/plain\n\n{body}\n\n")
    mbox = (msg.format(frm="News <news@letters.example>", body="Webmail: https://outlook.4team.biz/")
            + msg.format(frm="Helpdesk <h@desk.example>", body="Install the hotfix now!")).encode()
    report = scan(mbox, "inbox.mbox")
    assert lookalikes(report)["outlook.4team.biz"].score == WEAK_ALONE
    assert report.verdict is Verdict.CLEAN


def test_popular_domain_scores_nothing(scan: Callable[[bytes, str], ItemReport]) -> None:
    report = scan(b"Install the hotfix now: https://www.loom.com/share/x\n", "a.txt")  # one letter from zoom.com
    f = lookalikes(report)["www.loom.com"]
    assert f.evidence["popular"] is True and f.score == 0 and f.evidence["raw_score"] > 0


def test_strong_lookalike_alone_is_still_a_verdict(scan: Callable[[bytes, str], ItemReport]) -> None:
    assert scan(b"https://crowdstrike.com-update.info/\n", "a.txt").verdict is Verdict.MALICIOUS
    assert scan(b"https://crowdstrike.com@portal.example.net/\n", "a.txt").verdict is Verdict.MALICIOUS


def test_brand_lure_name_alone_is_suspicious(scan: Callable[[bytes, str], ItemReport]) -> None:
    """Google's security blog (in a Debian changelog) is named like a lure: a flag, not a verdict."""
    blog = scan(b"  https://googleonlinesecurity.blogspot.com/2015/12/proactive-measures.html\n", "changelog")
    f = lookalikes(blog)["googleonlinesecurity.blogspot.com"]
    assert f.score == 50 and blog.verdict is Verdict.SUSPICIOUS
    lure = scan(b"https://crowdstrike-recovery-portal.com/falcon-hotfix/\n", "a.txt")  # a fix in the path
    assert lure.verdict is Verdict.MALICIOUS


def test_common_word_brand_lure_is_weak(scan: Callable[[bytes, str], ItemReport]) -> None:
    """outlook + secure: a lure word next to a brand token that is an everyday word."""
    report = scan(b"Sponsored by www.outlooksecure.com\n", "ad.txt")
    f = lookalikes(report)["www.outlooksecure.com"]
    assert f.id == "brand_lure" and f.score == WEAK_ALONE and report.verdict is Verdict.CLEAN


def test_score_overrides_win(make_scanner: Callable[..., Scanner], tmp_path: Path) -> None:
    rules = write_rules_dir(tmp_path / "rules", {"none.yar": "rule NEVER { condition: false }"})
    shutil.copy(REPO_ROOT / "rules" / "brands.toml", rules / "brands.toml")
    scanner = make_scanner(rules, score_overrides={"lookalike:brand_subdomain": 60})
    report = scanner.scan_bytes(b"https://outlook.4team.biz/\n", "a.txt")
    assert lookalikes(report)["outlook.4team.biz"].score == 60 and report.verdict is Verdict.SUSPICIOUS


def _finding(check: str, id: str, score: int, location: tuple[str, ...], **evidence: object) -> Finding:
    return Finding(check, id, Severity.LOW, score, "m", dict(evidence), location)


def test_rescore_executable_attachment_is_context() -> None:
    look = _finding("lookalike", "typo", 50, ("m.eml", "body.txt"), domain="crowdstrke.com")
    nodes = [Node(("m.eml",), "email", -1, ()), Node(("m.eml", "body.txt"), "text", 0, (look,)),
             Node(("m.eml", "Setup.exe"), "pe", 0, ())]
    assert rescore(nodes)[1][0].score == 50
    assert rescore(nodes[:2])[1][0].score == WEAK_ALONE


def test_macro_findings_alone_stay_below_malicious() -> None:
    """A legitimate automation macro (auto-run, Shell, Chr() strings: Apache POI's test file 31749.xls)
    is suspicious at most; a macro that also downloads keeps its full score."""
    loc = ("book.xls",)
    found = (_finding("office", "vba_runs_command", 40, loc), _finding("office", "vba_autoexec", 15, loc),
             _finding("office", "vba_obfuscation", 15, loc))
    capped = rescore([Node(loc, "ole", -1, found)])[0]
    assert sum(f.score for f in capped) == 69 and capped[0].score == 40
    dropper = (*found, _finding("office", "vba_downloads", 40, loc))
    assert sum(f.score for f in rescore([Node(loc, "ole", -1, dropper)])[0]) == 110
    assert sum(f.score for f in rescore([Node(loc, "ole", -1, found)], malicious=90)[0]) == 70


def test_lure_word_inside_other_letters_is_weak(scan: Callable[[bytes, str], ItemReport]) -> None:
    """Chrome DevTools' own GitHub Pages site: "tools" inside "devtools" is no lure segment."""
    report = scan(b"Protocol docs: https://chromedevtools.github.io/devtools-protocol/\n", "cli.md")
    f = lookalikes(report)["chromedevtools.github.io"]
    assert f.id == "brand_lure" and f.evidence["partial"] == 1 and report.verdict is Verdict.CLEAN
    assert scan(b"https://chrome-update-tools.github.io/\n", "a.txt").verdict is Verdict.SUSPICIOUS  # whole words
