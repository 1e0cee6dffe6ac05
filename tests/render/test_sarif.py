"""`--format sarif`: SARIF 2.1.0 that code scanning accepts, a pure function of the report."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.api import Scanner
from scanner.cli import main
from scanner.config import Settings
from scanner.models import Finding, Incomplete, ItemReport, ScanReport, Severity, Verdict
from scanner.render import RENDERERS
from scanner.render.sarif import artifact_uri, evidence_summary, to_sarif

from ..rules_support import REPO


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """XDG_CACHE_HOME is isolated by conftest.py; scan from the repo root as a CI job would."""
    monkeypatch.chdir(REPO)  # relative sample paths, as a CI job would scan them


@pytest.fixture(scope="module")
def samples_report(tmp_path_factory: pytest.TempPathFactory) -> ScanReport:
    cache = tmp_path_factory.mktemp("cache")
    scanner = Scanner(Settings(cache_dir=str(cache), result_cache=False))
    paths = [os.path.relpath(REPO / "samples" / d) for d in ("lures", "clean", "bad")]
    files = tuple(scanner.scan_paths(paths, jobs=1))
    return ScanReport(files, "0.1.0", scanner.rules_version, "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:01+00:00")


def test_registered() -> None:
    assert "sarif" in RENDERERS


def test_samples_scan(samples_report: ScanReport) -> None:
    doc = json.loads(RENDERERS["sarif"](samples_report))
    assert doc["version"] == "2.1.0"
    assert doc["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    (run,) = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    assert "yara/SCAM_CS_Hotfix_Instructions_ES" in ids and "ioc/known_bad_domain" in ids
    yara_rule = rules[ids.index("yara/SCAM_CS_Hotfix_Instructions_ES")]
    assert yara_rule["helpUri"].startswith("https://")
    assert yara_rule["shortDescription"]["text"].startswith("Spanish instructions")
    assert yara_rule["properties"]["severity"] == "high" and yara_rule["properties"]["score"] == 75
    assert len(run["results"]) == sum(len(f.findings) for f in samples_report.files)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note") and result["message"]["text"]
        physical = result["locations"][0]["physicalLocation"]
        assert not physical["artifactLocation"]["uri"].startswith(("/", "file:"))
        assert physical["region"]["startLine"] == 1
        assert "score" in result["properties"]
    nested = [r for r in run["results"] if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
              .endswith("samples/lures/nested/hotfix_bundle.zip.gz")]
    names = {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in nested}
    assert any(n.startswith("hotfix_bundle.zip.gz > ") and n.endswith("instrucciones.txt") for n in names), names
    medium = next(r for r in run["results"] if r["ruleId"] == "yara/SCAM_FakeUpdate_PS_Cradle_EncodedCommand")
    assert medium["level"] == "warning"
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is True
    reasons = {n["descriptor"]["id"] for n in invocation["toolExecutionNotifications"]}
    assert {"encrypted", "corrupt"} <= reasons
    assert invocation["startTimeUtc"] == "2026-01-01T00:00:00Z"


def _report(path: str, findings: tuple[Finding, ...] = (), incomplete: tuple[Incomplete, ...] = ()) -> ScanReport:
    item = ItemReport(path, "ab" * 32, "zip", 10, Verdict.MALICIOUS if findings else Verdict.INCOMPLETE, 80,
                      findings, incomplete)
    return ScanReport((item,), "0.1.0", "abc")


def test_levels_uris_and_purity() -> None:
    findings = tuple(Finding("x", f"id_{s.value}", s, 10, f"m {s.value}", {}, ("a b.zip", "ü/c.txt"))
                     for s in Severity)
    report = _report("dir with space/a b.zip", findings, (Incomplete("encrypted", "pw", ("a b.zip", "x")),))
    doc = to_sarif(report)
    assert doc == to_sarif(report)
    run = doc["runs"][0]
    assert {r["ruleId"]: r["level"] for r in run["results"]} == {
        "x/id_info": "note", "x/id_low": "note", "x/id_medium": "warning", "x/id_high": "error",
        "x/id_critical": "error"}
    loc = run["results"][0]["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == "dir%20with%20space/a%20b.zip"
    assert loc["logicalLocations"][0]["fullyQualifiedName"] == "a b.zip > ü/c.txt"
    assert "(in a b.zip > ü/c.txt)" in run["results"][0]["message"]["text"]
    assert "helpUri" not in run["tool"]["driver"]["rules"][0]
    assert run["artifacts"][0]["hashes"]["sha-256"] == "ab" * 32
    json.dumps(doc)


def test_empty_report() -> None:
    run = to_sarif(ScanReport((), "0.1.0", "abc"))["runs"][0]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []
    assert run["invocations"][0]["toolExecutionNotifications"] == []


@pytest.mark.parametrize(("path", "uri"), [
    ("samples/x.zip", "samples/x.zip"),
    ("./samples/x.zip", "samples/x.zip"),
    ("a\\b c.txt", "a/b%20c.txt"),
    ("/tmp/a#b?.txt", "file:///tmp/a%23b%3F.txt"),
    ("C:\\Users\\x y.exe", "file:///C:/Users/x%20y.exe"),
    ("caf\u00e9.txt", "caf%C3%A9.txt"),
    ("bad\udcff.txt", "bad%FF.txt"),
    ("<stdin>", "%3Cstdin%3E"),
    ("a:b.txt", "a%3Ab.txt"),
])
def test_artifact_uri(path: str, uri: str) -> None:
    assert artifact_uri(path) == uri


def test_evidence_summary() -> None:
    summary = evidence_summary({"rule": "R", "meta": {"a": 1}, "count": 2, "x": "y" * 500,
                                "strings": [{"id": "$a", "offset": 3, "data": "zz"}]})
    assert summary == {"rule": "R", "count": 2, "x": "y" * 200, "strings": ["$a@3"]}


def test_cli_scan_sarif(tmp_path: Path) -> None:
    out = tmp_path / "scamscan.sarif"
    result = CliRunner().invoke(main, ["scan", "--format", "sarif", "-o", str(out), "-j", "1",
                                       "samples/lures/crowdstrike-hotfix.zip", "samples/clean/note.txt"])
    assert result.exit_code == 1, result.output
    run = json.loads(out.read_text())["runs"][0]
    assert {r["ruleId"] for r in run["results"]} == {"yara/SCAM_CS_Hotfix_Zip_Names",
                                                      "yara/SCAM_CS_Hotfix_Instructions_ES"}
    assert [a["location"]["uri"] for a in run["artifacts"]] == ["samples/lures/crowdstrike-hotfix.zip"]
