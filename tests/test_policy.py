"""Allow-lists and overrides (scanner/policy.py): allow_sha256, allow_domains, allow_signers,
disable_rules, score_overrides, each also from a file of one entry a line."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import REPO_ROOT, SAMPLES

from scanner.api import Scanner
from scanner.config import ConfigError, Settings
from scanner.models import ItemReport, Verdict

TEST_CA = SAMPLES / "pe_src" / "keys" / "ca.pem"
LURE_TEXT = b"Your Falcon sensor must be repaired: https://crowdstrike0day.com/fix and https://crowdstrike-fix.top/\n"


def ids(report: ItemReport) -> set[str]:
    return {f"{f.check}:{f.id}" for f in report.findings}


def scan(tmp_path: Path, data: bytes, **settings: object) -> ItemReport:
    target = tmp_path / "note.txt"
    target.write_bytes(data)
    s = Settings(cache_dir=str(tmp_path / "cache"), result_cache=False, jobs=1).replace(**settings)
    return Scanner(s).scan_file(str(target))


def test_without_lists_the_text_is_flagged(tmp_path: Path) -> None:
    report = scan(tmp_path, LURE_TEXT)
    assert {"ioc:known_bad_domain", "lookalike:brand_lure"} <= ids(report), ids(report)
    assert report.verdict is Verdict.MALICIOUS


def test_allow_sha256_makes_the_file_clean_with_an_info_finding(tmp_path: Path) -> None:
    lure = SAMPLES / "lures" / "crowdstrike-hotfix.zip"
    base = Scanner(Settings(result_cache=False, jobs=1)).scan_file(str(lure))
    assert base.verdict is Verdict.MALICIOUS
    listed = tmp_path / "allow.txt"
    listed.write_text(f"# our own build\n{base.sha256.upper()}  crowdstrike-hotfix.zip\n")
    report = Scanner(Settings(result_cache=False, jobs=1).replace(allow_sha256=str(listed))).scan_file(str(lure))
    assert report.verdict is Verdict.CLEAN and report.score == 0
    assert [f"{f.check}:{f.id}" for f in report.findings] == ["policy:allowed"]
    assert report.findings[0].severity.value == "info" and len(report.items) == 1


def test_allow_domains_silences_lookalike_and_known_bad(tmp_path: Path) -> None:
    report = scan(tmp_path, LURE_TEXT, allow_domains=["crowdstrike0day.com", "*.crowdstrike-fix.top"])
    assert not {"ioc:known_bad_domain", "lookalike:brand_lure", "lookalike:brand_token"} & ids(report), ids(report)


def test_disable_rules_by_id_or_check_id(tmp_path: Path) -> None:
    report = scan(tmp_path, LURE_TEXT, disable_rules=["known_bad_domain", "lookalike:brand_lure"])
    assert "ioc:known_bad_domain" not in ids(report) and "lookalike:brand_lure" not in ids(report)


def test_score_overrides_change_the_score_and_say_so(tmp_path: Path) -> None:
    overrides = tmp_path / "scores.txt"
    overrides.write_text("ioc:known_bad_domain = 5\nbrand_lure = 0\nlookalike:brand_token = 0\n")
    report = scan(tmp_path, LURE_TEXT, score_overrides=str(overrides))
    hit = next(f for f in report.findings if f.id == "known_bad_domain")
    assert hit.score == 5 and hit.severity.value == "low"
    assert hit.evidence["score_override"] == {"from": 80, "setting": "ioc:known_bad_domain"}
    assert report.verdict is Verdict.CLEAN


def test_allow_signers_weighs_like_the_brands_own_publisher(tmp_path: Path) -> None:
    exe = SAMPLES / "lures" / "pe" / "falcon_sensor_other_publisher.exe"
    s = Settings(result_cache=False, jobs=1, trusted_roots=(str(TEST_CA),))
    assert Scanner(s).scan_file(str(exe)).verdict is Verdict.MALICIOUS
    report = Scanner(s.replace(allow_signers=["Northwind Traders Ltd"])).scan_file(str(exe))
    assert "brand:publisher_mismatch" not in ids(report)
    signer = next(f for f in report.findings if f.id == "allowed_signer")
    assert signer.score == -50 and report.verdict is Verdict.CLEAN


def test_an_untrusted_signature_is_never_allowed(tmp_path: Path) -> None:
    exe = SAMPLES / "lures" / "pe" / "falcon_sensor_other_publisher.exe"
    report = Scanner(Settings(result_cache=False, jobs=1, allow_signers=("Northwind Traders Ltd",))).scan_file(str(exe))
    assert "policy:allowed_signer" not in ids(report) and report.verdict is Verdict.MALICIOUS


@pytest.mark.parametrize(("name", "value", "needle"), [
    ("allow_sha256", ["abc"], "not a sha256"),
    ("allow_domains", [3], "expected a string"),
    ("allow_domains", "/nonexistent/list.txt", "cannot read list file"),
    ("score_overrides", {"x": "high"}, "score_overrides"),
    ("score_overrides", {"x": 500}, "-100..100"),
])
def test_bad_lists_are_errors(name: str, value: object, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        Settings().replace(**{name: value})


def test_lists_from_a_settings_file_and_the_environment(tmp_path: Path) -> None:
    from scanner.config import load_settings

    cfg = tmp_path / "c.toml"
    cfg.write_text('disable_rules = ["yara:SCAM_X"]\n[score_overrides]\n"ioc:known_bad_domain" = 10\n')
    s = load_settings(cfg, environ={"SCAMSCAN_ALLOW_SIGNERS": "CN=A, O=B;Northwind Traders Ltd"})
    assert s.disable_rules == ("yara:SCAM_X",)
    assert s.score_overrides == (("ioc:known_bad_domain", 10),)
    assert s.allow_signers == ("CN=A, O=B", "Northwind Traders Ltd")
    assert s.fingerprint() != load_settings(None, environ={}).fingerprint()
    assert REPO_ROOT  # the lists key the result cache through the fingerprint
