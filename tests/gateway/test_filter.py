"""`scamscan filter` (Postfix pipe / procmail) and the X-Scamscan-* headers every hook adds."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import hostile
from helpers import MARKER, SAMPLES, run_scamscan, write_rules_dir

from scanner.gateway import headers as hdr
from scanner.models import Finding, Incomplete, ItemReport, Severity, Verdict

EX_TEMPFAIL = 75


def split(out: bytes, eol: bytes = b"\r\n") -> tuple[list[bytes], bytes]:
    """Our header lines at the top, and everything after them."""
    lines, rest = [], out
    while rest.startswith(b"X-Scamscan-"):
        line, rest = rest.split(eol, 1)
        lines.append(line)
    return lines, rest


def test_lure_passes_through_byte_for_byte_with_headers_prepended() -> None:
    lure = (SAMPLES / "lures" / "crowdstrike_update_wiper.eml").read_bytes()
    out = run_scamscan(["filter"], input=lure)
    assert out.returncode == 0, out.stderr
    added, rest = split(out.stdout, hdr.line_ending(lure))
    assert rest == lure
    assert added[0] == b"X-Scamscan-Verdict: malicious"
    assert added[1].startswith(b"X-Scamscan-Score: ")
    assert b"yara:SCAM_CS_Phishing_Update_Email" in added[2]


def test_reject_exit_for_flagged_mail_only(tmp_path: Path) -> None:
    rules = write_rules_dir(tmp_path / "rules")
    args = ["filter", "--no-bundled-rules", "--rules", str(rules), "--reject-exit", "77"]
    assert run_scamscan(args, input=b"Subject: x\n\n" + MARKER + b"\n").returncode == 77
    clean = run_scamscan(args, input=b"Subject: x\n\nhello\n")
    assert clean.returncode == 0
    assert clean.stdout == b"X-Scamscan-Verdict: clean\nX-Scamscan-Score: 0\nSubject: x\n\nhello\n"


def test_unscannable_mail_still_goes_through_marked_and_tempfails(tmp_path: Path) -> None:
    broken = write_rules_dir(tmp_path / "broken", {"bad.yar": "rule broken { condition: nonsense }"})
    message = b"From someone@example.com Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody \xff\n"
    out = run_scamscan(["filter", "--no-bundled-rules", "--rules", str(broken)], input=message)
    assert out.returncode == EX_TEMPFAIL
    first, rest = out.stdout.split(b"\n", 1)
    assert first == message.split(b"\n", 1)[0]  # the mbox From line stays first
    added, body = split(rest, b"\n")
    assert added[0] == b"X-Scamscan-Verdict: not-scanned"
    assert body == message.split(b"\n", 1)[1]
    custom = run_scamscan(["filter", "--no-bundled-rules", "--rules", str(broken), "--error-exit", "0"],
                          input=message)
    assert custom.returncode == 0


def test_bad_settings_file_still_passes_the_message(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("max_depth = [\n")
    out = run_scamscan(["--config", str(config), "filter"], input=b"Subject: x\n\nhi\n")
    assert out.returncode == EX_TEMPFAIL
    assert out.stdout.endswith(b"Subject: x\n\nhi\n")
    assert out.stdout.startswith(b"X-Scamscan-Verdict: not-scanned\n")


def test_headers_are_ascii_capped_and_never_clean_for_incomplete() -> None:
    many = tuple(Finding("yara", f"RULE_{i:04d}_\u00e9x", Severity.HIGH, 1, "m") for i in range(300))
    report = ItemReport(path="m", sha256="", type="email", size=1, verdict=Verdict.MALICIOUS, score=90,
                        findings=many)
    (_, verdict), (_, score), (_, findings) = hdr.report_headers(report)
    assert (verdict, score) == ("malicious", "90")
    assert findings.isascii() and len(findings) < 800 and findings.endswith("more")
    incomplete = ItemReport(path="m", sha256="", type="email", size=1, verdict=Verdict.INCOMPLETE, score=0,
                            incomplete=(Incomplete("encrypted", "x"),))
    assert dict(hdr.report_headers(incomplete))[hdr.FINDINGS] == "incomplete: encrypted"
    assert hdr.top_finding(incomplete) == "Scamscan.Incomplete"


def test_incoming_scamscan_headers_are_removed_before_ours_are_added() -> None:
    """A sender's own `X-Scamscan-Verdict: clean` must not reach a procmail recipe (issue 13)."""
    lure = (SAMPLES / "lures" / "crowdstrike_update_wiper.eml").read_bytes()
    eol = hdr.line_ending(lure)
    forged = (b"X-Scamscan-Verdict: clean" + eol + b"X-Scamscan-Score: 0" + eol
              + b"x-scamscan-findings: none," + eol + b"\tstill none" + eol + b"X-SCAMSCAN-Custom: 1" + eol)
    head, body = lure.split(eol + eol, 1)
    first, rest = head.split(eol, 1)
    message = first + eol + forged + rest + eol + eol + body
    out = run_scamscan(["filter"], input=message)
    assert out.returncode == 0, out.stderr
    added, passed = split(out.stdout, eol)
    assert added[0] == b"X-Scamscan-Verdict: malicious"
    assert passed == lure  # the forged fields (and the folded line) are gone, every other byte kept
    assert out.stdout.lower().count(b"x-scamscan-verdict") == 1


def test_strip_ours_keeps_the_body_and_an_mbox_from_line() -> None:
    message = (b"From a@example.com Mon Jan  1 00:00:00 2024\nX-Scamscan-Verdict: clean\nSubject: x\n\n"
               b"X-Scamscan-Verdict: clean\n")
    expected = b"From a@example.com Mon Jan  1 00:00:00 2024\nSubject: x\n\nX-Scamscan-Verdict: clean\n"
    assert hdr.strip_ours(message) == expected
    assert hdr.strip_ours(b"Subject: x\n\nbody") == b"Subject: x\n\nbody"


def test_a_message_over_max_file_size_streams_through_unscanned(tmp_path: Path) -> None:
    rules = write_rules_dir(tmp_path / "rules")
    body = b"Subject: big\r\n\r\n" + b"0123456789abcdef" * 8192 + b"\r\n" + MARKER + b"\r\n"
    out = run_scamscan(["filter", "--no-bundled-rules", "--rules", str(rules)], input=body,
                       env={**os.environ, "SCAMSCAN_MAX_FILE_SIZE": "64KB"})
    assert out.returncode == 0, out.stderr
    added, rest = split(out.stdout)
    assert rest == body  # every byte passed through, in order
    assert added[0] == b"X-Scamscan-Verdict: incomplete"


def test_a_crashing_scan_tempfails_and_the_message_goes_through(tmp_path: Path) -> None:
    rules = write_rules_dir(tmp_path / "rules")
    msg = b"Subject: x\n\n" + hostile.CRASH + b"\n"
    out = subprocess.run([*hostile.COMMAND, "filter", "--no-bundled-rules", "--rules", str(rules)], input=msg,
                         capture_output=True, timeout=120)
    assert out.returncode == EX_TEMPFAIL, out.stderr
    added, rest = split(out.stdout, b"\n")
    assert rest == msg and added[0] == b"X-Scamscan-Verdict: not-scanned"
