"""The `pe`, `signature` and `brand` checks on the built PE samples, a real Microsoft-signed file and bad input."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from corpora import shim_signed_file, shim_skip_reason
from helpers import REPO_ROOT

from scanner.api import Scanner
from scanner.config import Settings
from scanner.models import ItemReport, Verdict

PE = REPO_ROOT / "samples"
TEST_CA = PE / "pe_src" / "keys" / "ca.pem"
TESTCA_SIGNED = PE / "lures/pe/falcon_sensor_testca.exe"


def ids(report: ItemReport) -> set[str]:
    return {f"{f.check}:{f.id}" for f in report.findings}


@pytest.fixture(scope="module")
def scanner(tmp_path_factory: pytest.TempPathFactory) -> Scanner:
    return Scanner(Settings(cache_dir=str(tmp_path_factory.mktemp("c")), result_cache=False, jobs=1))


@pytest.fixture(scope="module")
def enterprise(tmp_path_factory: pytest.TempPathFactory) -> Scanner:
    """The test CA added as an extra trusted root, as an enterprise adds its own CA."""
    return Scanner(Settings(cache_dir=str(tmp_path_factory.mktemp("c")), result_cache=False, jobs=1,
                            trusted_roots=(str(TEST_CA),)))


def test_unbranded_unsigned_program_is_clean(scanner: Scanner) -> None:
    report = scanner.scan_file(str(PE / "clean/pe/hello.exe"))
    assert report.verdict == Verdict.CLEAN and not report.findings and not report.incomplete


def test_brand_publisher_signature_is_a_reason_for_clean(scanner: Scanner, enterprise: Scanner) -> None:
    untrusted = scanner.scan_file(str(TESTCA_SIGNED))
    assert untrusted.verdict == Verdict.MALICIOUS, untrusted.findings
    assert {"brand:untrusted_brand_signer", "signature:untrusted_root"} <= ids(untrusted)
    trusted = enterprise.scan_file(str(TESTCA_SIGNED))
    assert trusted.verdict == Verdict.CLEAN and trusted.score == 0
    reason = next(f for f in trusted.findings if f.id == "trusted_publisher")
    assert reason.check == "brand" and reason.score < 0 and reason.severity.value == "info"
    sig = next(f for f in trusted.findings if f.id == "trusted")
    assert sig.evidence["signer_cn"] == "CrowdStrike, Inc."
    assert sig.evidence["signing_time"].startswith("2024-07-19T05:09")  # from the timestamp countersignature


def test_brand_claim_signed_by_another_company(enterprise: Scanner) -> None:
    report = enterprise.scan_file(str(PE / "lures/pe/falcon_sensor_other_publisher.exe"))
    assert report.verdict == Verdict.MALICIOUS
    finding = next(f for f in report.findings if f.id == "publisher_mismatch")
    assert "Northwind Traders Ltd" in finding.message and "CrowdStrike" in finding.message
    assert "signature:trusted" in ids(report)  # the signature itself is fine: the publisher is wrong


def test_self_signed_certificate_naming_the_brand(scanner: Scanner) -> None:
    report = scanner.scan_file(str(PE / "lures/pe/falcon_sensor_selfsigned.exe"))
    assert report.verdict == Verdict.MALICIOUS
    assert {"brand:untrusted_brand_signer", "signature:self_signed"} <= ids(report)


def test_tampered_signed_file(enterprise: Scanner) -> None:
    report = enterprise.scan_file(str(PE / "lures/pe/falcon_sensor_tampered.exe"))
    assert report.verdict == Verdict.MALICIOUS and "signature:digest_mismatch" in ids(report)
    assert "brand:trusted_publisher" not in ids(report)  # a broken signature never vouches for the file


@pytest.mark.parametrize(("sample", "verdict"), [
    ("lures/pe/CrowdStrike_Falcon_Hotfix.exe", Verdict.SUSPICIOUS),  # embedded-signed brand, hotfix name
    ("lures/pe/falcon_hotfix.zip", Verdict.MALICIOUS),  # ... and inside an archive
    ("lures/pe/windows_hotfix_helper.exe", Verdict.CLEAN),  # catalog-signed brand, loose file: weak
    ("lures/pe/windows_hotfix.zip", Verdict.SUSPICIOUS),  # ... but inside an archive
])
def test_unsigned_claims_weighed_by_policy_and_context(scanner: Scanner, sample: str, verdict: Verdict) -> None:
    report = scanner.scan_file(str(PE / sample))
    assert report.verdict == verdict, report.findings
    assert "brand:unsigned_brand_claim" in ids(report)


def test_executable_named_like_a_document(scanner: Scanner, tmp_path: Path) -> None:
    assert "brand:executable_disguised_as_document" in ids(scanner.scan_file(str(PE / "lures/pe/Invoice_2024-07.pdf")))
    odd = tmp_path / "scan\u2067fdp.exe"  # a first-strong-isolate control: not the U+202E YARA rule's
    odd.write_bytes((PE / "clean/pe/hello.exe").read_bytes())
    assert "brand:bidi_control_in_name" in ids(scanner.scan_file(str(odd)))


# -- a real file nobody here wrote -----------------------------------------------------

@pytest.fixture(scope="module")
def shim() -> bytes:
    path = shim_signed_file()
    if path is None:
        pytest.skip(f"shim-signed unavailable: {shim_skip_reason()}")
    return path.read_bytes()


@pytest.mark.network
def test_microsoft_signed_shim_verifies(shim: bytes, scanner: Scanner, tmp_path: Path) -> None:
    p = tmp_path / "shimx64.efi"
    p.write_bytes(shim)
    report = scanner.scan_file(str(p))
    assert report.verdict == Verdict.CLEAN and not report.incomplete
    trusted = [f for f in report.findings if f.id == "trusted"]
    assert trusted and all("Microsoft" in f.evidence["root"] for f in trusted)
    assert all(f.evidence["signing_time"] for f in trusted)  # RFC 3161 timestamp read
    flipped = bytearray(shim)
    flipped[len(shim) // 3] ^= 0x01
    p.write_bytes(bytes(flipped))
    tampered = scanner.scan_file(str(p))
    assert tampered.verdict == Verdict.MALICIOUS and "signature:digest_mismatch" in ids(tampered)


# -- bad input: recorded, never a crash or a hang -------------------------------------

def _pe_offsets(data: bytes) -> tuple[int, int]:
    """(offset of the optional header, offset of its data directories)."""
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    opt = pe + 24
    return opt, opt + (112 if struct.unpack_from("<H", data, opt)[0] == 0x20B else 96)


def _mutations() -> dict[str, bytes]:
    hello = (PE / "clean/pe/hello.exe").read_bytes()
    signed = TESTCA_SIGNED.read_bytes()
    _opt, dirs = _pe_offsets(signed)
    out = {f"truncated_{n}": signed[:n] for n in (0x40, 0x90, 0x200, len(signed) // 2, len(signed) - 100)}
    bogus = bytearray(hello)
    struct.pack_into("<II", bogus, dirs + 8 * 2, 0x7FFFFFF0, 0xFFFFFFFF)  # resources far outside the image
    struct.pack_into("<II", bogus, dirs + 8 * 1, 0xFFFFFF00, 0x1000)  # imports too
    out["bogus_directories"] = bytes(bogus)
    sec_off, sec_size = struct.unpack_from("<II", signed, dirs + 8 * 4)
    garbage = bytearray(signed)
    garbage[sec_off + 8:sec_off + sec_size] = bytes((i * 7) & 0xFF for i in range(sec_size - 8))
    out["garbage_certificate_table"] = bytes(garbage)
    huge = bytearray(signed) + b"\0" * (3 * 1024 * 1024)
    struct.pack_into("<I", huge, dirs + 8 * 4 + 4, sec_size + 3 * 1024 * 1024)
    out["huge_certificate_table"] = bytes(huge)
    beyond = bytearray(signed)
    struct.pack_into("<I", beyond, dirs + 8 * 4 + 4, 0x7FFFFFFF)
    out["certificate_table_past_eof"] = bytes(beyond)
    sha256 = b"\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01"
    odd = bytearray(signed)
    pos = odd.find(sha256, sec_off)
    odd[pos + len(sha256) - 1] = 0x7F  # an unknown digest algorithm OID
    out["unsupported_algorithm"] = bytes(odd)
    out["absurd_resource_tree"] = _absurd_resources(hello)
    return out


def _absurd_resources(hello: bytes) -> bytes:
    """Point the resource directory at a crafted tree: 65535 entries, and a subdirectory that is itself."""
    data = bytearray(hello)
    _opt, dirs = _pe_offsets(hello)
    rva, _size = struct.unpack_from("<II", data, dirs + 8 * 2)
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    nsec = struct.unpack_from("<H", data, pe + 6)[0]
    table = pe + 24 + struct.unpack_from("<H", data, pe + 20)[0]
    for i in range(nsec):
        _name, _vs, va, raw_size, raw_ptr = struct.unpack_from("<8sIIII", data, table + 40 * i)
        if va <= rva < va + raw_size:
            base = raw_ptr + rva - va
            struct.pack_into("<IIHHHH", data, base, 0, 0, 0, 0, 0, 0xFFFF)  # 65535 id entries
            struct.pack_into("<II", data, base + 16, 16, 0x80000000)  # RT_VERSION -> subdirectory at offset 0
            return bytes(data)
    raise AssertionError("no resource section in hello.exe")


MUTATIONS = _mutations()


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_bad_input_is_recorded_not_fatal(name: str, scanner: Scanner, tmp_path: Path) -> None:
    p = tmp_path / f"{name}.exe"
    p.write_bytes(MUTATIONS[name])
    report = scanner.scan_file(str(p))
    errors = [i for i in report.incomplete if i.reason in ("check_error", "timeout")]
    assert not errors, errors
    if name != "truncated_64":  # 64 bytes are not a PE at all: plain data, nothing to analyse
        assert report.verdict != Verdict.CLEAN, (report.findings, report.incomplete)


def test_unsupported_or_garbage_signature_is_never_trusted(scanner: Scanner, tmp_path: Path) -> None:
    for name in ("unsupported_algorithm", "garbage_certificate_table", "huge_certificate_table"):
        p = tmp_path / f"{name}.exe"
        p.write_bytes(MUTATIONS[name])
        report = scanner.scan_file(str(p))
        assert "signature:trusted" not in ids(report) and "brand:trusted_publisher" not in ids(report), name


@pytest.mark.parametrize(("overlay", "kind"), [
    (b"\xef\xbe\xad\xdeNullsoftInst" + b"\0" * 64, "NSIS"),
    (b"7z\xbc\xaf\x27\x1c" + b"\0" * 64, "7z SFX"),
    (b"Inno Setup Setup Data (6.2.0)" + b"\0" * 64, "Inno Setup"),
])
def test_installer_type_from_overlay(overlay: bytes, kind: str) -> None:
    from scanner.executables import installers, pe

    data = (PE / "clean/pe/hello.exe").read_bytes() + overlay
    info = pe.parse(data)
    info.installers = installers.detect(data, info)
    assert kind in info.installers and info.overlay_size == len(overlay)
