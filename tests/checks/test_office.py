"""Office documents: VBA modules as child items, `office` findings, remote templates, broken files."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MARKER, REPO_ROOT, SAMPLES, finding_keys, make_zip, reasons

from scanner.api import Scanner
from scanner.models import ItemReport, Verdict

ScannerFactory = Callable[..., Scanner]
DOCM = SAMPLES / "lures" / "docs" / "New_Recovery_Tool_to_help_with_CrowdStrike_issue_impacting_Windows.docm"


def scan(tmp_path: Path, factory: ScannerFactory, rules: Path | None, name: str, data: bytes,
         **settings: object) -> ItemReport:
    p = tmp_path / name
    p.write_bytes(data)
    return factory(rules, **settings).scan_file(str(p))


def vba_project() -> bytes:
    return zipfile.ZipFile(DOCM).read("word/vbaProject.bin")


def test_vba_module_is_a_text_child(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    r = scan(tmp_path, make_scanner, rules_dir, "doc.docm", DOCM.read_bytes())
    module = [s for s in r.items if s.location == ("doc.docm", "word/vbaProject.bin", "NewMacros.bas")]
    assert len(module) == 1 and module[0].type == "text"
    assert not any(s.location[-1] == "ThisDocument.cls" for s in r.items)  # attribute lines only: skipped


def test_bundled_macro_rule_sees_the_module(tmp_path: Path, make_scanner: ScannerFactory) -> None:
    r = scan(tmp_path, make_scanner, None, "doc.docm", DOCM.read_bytes(), bundled=True)
    hits = [f.location for f in r.findings if f.id == "SCAM_CS_Recovery_Macro_Certutil_Decode"]
    assert hits == [("doc.docm", "word/vbaProject.bin", "NewMacros.bas")]
    assert r.verdict is Verdict.MALICIOUS


def test_office_findings_carry_olevba_keywords(tmp_path: Path, rules_dir: Path,
                                               make_scanner: ScannerFactory) -> None:
    r = scan(tmp_path, make_scanner, rules_dir, "doc.docm", DOCM.read_bytes())
    by_id = {f.id: f for f in r.findings if f.check == "office"}
    assert {"vba_autoexec", "vba_runs_command", "vba_downloads"} <= set(by_id)
    assert by_id["vba_autoexec"].location == ("doc.docm", "word/vbaProject.bin")
    auto = {k["keyword"] for k in by_id["vba_autoexec"].evidence["keywords"]}
    assert {"AutoOpen", "Document_Open"} <= auto
    run = by_id["vba_runs_command"].evidence
    assert any(k["keyword"] == "Shell" and "command" in k["description"] for k in run["keywords"])
    assert any("certutil" in c.lower() for c in run["command_lines"])
    assert any("XMLHTTP" in k["keyword"] for k in by_id["vba_downloads"].evidence["keywords"])
    assert r.verdict is Verdict.MALICIOUS  # auto-exec + command + download, no YARA rule needed


def test_macro_urls_reach_the_ioc_check(tmp_path: Path, make_scanner: ScannerFactory) -> None:
    from helpers import write_rules_dir

    rules = write_rules_dir(tmp_path / "r", domains=[("payload-host.example", "test", "ref")])
    src = ('Attribute VB_Name = "M"\nSub Macro1()\n    u = "https://payload-host.example/a"\nEnd Sub\n')
    data = _docm_with(tmp_path, src)
    r = scan(tmp_path, make_scanner, rules, "doc.docm", data)
    hits = [f for f in r.findings if f.id == "known_bad_domain"]
    assert hits and hits[0].location[-1] == "M.bas"


def _docm_with(tmp_path: Path, source: str) -> bytes:
    from pyopenvba import WordFile

    path = tmp_path / "built.docm"
    doc = WordFile.create_new(path)
    doc.vba_project().add_module("M", source)
    doc.save(path)
    return path.read_bytes()


def test_bare_ole_project_and_doc(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    r = scan(tmp_path, make_scanner, rules_dir, "vbaProject.bin", vba_project())
    assert r.type == "ole" and ("vbaProject.bin", "NewMacros.bas") in {s.location for s in r.items}
    doc = (SAMPLES / "lures" / "docs" / "windows_update_notice.doc").read_bytes()
    r = scan(tmp_path, make_scanner, rules_dir, "notice.doc", doc)
    assert {"office:vba_autoexec", "office:vba_runs_command"} <= finding_keys(r)
    assert ("notice.doc", "UpdateCheck.bas") in {s.location for s in r.items}


def test_corrupt_ole_is_incomplete(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    for name, data in [("junk.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8),
                       ("cut.bin", vba_project()[:3000])]:
        r = scan(tmp_path, make_scanner, rules_dir, name, data)
        assert r.verdict is Verdict.INCOMPLETE, name
        assert reasons(r) == {"corrupt"}, (name, r.incomplete)  # no check_error: nothing crashed


def test_damaged_ole_directory_is_incomplete(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    # An invalid entry type makes olefile drop the UpdateCheck macro stream without raising: the lure
    # read as clean (fuzz: windows_update_notice.doc dup/lenfield).
    data = bytearray((SAMPLES / "lures" / "docs" / "windows_update_notice.doc").read_bytes())
    name = "UpdateCheck".encode("utf-16-le")
    entry = next(m.start() for m in re.finditer(name, data) if m.start() % 128 == 0)  # its directory entry
    data[entry + 0x42] = 9  # entry type: none of storage, stream, root
    r = scan(tmp_path, make_scanner, rules_dir, "notice.doc", bytes(data))
    assert r.verdict is Verdict.INCOMPLETE and reasons(r) == {"corrupt"}, r.incomplete


def test_ole_stream_larger_than_the_file_is_refused(tmp_path: Path, rules_dir: Path,
                                                    make_scanner: ScannerFactory) -> None:
    # olevba reads every entry in full: a declared size past the file's end made olefile follow
    # the sector chain for GBs (fuzz: windows_update_notice.doc dup, 15 s and 3 GB).
    data = bytearray((SAMPLES / "lures" / "docs" / "windows_update_notice.doc").read_bytes())
    name = "UpdateCheck".encode("utf-16-le")
    entry = next(m.start() for m in re.finditer(name, data) if m.start() % 128 == 0)
    data[entry + 0x78:entry + 0x7C] = (0x7FFFFFF0).to_bytes(4, "little")  # stream size
    r = scan(tmp_path, make_scanner, rules_dir, "notice.doc", bytes(data))
    assert reasons(r) == {"corrupt"} and "larger than the file" in r.incomplete[0].message


@pytest.mark.parametrize("finding", ["ole-orphan-sector-loop.msg", "ole-minifat-oversized.ole"])
def test_ole_structure_larger_than_the_file_is_never_read(tmp_path: Path, rules_dir: Path,
                                                          make_scanner: ScannerFactory,
                                                          monkeypatch: pytest.MonkeyPatch, finding: str) -> None:
    """Fuzz findings (ole target), each a file of under 3 KB that made olevba allocate over 2 GB
    through a looping sector chain: an *orphaned* directory entry (not in the tree, but olevba
    reads orphans too) declaring a 1 GB stream, and a header declaring 2,097,153 MiniFAT sectors.
    No reader may open a stream larger than the file, as the OLE type or as what its names make it."""
    import olefile.olefile as ole_module

    from fuzz import harness
    from fuzz.targets import TARGETS

    data = (REPO_ROOT / "tests" / "data" / "fuzz" / finding).read_bytes()
    opened: list[int] = []
    original = ole_module.OleStream.__init__

    def guarded(self: object, fp: object, sect: int, size: int, *args: object, **kwargs: object) -> object:
        if size == ole_module.UNKNOWN_SIZE:  # olefile's own reads of its directory: to the chain's end
            return original(self, fp, sect, size, *args, **kwargs)  # type: ignore[arg-type]
        opened.append(size)
        if size > len(data):
            raise MemoryError("the test refuses to follow this chain")  # what old code went on to do
        original(self, fp, sect, size, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ole_module.OleStream, "__init__", guarded)
    harness.run(data, TARGETS["ole"].filetype)  # the fuzz target's view: the bytes forced to OLE
    r = scan(tmp_path, make_scanner, rules_dir, finding, data)
    assert all(size <= len(data) for size in opened), opened
    assert r.verdict is Verdict.INCOMPLETE and "larger than the file" in " ".join(i.message for i in r.incomplete)


def test_remote_template(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    lure = (SAMPLES / "lures" / "docs" / "crowdstrike_recovery_template.docx").read_bytes()
    r = scan(tmp_path, make_scanner, rules_dir, "lure.docx", lure)
    [f] = [f for f in r.findings if f.id == "remote_template"]
    assert f.check == "office" and f.location == ("lure.docx",)
    assert f.evidence["target"] == "http://198.51.100.45/templates/recovery.dotm"
    assert f.evidence["part"] == "word/_rels/settings.xml.rels"
    assert r.verdict is Verdict.MALICIOUS


def test_unc_template_and_local_template(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    def docx(target: str) -> bytes:
        rel = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
               f'attachedTemplate" Target="{target}" TargetMode="External"/></Relationships>')
        return make_zip({"[Content_Types].xml": b"<Types/>", "word/_rels/settings.xml.rels": rel.encode()})

    r = scan(tmp_path, make_scanner, rules_dir, "unc.docx", docx("\\\\203.0.113.9\\share\\t.dotm"))
    assert "office:remote_template" in finding_keys(r)
    r = scan(tmp_path, make_scanner, rules_dir, "local.docx", docx("file:///C:\\Templates\\Normal.dotm"))
    assert r.verdict is Verdict.CLEAN and not r.findings


def test_truncated_docm_is_recorded(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    data = DOCM.read_bytes()
    r = scan(tmp_path, make_scanner, rules_dir, "cut.docm", data[: len(data) // 2])
    assert "corrupt" in reasons(r) and r.verdict is not Verdict.CLEAN


def test_marker_in_macro_is_found(tmp_path: Path, rules_dir: Path, make_scanner: ScannerFactory) -> None:
    src = f'Attribute VB_Name = "M"\nSub Macro1()\n    s = "{MARKER.decode()}"\nEnd Sub\n'
    r = scan(tmp_path, make_scanner, rules_dir, "m.docm", _docm_with(tmp_path, src))
    assert [f.location for f in r.findings if f.id == "TEST_Marker"] == [("m.docm", "word/vbaProject.bin", "M.bas")]


def test_oletools_is_imported_lazily() -> None:
    """A scan of files without Office documents (e.g. PE corpora) must not pay olevba's import."""
    code = "import sys, scanner.cli, scanner.engine; print('oletools' in sys.modules, 'pypdf' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True)
    assert out.stdout.split() == ["False", "False"]
