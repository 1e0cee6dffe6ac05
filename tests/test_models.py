from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MARKER, make_zip, nested_zips, set_encrypted_flag

from scanner.api import Scanner
from scanner.filetypes import FileType
from scanner.models import (
    SCHEMA_VERSION,
    Finding,
    Incomplete,
    Item,
    ItemReport,
    ItemSummary,
    ScanReport,
    Severity,
    Verdict,
)
from scanner.render import json as json_render


def test_verdict_order() -> None:
    assert Verdict.CLEAN < Verdict.INCOMPLETE < Verdict.SUSPICIOUS < Verdict.MALICIOUS
    assert Verdict.MALICIOUS > Verdict.SUSPICIOUS > Verdict.INCOMPLETE > Verdict.CLEAN
    assert Verdict.SUSPICIOUS <= Verdict.SUSPICIOUS and Verdict.SUSPICIOUS >= Verdict.SUSPICIOUS
    assert not Verdict.MALICIOUS < Verdict.CLEAN
    shuffled = [Verdict.SUSPICIOUS, Verdict.CLEAN, Verdict.MALICIOUS, Verdict.INCOMPLETE]
    assert sorted(shuffled) == [Verdict.CLEAN, Verdict.INCOMPLETE, Verdict.SUSPICIOUS, Verdict.MALICIOUS]
    assert max(shuffled) is Verdict.MALICIOUS
    assert max([Verdict.CLEAN, Verdict.INCOMPLETE]) is Verdict.INCOMPLETE


def test_verdict_does_not_compare_with_strings() -> None:
    with pytest.raises(TypeError):
        _ = Verdict.CLEAN < "suspicious"


def test_verdict_values_are_the_json_names() -> None:
    assert [v.value for v in Verdict] == ["clean", "incomplete", "suspicious", "malicious"]


@pytest.mark.parametrize(("text", "expected"), [
    ("high", Severity.HIGH), (" Critical ", Severity.CRITICAL), ("LOW", Severity.LOW), ("info", Severity.INFO),
])
def test_severity_parse(text: str, expected: Severity) -> None:
    assert Severity.parse(text) is expected


def test_severity_parse_unknown() -> None:
    with pytest.raises(ValueError):
        Severity.parse("apocalyptic")
    assert Severity.parse("apocalyptic", Severity.MEDIUM) is Severity.MEDIUM
    assert Severity.INFO.rank < Severity.LOW.rank < Severity.MEDIUM.rank < Severity.HIGH.rank < Severity.CRITICAL.rank


def test_finding_dict_round_trip_keeps_evidence() -> None:
    f = Finding("yara", "R1", Severity.HIGH, 80, "msg",
                {"rule": "R1", "meta": {"score": 80, "flag": True}, "strings": [{"id": "$a", "offset": 3}]},
                ("a.zip", "b.txt"))
    d = f.to_dict()
    assert d["location"] == ["a.zip", "b.txt"] and d["severity"] == "high"
    back = Finding.from_dict(json.loads(json.dumps(d)))
    assert back == f
    assert back.evidence == f.evidence
    assert back.location == ("a.zip", "b.txt")


def test_incomplete_and_summary_round_trip() -> None:
    inc = Incomplete("max_depth", "too deep", ("a.zip", "b.zip"), "archive")
    assert Incomplete.from_dict(json.loads(json.dumps(inc.to_dict()))) == inc
    s = ItemSummary(("a.zip",), "ab" * 32, "zip", 10, 0, Verdict.INCOMPLETE)
    assert ItemSummary.from_dict(json.loads(json.dumps(s.to_dict()))) == s


def test_empty_scan_report_is_clean() -> None:
    report = ScanReport(files=(), tool_version="t", rules_version="r")
    assert report.verdict is Verdict.CLEAN
    assert report.counts() == {"clean": 0, "incomplete": 0, "suspicious": 0, "malicious": 0}
    assert report.to_dict()["schema_version"] == SCHEMA_VERSION


def _file(path: str, verdict: Verdict) -> ItemReport:
    return ItemReport(path=path, sha256="0" * 64, type="text", size=1, verdict=verdict, score=0)


def test_scan_report_verdict_is_worst_file() -> None:
    report = ScanReport(files=(_file("a", Verdict.CLEAN), _file("b", Verdict.INCOMPLETE),
                               _file("c", Verdict.SUSPICIOUS)), tool_version="t", rules_version="r")
    assert report.verdict is Verdict.SUSPICIOUS
    assert report.counts() == {"clean": 1, "incomplete": 1, "suspicious": 1, "malicious": 0}
    d = report.to_dict()
    assert d["verdict"] == "suspicious" and d["summary"]["incomplete"] == 1


@pytest.mark.parametrize(("name", "ext"), [
    ("Setup.EXE", ".exe"), ("update.pdf.exe", ".exe"), ("archive.tar.gz", ".gz"), ("README", ""),
    (".bashrc", ""), ("dir/sub/file.Txt", ".txt"), ("dir\\win\\file.js", ".js"), ("trailingdot.", ""),
])
def test_item_extension(name: str, ext: str) -> None:
    item = Item(data=b"x", name=name, lineage=(name,), filetype=FileType.TEXT, sha256="")
    assert item.extension == ext


def test_item_depth_and_finding_location() -> None:
    item = Item(data=b"abc", name="c.txt", lineage=("a.zip", "b.zip", "c.txt"), filetype=FileType.TEXT, sha256="")
    assert item.depth == 2 and item.size == 3
    f = item.finding("yara", "X", Severity.LOW, 5, "m")
    assert f.location == ("a.zip", "b.zip", "c.txt")
    assert item.incomplete("corrupt", "m").location == ("a.zip", "b.zip", "c.txt")


# --- the real thing: JSON written by the renderer reads back into the same report -----------

@pytest.fixture
def real_report(tmp_path: Path, rules_dir: Path, make_scanner: Callable[..., Scanner]) -> ScanReport:
    """A real scan of real files: nested findings with evidence, an encrypted member, a clean file."""
    files = tmp_path / "files"
    files.mkdir()
    (files / "outer.zip").write_bytes(nested_zips(["inner.zip"], "x.txt", b"hello " + MARKER + b" world\n"))
    (files / "locked.zip").write_bytes(set_encrypted_flag(make_zip({"secret.txt": b"nothing"})))
    (files / "clean.txt").write_text("just a note\n")
    scanner = make_scanner(rules_dir)
    results = tuple(scanner.scan_paths([str(files)], jobs=1))
    return ScanReport(files=results, tool_version="0", rules_version=scanner.rules_version,
                      started="2024-07-19T04:09:00+00:00", finished="2024-07-19T04:09:01+00:00")


def test_real_report_has_what_the_round_trip_must_preserve(real_report: ScanReport) -> None:
    by_name = {Path(f.path).name: f for f in real_report.files}
    assert by_name["outer.zip"].findings and by_name["outer.zip"].findings[0].evidence["strings"]
    assert by_name["locked.zip"].incomplete


def test_json_round_trip_preserves_every_field(real_report: ScanReport) -> None:
    back = ScanReport.from_dict(json.loads(json_render.render(real_report)))
    assert back.to_dict() == real_report.to_dict()
    # Evidence is excluded from Finding equality, so compare it explicitly too.
    assert [[f.evidence for f in r.findings] for r in back.files] == \
        [[f.evidence for f in r.findings] for r in real_report.files]


def test_json_round_trip_equals_report(real_report: ScanReport) -> None:
    assert ScanReport.from_dict(json.loads(json_render.render(real_report))) == real_report
