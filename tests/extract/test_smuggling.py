"""HTML smuggling: payloads carried inside pages and scripts become children under their download name."""

from __future__ import annotations

import base64
import io
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MARKER, SAMPLES, finding_keys, make_zip, reasons

from scanner.api import Scanner
from scanner.extract.smuggling import find
from scanner.filetypes import FileType
from scanner.models import ItemReport, Verdict

sys.path.insert(0, str(SAMPLES))
from build_containers import NEWSLETTER, smuggling_page, smuggling_svg

ScannerFactory = Callable[..., Scanner]


@pytest.fixture
def scan(make_scanner: ScannerFactory, rules_dir: Path) -> Callable[..., ItemReport]:
    def run(data: bytes, name: str, **settings: object) -> ItemReport:
        return make_scanner(rules_dir, **settings).scan_bytes(data, name)
    return run


PAYLOAD = make_zip({"run.bat": MARKER, "readme.txt": bytes(range(256))})  # above the 200-character threshold


def locations(report: ItemReport) -> list[tuple[str, ...]]:
    return [i.location for i in report.items]


def test_base64_blob_download_is_a_named_child(scan: Callable[..., ItemReport]) -> None:
    report = scan(smuggling_page(PAYLOAD, "falcon_hotfix.zip"), "page.html")
    assert ("page.html", "falcon_hotfix.zip", "run.bat") in locations(report)
    assert report.verdict == Verdict.MALICIOUS and "script:html_smuggling" in finding_keys(report)


def test_svg_byte_array_saved_with_msSaveOrOpenBlob(scan: Callable[..., ItemReport]) -> None:
    report = scan(smuggling_svg(PAYLOAD, "TeamsUpdate.zip"), "invoice.svg")
    assert ("invoice.svg", "TeamsUpdate.zip", "run.bat") in locations(report)


@pytest.mark.parametrize("page", [
    '<html><body><a href="data:application/octet-stream;base64,{b64}" download="setup.zip">get</a></body></html>',
    "<script>var s = '{hex}'; var blob = new Blob([hexToBytes(s)]);"
    " navigator.msSaveOrOpenBlob(blob, 'setup.zip');</script>",
    "<script>var p = String.fromCharCode({nums}); var b = new Blob([p]); a.download = \"setup.zip\";</script>",
])
def test_data_uri_hex_and_char_codes(scan: Callable[..., ItemReport], page: str) -> None:
    html = page.format(b64=base64.b64encode(PAYLOAD).decode(), hex=PAYLOAD.hex(),
                       nums=",".join(str(b) for b in PAYLOAD))
    report = scan(html.encode(), "p.html")
    assert ("p.html", "setup.zip", "run.bat") in locations(report)


def test_atob_code_is_decoded_for_the_rules() -> None:
    code = base64.b64encode(b"new ActiveXObject('WScript.Shell').Run('calc')").decode()
    found = find(f"<script>eval(atob('{code}'))</script>", 1 << 20)
    assert [(p.how, p.filetype) for p in found] == [("atob", FileType.TEXT)]


def test_inline_image_is_left_alone(scan: Callable[..., ItemReport]) -> None:
    report = scan(NEWSLETTER, "news.html")
    assert report.verdict == Verdict.CLEAN and len(report.items) == 1


def test_smuggled_children_obey_limits(scan: Callable[..., ItemReport]) -> None:
    report = scan(smuggling_page(PAYLOAD, "a.zip"), "page.html", max_total_size=len(PAYLOAD) - 1)
    assert "max_total_size" in reasons(report) and report.verdict != Verdict.CLEAN
    report = scan(smuggling_page(PAYLOAD, "a.zip"), "page.html", max_depth=0)
    assert "max_depth" in reasons(report)


@pytest.mark.parametrize("damage", ["truncated", "bad_base64", "bomb"])
def test_damaged_payloads_never_crash_or_pass(scan: Callable[..., ItemReport], damage: str) -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.bin", b"\0" * (8 * 1024 * 1024))
    payload = {"truncated": PAYLOAD[: len(PAYLOAD) // 2], "bad_base64": PAYLOAD, "bomb": bomb.getvalue()}[damage]
    page = smuggling_page(payload, "x.zip")
    if damage == "bad_base64":
        page = page.replace(b"var data = `", b"var data = `!!!*")
    report = scan(page, "p.html", max_ratio=10)
    assert report.verdict != Verdict.CLEAN or damage == "bad_base64"
    if damage == "truncated":
        assert "corrupt" in reasons(report)
    if damage == "bomb":
        assert "max_ratio" in reasons(report)
