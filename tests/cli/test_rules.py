"""`scamscan rules lint|test|compile` and `scan --compiled`: exit codes, output, JUnit."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner, Result

from scanner.cli import main
from scanner.ruleset.catalog import load_catalog

from ..rules_support import GOOD_META, MANIFEST, REPO, RULES, add_rule, copy_repo, first_rule_file

RULE_COUNT = sum(len(f.rules) for f in load_catalog([RULES]))


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_lint_repo_passes() -> None:
    result = run("rules", "lint")
    assert result.exit_code == 0, result.output
    result = run("rules", "lint", str(RULES), "--strict", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output)["problems"] == []


def test_lint_broken_copy_fails_naming_file_line_rule(tmp_path: Path) -> None:
    rules = copy_repo(tmp_path)
    path = first_rule_file(rules)
    path.write_text(path.read_text().replace("condition:", "condition:\n        nope and", 1))
    result = run("rules", "lint", str(rules))
    assert result.exit_code == 1
    assert f"{path}:" in result.output and "syntax" in result.output
    doc = json.loads(run("rules", "lint", str(rules), "--format", "json").output)
    assert doc["ok"] is False
    (problem,) = doc["problems"]
    assert problem["file"] == str(path) and problem["line"] > 0 and problem["rule"] and problem["code"] == "syntax"


def test_lint_rule_without_meta_fails(tmp_path: Path) -> None:
    rules = copy_repo(tmp_path)
    path = add_rule(rules, "rule SCAM_Test_NoMeta\n{\n    condition:\n        false\n}\n")
    result = run("rules", "lint", str(rules))
    assert result.exit_code == 1
    assert f"{path}:1: SCAM_Test_NoMeta: meta_missing: missing meta 'author'" in result.output


def test_usage_error_is_2(tmp_path: Path) -> None:
    assert run("rules", "lint", str(tmp_path / "missing")).exit_code == 2
    assert run("rules", "lint", "--format", "xml").exit_code == 2
    assert run("rules", "compile").exit_code == 2  # -o is required


def test_rules_test_junit_passes(tmp_path: Path) -> None:
    junit = tmp_path / "out.xml"
    result = run("rules", "test", "--junit", str(junit))
    assert result.exit_code == 0, result.output
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    rule_cases = suites["rules"].findall("testcase")
    assert len(rule_cases) >= RULE_COUNT >= 5
    assert {c.get("name") for c in rule_cases} == {r.name for f in load_catalog([RULES]) for r in f.rules}
    assert len(suites["samples"].findall("testcase")) >= 20
    assert all(float(c.get("time", "x")) >= 0 for c in root.iter("testcase"))
    assert not list(root.iter("failure")) and not list(root.iter("error"))
    assert "PASS" in result.output and "rules/yara/" in result.output


def test_rule_over_archive_member_hits_through_extraction() -> None:
    doc = json.loads(run("rules", "test", "--format", "json").output)
    by_name = {r["name"]: r for r in doc["rules"]}
    hits = by_name["SCAM_CS_Hotfix_Instructions_ES"]["hits"]
    assert "samples/lures/nested/hotfix_bundle.zip.gz" in hits  # the rule only sees the extracted .txt
    assert all(r["time_ms"] >= 0 for r in doc["rules"])


def test_benign_hit_is_a_false_positive(tmp_path: Path) -> None:
    benign = tmp_path / "benign"
    benign.mkdir()
    shutil.copy(REPO / "samples/lures/browser_update.html", benign / "innocent.html")
    shutil.copy(REPO / "samples/clean/note.txt", benign)
    junit = tmp_path / "j.xml"
    result = run("rules", "test", "--benign", str(benign), "--junit", str(junit))
    assert result.exit_code == 1
    assert "false positive" in result.output and "innocent.html" in result.output
    failures = {c.get("name"): c.find("failure") for c in ET.parse(junit).getroot().iter("testcase")}
    failure = failures["SCAM_FakeUpdate_Browser_OutOfDate"]
    assert failure is not None and "false positive" in failure.get("message", "")
    assert "innocent.html" in (failure.text or "")
    doc = json.loads(run("rules", "test", "--benign", str(benign), "--format", "json").output)
    assert doc["ok"] is False and doc["benign_files"] == 2


def test_rule_missing_its_sample_and_manifest_mismatch_fail(tmp_path: Path) -> None:
    rules = copy_repo(tmp_path)
    add_rule(rules, f"rule SCAM_Test_NeverHits\n{{{GOOD_META}    condition:\n        false\n}}\n")
    manifest = rules.parent / "samples" / "manifest.toml"
    manifest.write_text(MANIFEST.read_text() + '\n[[sample]]\npath = "samples/clean/note.txt"\n'
                        'verdict = "malicious"\nfindings = ["yara:SCAM_Test_NeverHits"]\n')
    doc = json.loads(run("rules", "test", str(rules), "--format", "json").output)
    never = next(r for r in doc["rules"] if r["name"] == "SCAM_Test_NeverHits")
    assert not never["ok"] and never["misses"] and not never["hits"]
    wrong = [s for s in doc["samples"] if s["path"] == "samples/clean/note.txt" and not s["ok"]]
    assert len(wrong) == 1
    assert wrong[0]["failures"] == ["verdict clean, expected malicious", "missing findings yara:SCAM_Test_NeverHits"]
    assert run("rules", "test", str(rules)).exit_code == 1


def test_rules_test_on_broken_rules_fails(tmp_path: Path) -> None:
    rules = copy_repo(tmp_path)
    add_rule(rules, "rule Broken { condition: nothing }\n")
    junit = tmp_path / "j.xml"
    result = run("rules", "test", str(rules), "--junit", str(junit))
    assert result.exit_code == 1 and "ERROR" in result.output
    assert ET.parse(junit).getroot().find(".//error") is not None


def test_compile_then_scan_compiled_gives_the_same_findings(tmp_path: Path) -> None:
    bundle = tmp_path / "rules.yarc"
    result = run("rules", "compile", "-o", str(bundle))
    assert result.exit_code == 0 and f"compiled {RULE_COUNT} rules" in result.output
    samples = [str(REPO / "samples" / d) for d in ("lures", "clean", "bad")]

    def findings(*extra: str) -> list[tuple[str, str, str, tuple[str, ...]]]:
        res = run("scan", "--format", "json", "--no-cache", "-j", "1", *extra, *samples)
        assert res.exit_code == 1
        doc = json.loads(res.stdout)  # stderr may carry warnings
        return sorted((f["path"], x["check"], x["id"], tuple(x["location"]))
                      for f in doc["files"] for x in f["findings"])

    normal = findings()
    assert normal and normal == findings("--compiled", str(bundle))


def test_scan_compiled_rejects_garbage(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yarc"
    bad.write_bytes(b"not yara")
    assert run("scan", "--compiled", str(bad), str(REPO / "samples/clean/note.txt")).exit_code == 2


def test_compile_broken_rules_exits_1(tmp_path: Path) -> None:
    rules = copy_repo(tmp_path)
    add_rule(rules, "rule Broken { condition: nothing }\n")
    assert run("rules", "compile", str(rules), "-o", str(tmp_path / "x.yarc")).exit_code == 1
    assert not (tmp_path / "x.yarc").exists()


def test_scan_compiled_with_yara_rules_is_an_error_that_says_why(tmp_path: Path) -> None:
    bundle = tmp_path / "rules.yarc"
    assert run("rules", "compile", "-o", str(bundle)).exit_code == 0
    extra = tmp_path / "extra"
    (extra / "yara").mkdir(parents=True)
    (extra / "yara" / "x.yar").write_text('rule X { strings: $a = "zz-marker" condition: $a }')
    result = run("scan", "--compiled", str(bundle), "--rules", str(extra), str(REPO / "samples/clean/note.txt"))
    assert result.exit_code == 2
    assert "--compiled replaces the YARA rule sources" in result.output and str(extra) in result.output
    iocs_only = tmp_path / "iocs-only"
    (iocs_only / "iocs").mkdir(parents=True)
    (iocs_only / "iocs" / "domains.csv").write_text("domain,campaign,reference\nbad.example,x,y\n")
    ok = run("scan", "--compiled", str(bundle), "--rules", str(iocs_only), str(REPO / "samples/clean/note.txt"))
    assert ok.exit_code == 0, ok.output
