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
