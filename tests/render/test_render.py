from __future__ import annotations

import json
import os

import pytest

from scanner.models import Finding, Incomplete, ItemReport, ScanReport, Severity, Verdict
from scanner.render import RENDERERS, STREAMERS
from scanner.render import json as json_render
from scanner.render import text as text_render


def finding(score: int, location: tuple[str, ...], id: str = "R") -> Finding:
    return Finding("yara", id, Severity.HIGH, score, f"rule {id}", {"rule": id, "strings": []}, location)


REPORT = ScanReport(
    files=(
        ItemReport("clean.txt", "a" * 64, "text", 5, Verdict.CLEAN, 0),
        ItemReport("mail.eml", "b" * 64, "email", 500, Verdict.MALICIOUS, 80,
                   findings=(finding(80, ("mail.eml", "hotfix.zip", "Setup.exe"), "HOTFIX"),
                             finding(40, ("mail.eml",), "SENDER"))),
        ItemReport("locked.zip", "c" * 64, "zip", 50, Verdict.INCOMPLETE, 0,
                   incomplete=(Incomplete("encrypted", "secret.txt: encrypted member, not scanned",
                                          ("locked.zip",), "archive"),
                               Incomplete("corrupt", "bad", ("locked.zip", "x.zip"), "archive"))),
        ItemReport(os.fsdecode(b"caf\xe9.txt"), "d" * 64, "text", 1, Verdict.SUSPICIOUS, 40,
                   findings=(finding(40, (os.fsdecode(b"caf\xe9.txt"),)),), cached=True),
    ),
    tool_version="0.1.0", rules_version="abc", started="s", finished="f",
)


def test_registries() -> None:
    assert {"text", "json", "jsonl"} <= set(RENDERERS)
    assert "jsonl" in STREAMERS


def test_text_render() -> None:
    out = text_render.render(REPORT)
    assert "mail.eml > hotfix.zip > Setup.exe" in out
    assert "MALICIOUS  mail.eml" in out
    assert out.index("HOTFIX") < out.index("SENDER")
    assert "not fully scanned (encrypted)" in out and "in locked.zip > x.zip" in out
    assert "\x1b[" not in out
    assert out.rstrip().endswith("Verdict: MALICIOUS")
    assert "Scanned 4 files: 1 malicious, 1 suspicious, 1 incomplete, 1 clean." in out
    assert "cached" in out


def test_text_location_only_for_nested_items() -> None:
    out = text_render.render_file(REPORT.files[1])
    assert out.count("        in ") == 1


def test_text_quiet() -> None:
    out = text_render.render(REPORT, quiet=True)
    assert "clean.txt" not in out and "mail.eml" in out and "locked.zip" in out
    assert "Scanned 4 files" in out


def test_text_colour_only_when_asked() -> None:
    assert "\x1b[31;1m" in text_render.render(REPORT, color=True)


def test_text_non_utf8_name_is_escaped() -> None:
    out = text_render.render(REPORT)
    out.encode("utf-8")  # no lone surrogates left
    assert "caf\\xe9.txt" in out


def test_text_caps_reasons() -> None:
    many = ItemReport("x", "e" * 64, "text", 1, Verdict.MALICIOUS, 100,
                      findings=tuple(finding(10, ("x",), f"R{i}") for i in range(15)))
    out = text_render.render_file(many)
    assert out.count("yara:R") == text_render.MAX_REASONS
    assert "and 5 more findings" in out


def test_json_render_round_trip() -> None:
    doc = json.loads(json_render.render(REPORT))
    assert doc["schema_version"] == "1.0.0" and doc["verdict"] == "malicious"
    assert json_render.parse(json_render.render(REPORT)) == REPORT
    assert json_render.parse(json_render.render(REPORT)).to_dict() == REPORT.to_dict()


def test_json_is_ascii_and_keeps_surrogates() -> None:
    out = json_render.render(REPORT)
    out.encode("ascii")
    back = json_render.parse(out)
    assert back.files[3].path == os.fsdecode(b"caf\xe9.txt")


def test_jsonl_one_object_per_file() -> None:
    lines = json_render.render_lines(REPORT).splitlines()
    assert len(lines) == len(REPORT.files)
    objs = [json.loads(line) for line in lines]
    assert [o["path"] for o in objs] == [f.path for f in REPORT.files]
    assert all(o["schema_version"] == "1.0.0" for o in objs)
    assert ItemReport.from_dict(objs[1]) == REPORT.files[1]


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl"])
def test_renderers_are_pure(fmt: str) -> None:
    assert RENDERERS[fmt](REPORT) == RENDERERS[fmt](REPORT)


LONG = ("This rule matches the wording of fake CrowdStrike hotfix pages that tell the reader to download and run a "
        "'recovery tool'; the campaign of July 2024 used it with HijackLoader and RemCos. " * 3).strip()


def test_text_one_short_line_per_finding_and_the_long_description_once() -> None:
    findings = tuple(Finding("yara", "SCAM_LONG", Severity.HIGH, 90, LONG, {}, ("a.zip", f"m{i}.txt"))
                     for i in range(3))
    item = ItemReport("a.zip", "e" * 64, "zip", 5000, Verdict.MALICIOUS, 90, findings=findings)
    out = text_render.render_file(item)
    reason_lines = [line for line in out.splitlines() if line.startswith("    [high +90] yara:SCAM_LONG: ")]
    assert len(reason_lines) == 3
    assert all(len(line.split("yara:SCAM_LONG: ", 1)[1]) <= text_render.MESSAGE_WIDTH for line in reason_lines)
    assert out.count("about yara:SCAM_LONG:") == 1
    assert " ".join(out.split("about yara:SCAM_LONG:", 1)[1].split()).startswith(LONG[:300])
    verbose = text_render.render_file(item, verbose=True)
    assert "about yara:" not in verbose and verbose.count(LONG) == 3


@pytest.mark.parametrize(("size", "shown"), [(0, "0 bytes"), (1, "1 byte"), (1023, "1023 bytes"),
                                             (1536, "1.5 KiB"), (5 * 1024 * 1024, "5.0 MiB"),
                                             (3 * 1024 ** 3, "3.0 GiB")])
def test_text_sizes_are_human_readable(size: int, shown: str) -> None:
    assert text_render.human_size(size) == shown
    item = ItemReport("f", "a" * 64, "text", size, Verdict.CLEAN, 0)
    assert f"text, {shown})" in text_render.render_file(item)


def test_text_closing_line_says_what_to_do() -> None:
    out = text_render.render(REPORT)
    assert out.count("    -> ") == 4
    assert "clean.txt  (score 0, text, 5 bytes)\n    -> no findings\n" in out
    assert "-> do not open; delete or quarantine" in text_render.render_file(REPORT.files[1])
    assert "-> could not be fully checked: treat as untrusted" in text_render.render_file(REPORT.files[2])


def test_text_clean_with_a_positive_score_says_why() -> None:
    low = ItemReport("readme.txt", "a" * 64, "text", 30, Verdict.CLEAN, 20,
                     findings=(Finding("email", "reply_to_mismatch", Severity.LOW, 20, "Reply-To elsewhere", {},
                                       ("readme.txt",)),))
    out = text_render.render_file(low)
    assert "(score 20: below the suspicious threshold, text, 30 bytes)" in out
    assert "-> nothing at or above the suspicious threshold" in out
    trusted = ItemReport("setup.exe", "a" * 64, "pe", 30, Verdict.CLEAN, 0,
                         findings=(Finding("brand", "trusted_publisher", Severity.INFO, -50, "signed", {},
                                           ("setup.exe",)),))
    assert "below the suspicious threshold" not in text_render.render_file(trusted)
