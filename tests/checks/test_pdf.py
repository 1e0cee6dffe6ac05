"""PDF: link, JavaScript, launch and attachment findings; children; broken and hostile files."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MARKER, SAMPLES, finding_keys, reasons, write_rules_dir
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

from scanner.api import Scanner
from scanner.extract import pdf_analysis
from scanner.models import ItemReport, Verdict

ScannerFactory = Callable[..., Scanner]


def scan(tmp_path: Path, factory: ScannerFactory, rules: Path | None, name: str, data: bytes,
         **settings: object) -> ItemReport:
    p = tmp_path / name
    p.write_bytes(data)
    return factory(rules, **settings).scan_file(str(p))


def _action(**entries: object) -> DictionaryObject:
    out = DictionaryObject()
    for key, value in entries.items():
        out[NameObject("/" + key)] = (NameObject(value) if isinstance(value, str) and value.startswith("/")
                                      else value if not isinstance(value, str) else TextStringObject(value))
    return out


def make_pdf(links: list[str] = (), open_action: DictionaryObject | None = None,  # type: ignore[assignment]
             attachments: dict[str, bytes] | None = None, actions: list[DictionaryObject] = ()  # type: ignore[assignment]
             ) -> bytes:
    """A one-page PDF written by pypdf, with link annotations (URI or other `actions`), an
    /OpenAction and attachments."""
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    annots = ArrayObject()
    for action in [_action(S="/URI", URI=url) for url in links] + list(actions):
        annot = _action(Type="/Annot", Subtype="/Link")
        annot[NameObject("/Rect")] = ArrayObject([FloatObject(0), FloatObject(0), FloatObject(10), FloatObject(10)])
        annot[NameObject("/A")] = action  # inline, as most producers write it
        annots.append(writer._add_object(annot))
    if annots:
        page[NameObject("/Annots")] = annots
    if open_action is not None:
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(open_action)
    for name, data in (attachments or {}).items():
        writer.add_attachment(name, data)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_links_become_a_text_child(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    r = scan(tmp_path, make_scanner, rules_dir, "doc.pdf", make_pdf(["https://www.example.org/help"]))
    assert ("doc.pdf", "links.txt") in {s.location for s in r.items}
    assert r.verdict is Verdict.CLEAN and not r.findings  # an ordinary link is not a finding


def test_link_hosts_reach_the_ioc_check(tmp_path: Path, make_scanner: ScannerFactory) -> None:
    rules = write_rules_dir(tmp_path / "r", domains=[("evil-update.example", "test", "ref")])
    r = scan(tmp_path, make_scanner, rules, "doc.pdf", make_pdf(["https://cdn.evil-update.example/x"]))
    [hit] = [f for f in r.findings if f.id == "known_bad_domain"]
    assert hit.location == ("doc.pdf", "links.txt")


def test_suspicious_links(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    data = make_pdf(["http://192.0.2.8/Update.exe", "https://files.example.com/tool.zip?x=1",
                     "https://example.com/page"])
    r = scan(tmp_path, make_scanner, rules_dir, "doc.pdf", data)
    by_id = {f.id: f for f in r.findings}
    assert by_id["link_to_download"].evidence["urls"] == ["http://192.0.2.8/Update.exe",
                                                         "https://files.example.com/tool.zip?x=1"]
    assert by_id["link_to_ip_address"].evidence["urls"] == ["http://192.0.2.8/Update.exe"]
    assert r.verdict is Verdict.MALICIOUS


def test_javascript_on_open_and_its_source(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    js = _action(S="/JavaScript", JS=f"var m = '{MARKER.decode()}';")
    r = scan(tmp_path, make_scanner, rules_dir, "doc.pdf", make_pdf(open_action=js))
    assert "pdf:javascript_on_open" in finding_keys(r)
    assert [f.location for f in r.findings if f.id == "TEST_Marker"] == [("doc.pdf", "javascript-1.js")]


def test_javascript_in_a_link_needs_a_click(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    data = make_pdf(actions=[_action(S="/JavaScript", JS="app.alert(1);")])
    r = scan(tmp_path, make_scanner, rules_dir, "doc.pdf", data)
    assert "pdf:javascript" in finding_keys(r) and "pdf:javascript_on_open" not in finding_keys(r)


def test_launch_action(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    launch = _action(S="/Launch")
    launch[NameObject("/Win")] = _action(F="cmd.exe", P="/c echo hi")
    r = scan(tmp_path, make_scanner, rules_dir, "doc.pdf", make_pdf(open_action=launch))
    [f] = [f for f in r.findings if f.id == "launch_action"]
    assert f.evidence["targets"] == ["cmd.exe /c echo hi"] and r.verdict is Verdict.MALICIOUS


@pytest.mark.parametrize(("target", "finding", "verdict"), [
    ("doc-more/page-typesetting-columns.pdf", "launch_document", Verdict.CLEAN),  # TeX manual (reledpar.pdf)
    ("cmd.exe /c start x.pdf", "launch_action", Verdict.MALICIOUS),
    ("update.pdf.exe", "launch_action", Verdict.MALICIOUS),
])
def test_launch_of_a_document_is_low(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory, target: str,
                                     finding: str, verdict: Verdict) -> None:
    launch = _action(S="/Launch", F=target)
    r = scan(tmp_path, make_scanner, rules_dir, "doc.pdf", make_pdf(actions=[launch]))
    assert finding in {f.id for f in r.findings} and r.verdict is verdict


def test_attachments_are_children(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    data = make_pdf(attachments={"fix.bat": b"@echo off\r\necho " + MARKER + b"\r\n", "invoice.xml": b"<a/>"})
    r = scan(tmp_path, make_scanner, rules_dir, "doc.pdf", data)
    assert {("doc.pdf", "fix.bat"), ("doc.pdf", "invoice.xml")} <= {s.location for s in r.items}
    assert ("doc.pdf", "fix.bat") in [f.location for f in r.findings if f.id == "TEST_Marker"]
    [risky] = [f for f in r.findings if f.id == "embedded_executable"]
    assert risky.evidence["files"] == ["fix.bat"]


def test_attachment_limit(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    data = make_pdf(attachments={"big.bin": b"A" * 200_000})
    r = scan(tmp_path, make_scanner, rules_dir, "doc.pdf", data, max_file_size=100_000)
    assert "max_file_size" in reasons(r) and r.verdict is Verdict.INCOMPLETE


def test_handala_sample_page_text(tmp_path: Path, make_scanner: ScannerFactory) -> None:
    data = (SAMPLES / "lures" / "docs" / "crowdstrike_update_instructions.pdf").read_bytes()
    r = scan(tmp_path, make_scanner, None, "u.pdf", data, bundled=True)
    [hit] = [f for f in r.findings if f.id == "SCAM_CS_Update_Instructions_Document"]
    assert hit.location == ("u.pdf", "page-text.txt")


@pytest.mark.parametrize("name", ["corrupt.pdf", "truncated.pdf", "deep_nesting.pdf"])
def test_bad_pdfs_are_recorded(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory, name: str) -> None:
    r = scan(tmp_path, make_scanner, rules_dir, name, (SAMPLES / "bad" / "docs" / name).read_bytes())
    assert r.verdict is Verdict.INCOMPLETE and reasons(r) == {"corrupt"}


@pytest.mark.parametrize("old,new", [(b"5 0 obj\n<<", b"5 0 obj\nC<<"),  # the link annotation unparsable
                                     (b"/Kids [ 4 0 R ]", b"/Kids [ 4 0 R C]")])  # the page tree unreadable
def test_unreadable_objects_are_corrupt(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory,
                                        old: bytes, new: bytes) -> None:
    # pypdf (non-strict) drops both without raising: the link or the pages vanished and the PDF read as
    # clean (fuzz: remediation_links.pdf flips).
    data = make_pdf(["https://example.org/a"])
    assert old in data
    r = scan(tmp_path, make_scanner, rules_dir, "broken.pdf", data.replace(old, new))
    assert r.verdict is Verdict.INCOMPLETE and reasons(r) == {"corrupt"}, r.incomplete


def test_object_limit_is_a_setting(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    data = make_pdf(["https://example.org/a"] * 3)
    r = scan(tmp_path, make_scanner, rules_dir, "doc.pdf", data, max_objects=3)
    assert "max_objects" in reasons(r) and r.verdict is Verdict.INCOMPLETE
    assert "max_objects" not in reasons(scan(tmp_path, make_scanner, rules_dir, "doc.pdf", data))


def test_page_and_text_limits_are_settings(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(100, 100)
    buf = io.BytesIO()
    writer.write(buf)
    manual = buf.getvalue()
    assert "max_pages" in reasons(scan(tmp_path, make_scanner, rules_dir, "manual.pdf", manual, max_pages=2))
    assert "max_pages" not in reasons(scan(tmp_path, make_scanner, rules_dir, "manual.pdf", manual, max_pages=3))


def test_hang_becomes_timeout(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    def forever(data: object, limits: object) -> pdf_analysis.PdfAnalysis:
        while True:
            pass

    monkeypatch.setattr(pdf_analysis, "_parse", forever)
    r = scan(tmp_path, make_scanner, rules_dir, "slow.pdf", make_pdf(), timeout=0.2)
    assert "timeout" in reasons(r) and r.verdict is Verdict.INCOMPLETE


def test_encrypted_pdf(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt("secret", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    r = scan(tmp_path, make_scanner, rules_dir, "locked.pdf", buf.getvalue())
    assert reasons(r) == {"encrypted"} and r.verdict is Verdict.INCOMPLETE


def _cite_absent_objects(data: bytes, count: int, padding: int) -> bytes:
    """`data` with an incremental update: the page tree's /Kids also cite `count` objects the file
    does not hold, after `padding` bytes of comment lines."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    pages = reader.trailer["/Root"].raw_get("/Pages")
    size = int(reader.trailer["/Size"])
    tree = reader.get_object(pages)
    kids = b" ".join(b"%d %d R" % (k.idnum, k.generation) for k in tree.raw_get("/Kids"))
    absent = b" ".join(b"%d 0 R" % n for n in range(size + 10, size + 10 + count))
    line = b"%" + b"x" * 79 + b"\n"
    update = b"\n" + line * (padding // len(line))
    offset = len(data) + len(update)
    update += (b"%d 0 obj\n<< /Type /Pages /Count %d /Kids [%s %s] >>\nendobj\n"
               % (pages.idnum, len(reader.pages), kids, absent))
    xref = len(data) + len(update)
    prev = int(data[data.rindex(b"startxref") + 9:].split()[0])
    update += (b"xref\n%d 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
               % (pages.idnum, offset, size, reader.trailer.raw_get("/Root").idnum, prev, xref))
    return data + update


def test_citing_absent_objects_costs_no_search_each(tmp_path: Path, rules_dir: Path,
                                                     make_scanner: ScannerFactory) -> None:
    # pypdf searched the whole file with a fresh regex for every object the xref does not list: 40,000
    # citations of absent objects in 2 MB held the pdf check past its deadline (62 s at the default 30 s
    # timeout), and a lure PDF padded this way ended `incomplete` instead of suspicious.
    lure = make_pdf(["http://192.0.2.8/Update.exe"])
    plain = scan(tmp_path, make_scanner, rules_dir, "plain.pdf", lure, timeout=10)
    assert "pdf:link_to_ip_address" in finding_keys(plain)
    padded = _cite_absent_objects(lure, 40_000, 2_000_000)
    r = scan(tmp_path, make_scanner, rules_dir, "padded.pdf", padded, timeout=10)
    assert "timeout" not in reasons(r), r.incomplete
    assert {f.id for f in r.findings} == {f.id for f in plain.findings}
    assert r.verdict is plain.verdict
