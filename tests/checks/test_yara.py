from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import (
    EXTERNALS_RULES,
    MARKER,
    PROBE,
    SAMPLES,
    SIGNATURE_BASE,
    SIGNATURE_BASE_HOWTO,
    TEST_RULES,
    finding_keys,
    make_zip,
    minimal_pe,
    nested_zips,
    write_rules_dir,
)

from scanner.api import Scanner
from scanner.cli import main
from scanner.config import Settings
from scanner.models import Finding, ItemReport, Severity, Verdict
from scanner.rules import load_rules

ScannerFactory = Callable[..., Scanner]
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def only(report: ItemReport, rule: str) -> Finding:
    hits = [f for f in report.findings if f.check == "yara" and f.id == rule]
    assert len(hits) == 1, [f.id for f in report.findings]
    return hits[0]


def test_custom_rule_evidence(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    p = tmp_path / "lure.txt"
    p.write_bytes(b"0123456789" + MARKER + b"\n")
    r = make_scanner(rules_dir).scan_file(str(p))
    f = only(r, "TEST_Marker")
    assert (f.severity, f.score, f.message) == (Severity.HIGH, 80, "test marker string")
    assert f.location == ("lure.txt",)
    ev = f.evidence
    assert ev["rule"] == "TEST_Marker"
    assert ev["meta"] == {"description": "test marker string", "author": "tests", "severity": "high",
                          "score": 80, "reference": "tests/helpers.py"}
    assert ev["strings"] == [{"id": "$m", "offset": 10, "data": MARKER.decode()}]
    assert "test" in ev["namespace"]
    assert r.verdict is Verdict.MALICIOUS and r.score == 80


@pytest.mark.parametrize(("cap", "expected"), [(3, 3), (10, 10), (100, 40)])
def test_evidence_strings_are_capped(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory,
                                     cap: int, expected: int) -> None:
    p = tmp_path / "many.txt"
    p.write_bytes(b"REPEATME " * 40)
    f = only(make_scanner(rules_dir, evidence_strings=cap, evidence_all_matches=True).scan_file(str(p)), "TEST_Many")
    assert len(f.evidence["strings"]) == expected
    assert [s["offset"] for s in f.evidence["strings"]] == [9 * i for i in range(expected)]


def test_evidence_is_each_strings_first_match_by_default(tmp_path: Path, make_scanner: ScannerFactory) -> None:
    rules = write_rules_dir(tmp_path / "r", {"t.yar": 'rule TWO { strings: $a = "REPEATME" $b = "OTHER" '
                                                      'condition: $a and $b }'})
    p = tmp_path / "many.txt"
    p.write_bytes(b"REPEATME " * 40 + b"OTHER OTHER")
    f = only(make_scanner(rules).scan_file(str(p)), "TWO")
    assert [(s["id"], s["offset"]) for s in f.evidence["strings"]] == [("$a", 0), ("$b", 360)]


@pytest.mark.parametrize("condition", ["#a >= 3", "@a[3] == 6", "!a[2] == 2", "$a at 6", "$a in (5..7)",
                                       "for any i in (1..#a) : (@a[i] == 6)", "for all of ($a) : ($ in (0..2))"])
def test_conditions_on_counts_and_offsets_see_every_match(tmp_path: Path, make_scanner: ScannerFactory,
                                                          condition: str) -> None:
    # libyara's fast mode stops at a string's first match only where no condition needs the others;
    # were that to change, each of these rules would miss the file (the first "zz" is at 0).
    (tmp_path / "r" / "yara" / "text").mkdir(parents=True)
    source = f'rule COUNTS {{ strings: $a = "zz" condition: {condition} }}'
    rules = write_rules_dir(tmp_path / "r", {"text/t.yar": source})
    p = tmp_path / "page.txt"
    p.write_bytes(b"zz zz zz zz")
    assert "yara:COUNTS" in finding_keys(make_scanner(rules).scan_file(str(p)))


def test_fast_matching_changes_no_verdict_on_the_samples(tmp_path: Path, make_scanner: ScannerFactory) -> None:
    def outcome(all_matches: bool) -> dict[str, tuple[str, list[str]]]:
        scanner = make_scanner(None, bundled=True, evidence_all_matches=all_matches, result_cache=False)
        return {r.path: (r.verdict.value, sorted(finding_keys(r)))
                for r in scanner.scan_paths([str(SAMPLES / "lures"), str(SAMPLES / "clean")], jobs=1)}

    fast = outcome(False)
    assert len(fast) > 50 and fast == outcome(True)


def test_binary_string_evidence_is_printable(tmp_path: Path, make_scanner: ScannerFactory) -> None:
    rules = write_rules_dir(tmp_path / "r", {"b.yar": "rule BIN { strings: $b = { 00 FF 41 0A } condition: $b }"})
    p = tmp_path / "b.bin"
    p.write_bytes(b"\x01\x02\x00\xffA\n")
    f = only(make_scanner(rules).scan_file(str(p)), "BIN")
    s = f.evidence["strings"][0]
    assert s["offset"] == 2
    assert s["data"].isascii() and s["data"].isprintable()
    json.dumps(f.evidence)  # JSON-serialisable


def test_score_and_severity_from_meta(tmp_path: Path, make_scanner: ScannerFactory) -> None:
    rules = write_rules_dir(tmp_path / "r", {"s.yar": """
rule NOSCORE { strings: $a = "alpha-token" condition: $a }
rule LOWCRIT { meta: score = 10 severity = "critical" strings: $a = "alpha-token" condition: $a }
rule BADSCORE { meta: score = "lots" strings: $a = "alpha-token" condition: $a }
"""})
    p = tmp_path / "a.txt"
    p.write_text("alpha-token\n")
    r = make_scanner(rules).scan_file(str(p))
    assert (only(r, "NOSCORE").score, only(r, "NOSCORE").severity) == (75, Severity.HIGH)
    assert (only(r, "LOWCRIT").score, only(r, "LOWCRIT").severity) == (10, Severity.CRITICAL)
    assert only(r, "BADSCORE").score == 75
    assert r.score == 100  # 75 + 10 + 75 clamped


def test_duplicate_rule_names_in_two_files(tmp_path: Path, make_scanner: ScannerFactory) -> None:
    rule = 'rule SAME_NAME { strings: $a = "dup-token" condition: $a }'
    # Not byte-identical: an identical copy is loaded once (tests/test_rules.py).
    rules = write_rules_dir(tmp_path / "r", {"one.yar": rule, "two.yara": "// another set\n" + rule})
    p = tmp_path / "a.txt"
    p.write_text("dup-token")
    r = make_scanner(rules).scan_file(str(p))
    hits = [f for f in r.findings if f.id == "SAME_NAME"]
    assert len(hits) == 2
    assert len({f.evidence["namespace"] for f in hits}) == 2


# --- external variables ---------------------------------------------------------------------

@pytest.fixture
def externals_rules(tmp_path: Path) -> Path:
    return write_rules_dir(tmp_path / "ext-rules", {"ext.yar": EXTERNALS_RULES})


def ext_hits(report: ItemReport) -> dict[str, list[tuple[str, ...]]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    for f in report.findings:
        if f.id.startswith("EXT_"):
            out.setdefault(f.id, []).append(f.location)
    return out


def test_externals_of_a_top_level_file(tmp_path: Path, externals_rules: Path, make_scanner: ScannerFactory) -> None:
    s = make_scanner(externals_rules)
    p = tmp_path / "probe-name.bin"
    p.write_bytes(b"text " + PROBE)
    assert ext_hits(s.scan_file(str(p))) == {"EXT_filename": [("probe-name.bin",)],
                                            "EXT_not_in_archive": [("probe-name.bin",)]}
    q = tmp_path / "Probe.XYZEXT"
    q.write_bytes(b"text " + PROBE)
    assert ext_hits(s.scan_file(str(q))) == {"EXT_extension": [("Probe.XYZEXT",)],
                                            "EXT_not_in_archive": [("Probe.XYZEXT",)]}


def test_filetype_exe_for_pe(tmp_path: Path, externals_rules: Path, make_scanner: ScannerFactory) -> None:
    p = tmp_path / "invoice.pdf"
    p.write_bytes(minimal_pe(PROBE))
    hits = ext_hits(make_scanner(externals_rules).scan_file(str(p)))
    assert hits.get("EXT_filetype_EXE") == [("invoice.pdf",)]
    t = tmp_path / "plain.exe"
    t.write_bytes(b"MZ not really " + PROBE)
    assert "EXT_filetype_EXE" not in ext_hits(make_scanner(externals_rules).scan_file(str(t)))


def test_filetype_zip_depth_and_in_archive(tmp_path: Path, externals_rules: Path,
                                           make_scanner: ScannerFactory) -> None:
    p = tmp_path / "probe-container.zip"
    p.write_bytes(nested_zips(["level1.zip"], "probe.txt", b"a " + PROBE))
    hits = ext_hits(make_scanner(externals_rules).scan_file(str(p)))
    assert hits == {
        "EXT_filetype_ZIP": [("probe-container.zip",)],
        "EXT_depth_2": [("probe-container.zip", "level1.zip", "probe.txt")],
        "EXT_in_archive": [("probe-container.zip", "level1.zip", "probe.txt")],
    }


def test_filename_external_of_a_member_is_its_base_name(tmp_path: Path, externals_rules: Path,
                                                        make_scanner: ScannerFactory) -> None:
    p = tmp_path / "c.zip"
    p.write_bytes(make_zip({"sub/dir/probe-name.bin": b"a " + PROBE}))
    hits = ext_hits(make_scanner(externals_rules).scan_file(str(p)))
    assert hits["EXT_filename"] == [("c.zip", "sub/dir/probe-name.bin")]
    assert hits["EXT_in_archive"] == [("c.zip", "sub/dir/probe-name.bin")]


# --- rule loading and the compiled-rule cache -------------------------------------------------

def test_syntax_error_cli_exit_2_names_the_file(tmp_path: Path) -> None:
    rules = write_rules_dir(tmp_path / "r", {"broken_rule.yar": "rule X { strings: $a = \"a\" condition: $a and }"})
    target = tmp_path / "a.txt"
    target.write_text("a")
    result = CliRunner().invoke(main, ["scan", "--rules", str(rules), str(target)])
    assert result.exit_code == 2
    assert "broken_rule.yar" in result.stderr
    assert "Traceback" not in result.output


def test_compiled_rules_cache(tmp_path: Path) -> None:
    rules = write_rules_dir(tmp_path / "r")
    cache = tmp_path / "cache"
    first = load_rules([rules / "yara"], cache)
    second = load_rules([rules / "yara"], cache)
    assert (first.from_cache, second.from_cache) == (False, True)
    assert first.key == second.key
    assert list((cache / "rules").glob("*.yarc"))
    assert second.rules.match(data=MARKER, externals={"filename": "x"})  # the cached rules work


def test_engine_uses_the_rule_cache(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    assert make_scanner(rules_dir).engine.rules.from_cache is False
    cached = make_scanner(rules_dir)
    assert cached.engine.rules.from_cache is True
    p = tmp_path / "a.txt"
    p.write_bytes(MARKER)
    assert "yara:TEST_Marker" in finding_keys(cached.scan_file(str(p)))


def test_bundled_rules_load() -> None:
    s = Scanner(Settings(result_cache=False))
    assert s.engine.rules.files
    assert all(str(f).endswith((".yar", ".yara")) for f in s.engine.rules.files)


# --- a large third-party rule set, loaded unmodified ------------------------------------------

@pytest.fixture(scope="module")
def signature_base_scanner() -> Scanner:
    if not SIGNATURE_BASE.is_dir():
        pytest.skip(f"third-party rule set not present at {SIGNATURE_BASE}: {SIGNATURE_BASE_HOWTO}")
    # Default cache_dir: the suite's XDG_CACHE_HOME, so the CLI test below reuses the compiled rules.
    return Scanner(Settings().replace(rules_dirs=(str(SIGNATURE_BASE),), result_cache=False))


@pytest.mark.slow
def test_signature_base_loads_and_matches(tmp_path: Path, signature_base_scanner: Scanner) -> None:
    assert len(signature_base_scanner.engine.rules.files) > 100
    eicar = tmp_path / "eicar.com"
    eicar.write_bytes(EICAR)
    r = signature_base_scanner.scan_file(str(eicar))
    assert "yara:SUSP_Just_EICAR" in finding_keys(r)
    assert not r.incomplete
    lure = signature_base_scanner.scan_file(str(SAMPLES / "lures" / "crowdstrike-hotfix.zip"))
    assert lure.verdict is Verdict.MALICIOUS
    assert not lure.incomplete  # externals (filename, filepath, extension, filetype, owner) all defined


@pytest.mark.slow
def test_signature_base_via_cli(tmp_path: Path, signature_base_scanner: Scanner) -> None:
    eicar = tmp_path / "eicar.com"
    eicar.write_bytes(EICAR)
    result = CliRunner().invoke(main, ["scan", "--rules", str(SIGNATURE_BASE), "--format", "json", "--no-cache",
                                       str(eicar)])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert "SUSP_Just_EICAR" in {f["id"] for f in doc["files"][0]["findings"]}


def test_rules_from_settings_file_are_added(tmp_path: Path) -> None:
    rules = write_rules_dir(tmp_path / "r", {"t.yar": TEST_RULES})
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"rules_dirs = [{json.dumps(str(rules))}]\nresult_cache = false\n")
    target = tmp_path / "a.txt"
    target.write_bytes(MARKER)
    result = CliRunner().invoke(main, ["--config", str(cfg), "scan", "--format", "json", str(target)])
    assert result.exit_code == 1
    assert "TEST_Marker" in {f["id"] for f in json.loads(result.stdout)["files"][0]["findings"]}


def test_filename_external_with_windows_separators(tmp_path: Path, externals_rules: Path,
                                                   make_scanner: ScannerFactory) -> None:
    p = tmp_path / "c.zip"
    p.write_bytes(make_zip({"sub\\probe-name.bin": b"a " + PROBE}))
    hits = ext_hits(make_scanner(externals_rules).scan_file(str(p)))
    assert hits.get("EXT_filename") == [("c.zip", "sub\\probe-name.bin")]
