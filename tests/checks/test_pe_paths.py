"""Forged and broken Authenticode certificate paths (issue 12), with the samples' test CA trusted.

Each attack sample is a "CrowdStrike, Inc."-signed Falcon hotfix whose path Windows rejects; with
the test CA trusted as an enterprise root, each must still be flagged (never clean, never
`brand:trusted_publisher`) and score at least what the same hotfix scores unsigned.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import REPO_ROOT

from scanner.api import Scanner
from scanner.config import Settings
from scanner.models import ItemReport, Verdict

PE = REPO_ROOT / "samples/lures/pe"
TEST_CA = REPO_ROOT / "samples/pe_src/keys/ca.pem"
UNSIGNED = PE / "CrowdStrike_Falcon_Hotfix.exe"
ATTACKS = {
    "falcon_hotfix_issued_by_leaf.exe": {"not_a_ca", "wrong_key_usage"},
    "falcon_hotfix_no_keycertsign.exe": {"wrong_key_usage"},
    "falcon_hotfix_pathlen_exceeded.exe": {"path_too_long"},
    "falcon_hotfix_tls_certificate.exe": {"no_code_signing_eku"},
    "falcon_hotfix_expired_no_timestamp.exe": {"expired"},
    "falcon_hotfix_expired_rogue_tsa.exe": {"expired", "untrusted_timestamp"},
}


def ids(report: ItemReport, check: str) -> set[str]:
    return {f.id for f in report.findings if f.check == check}


@pytest.fixture(scope="module")
def enterprise(tmp_path_factory: pytest.TempPathFactory) -> Scanner:
    return Scanner(Settings(cache_dir=str(tmp_path_factory.mktemp("c")), result_cache=False, jobs=1,
                            trusted_roots=(str(TEST_CA),)))


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_forged_or_broken_path_is_flagged_even_with_its_root_trusted(enterprise: Scanner, name: str) -> None:
    report = enterprise.scan_file(str(PE / name))
    assert report.verdict != Verdict.CLEAN, report.findings
    signature = ids(report, "signature")
    assert ATTACKS[name] <= signature, report.findings
    assert "trusted" not in signature and "untrusted_root" not in signature  # the root is trusted, the path is not
    assert "trusted_publisher" not in ids(report, "brand")
    assert report.score >= enterprise.scan_file(str(UNSIGNED)).score  # never better than unsigned


def test_each_failure_is_its_own_finding_with_a_clear_message(enterprise: Scanner) -> None:
    report = enterprise.scan_file(str(PE / "falcon_hotfix_issued_by_leaf.exe"))
    found = {f.id: f for f in report.findings if f.check == "signature"}
    assert "Northwind Traders Ltd" in found["not_a_ca"].message and "not a CA" in found["not_a_ca"].message
    assert "keyCertSign" in found["wrong_key_usage"].message
    brand = next(f for f in report.findings if f.id == "untrusted_brand_signer")
    assert "not_a_ca" in brand.message
    tls = enterprise.scan_file(str(PE / "falcon_hotfix_tls_certificate.exe"))
    assert "serverAuth" in next(f.message for f in tls.findings if f.id == "no_code_signing_eku")


@pytest.mark.parametrize("name", ["falcon_sensor_expired_trusted_tsa.exe", "falcon_sensor_intermediate_ca.exe"])
def test_controls_are_trusted(enterprise: Scanner, name: str) -> None:
    report = enterprise.scan_file(str(PE / name))
    assert report.verdict == Verdict.CLEAN and {"trusted"} == ids(report, "signature"), report.findings
    assert "trusted_publisher" in ids(report, "brand")


def test_expired_leaf_is_judged_at_the_trusted_timestamp(enterprise: Scanner) -> None:
    report = enterprise.scan_file(str(PE / "falcon_sensor_expired_trusted_tsa.exe"))
    sig = next(f for f in report.findings if f.id == "trusted")
    assert sig.evidence["signing_time"].startswith("2024-07-19T05:09")
    assert "Scamscan Test Timestamping" in sig.evidence["timestamp"]


def test_an_edited_timestamp_time_is_not_believed(enterprise: Scanner, tmp_path: Path) -> None:
    """The RFC 3161 genTime moved by one second: the TSA's signed digest no longer matches, so the
    expired leaf is judged now.  (The certificate table is outside the Authenticode digest.)"""
    data = (PE / "falcon_sensor_expired_trusted_tsa.exe").read_bytes()
    assert data.count(b"20240719050900Z") == 1
    edited = tmp_path / "falcon_sensor_edited_timestamp.exe"
    edited.write_bytes(data.replace(b"20240719050900Z", b"20240719050901Z"))
    report = enterprise.scan_file(str(edited))
    signature = {f.id: f for f in report.findings if f.check == "signature"}
    assert {"untrusted_timestamp", "expired"} <= set(signature) and "trusted" not in signature
    assert "does not match its signed digest" in signature["untrusted_timestamp"].message
    assert report.verdict != Verdict.CLEAN


def test_untrusted_test_root_reports_the_forged_issuer_too() -> None:
    report = Scanner(Settings(result_cache=False, jobs=1)).scan_file(str(PE / "falcon_hotfix_issued_by_leaf.exe"))
    assert {"not_a_ca", "untrusted_root"} <= ids(report, "signature")
