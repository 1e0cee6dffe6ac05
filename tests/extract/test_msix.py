"""MSIX/APPX: manifest identity, the package signature (APPX digests, block map, signer, chain) and brand claims."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import SAMPLES, finding_keys, reasons

from scanner.api import Scanner
from scanner.executables.msix import MsixError, inspect, subject_parts
from scanner.filetypes import FileType, identify
from scanner.models import ItemReport, Verdict
from scanner.rules import bundled_rules_dir
from scanner.trust.anchors import store_for

sys.path.insert(0, str(SAMPLES))
from build_msix import HELLO, MICROSOFT, NORTHWIND, manifest, package

ScannerFactory = Callable[..., Scanner]
TEST_CA = str(SAMPLES / "pe_src" / "keys" / "ca.pem")
CONTAINERS = SAMPLES / "clean" / "containers"
SIGNED = (CONTAINERS / "northwind_notepad_signed.msix").read_bytes()


@pytest.fixture
def scan(make_scanner: ScannerFactory, rules_dir: Path) -> Callable[..., ItemReport]:
    def run(data: bytes, name: str, **settings: object) -> ItemReport:
        return make_scanner(rules_dir, **settings).scan_bytes(data, name)
    return run


def store(*extra: str):  # type: ignore[no-untyped-def]
    return store_for(False, extra, bundled_rules_dir() / "trust")


def test_msix_is_its_own_type_and_its_files_are_children(scan: Callable[..., ItemReport]) -> None:
    assert identify(SIGNED) == FileType.MSIX
    report = scan(SIGNED, "notepad.msix")
    assert report.type == "msix" and ("notepad.msix", "Notepad.exe") in [i.location for i in report.items]


def test_manifest_identity_is_read() -> None:
    pkg = inspect(SIGNED, store())
    assert (pkg.publisher, pkg.display_name, pkg.publisher_display_name, pkg.executables) == (
        NORTHWIND, "Northwind Notepad", "Northwind Traders Ltd", ["Notepad.exe"])


def test_signature_verified_and_trusted_with_its_root() -> None:
    pkg = inspect(SIGNED, store(TEST_CA))
    assert pkg.signed and not pkg.problems and pkg.signature is not None
    assert pkg.signature.valid and pkg.signature.trusted and "Scamscan Test Root CA" in pkg.signature.root
    assert subject_parts(pkg.publisher) == subject_parts(pkg.signature.signer)
    untrusted = inspect(SIGNED, store()).signature
    assert untrusted is not None and untrusted.valid and not untrusted.trusted


@pytest.mark.parametrize("where,expect", [("program", "AXPC"), ("central", "AXCD")])
def test_modified_package_fails_its_digests(where: str, expect: str) -> None:
    data = bytearray(SIGNED)
    pos = data.find(b"Notepad.exe") + 40 if where == "program" else data.find(b"PK\x01\x02") + 12  # its time field
    data[pos] ^= 1
    try:
        pkg = inspect(bytes(data), store(TEST_CA))
    except MsixError:
        return  # a broken central directory may not even open: also never valid
    assert any(expect in p for p in pkg.problems), pkg.problems
    assert pkg.signature is not None and not pkg.signature.valid


def test_unsigned_package_claiming_microsoft(scan: Callable[..., ItemReport]) -> None:
    data = package([("Teams.exe", HELLO), ("AppxManifest.xml", manifest(
        "MSTeams", MICROSOFT, "Microsoft Teams", "Microsoft Corporation", "Teams.exe"))])
    report = scan(data, "teams.msix", bundled=True)
    assert {"msix:unsigned_package", "brand:unsigned_brand_claim"} <= finding_keys(report)
    assert report.verdict >= Verdict.SUSPICIOUS


def test_unsigned_package_of_nobody_in_particular_is_not_flagged(scan: Callable[..., ItemReport]) -> None:
    data = package([("Notepad.exe", HELLO), ("AppxManifest.xml", manifest(
        "Northwind.Notepad", NORTHWIND, "Northwind Notepad", "Northwind Traders Ltd", "Notepad.exe"))])
    report = scan(data, "notepad.msix", bundled=True)
    assert finding_keys(report) == {"msix:unsigned_package"} and report.verdict == Verdict.CLEAN


@pytest.mark.parametrize("damage", ["truncated", "manifest", "bomb"])
def test_damaged_packages_are_never_clean(scan: Callable[..., ItemReport], damage: str) -> None:
    if damage == "truncated":
        data = SIGNED[: len(SIGNED) // 3]
    elif damage == "manifest":
        data = package([("AppxManifest.xml", b"<Package><Identity Publisher='CN=x'")])
    else:
        data = package([("AppxManifest.xml", manifest("A", NORTHWIND, "A", "A", "a.exe")),
                        ("zeros.bin", b"\0" * (4 * 1024 * 1024))])
    report = scan(data, "p.msix", max_ratio=10)
    assert report.verdict != Verdict.CLEAN
    assert reasons(report) & {"corrupt", "max_ratio"} or report.findings
