/*
   scamscan - script droppers judged by behaviour, whatever the file is called (issue 15).

   A fake update is a script that downloads something and runs it.  These rules look for both
   halves in the content of JScript, VBScript, HTA, PowerShell and batch files; names play no
   part.  Obfuscated scripts are seen through the `deobfuscated.txt` view the script extractor
   makes (string concatenation, Chr()/String.fromCharCode/[char] codes, -join, atob and base64
   layers rewritten), so the rules match the view when the original hides its words.

   Where legitimate scripts do the same (PowerShell and batch installers download and start an
   installer every day), a rule also asks for what they do not do: plain-HTTP or raw-IP sources,
   hidden windows, TEMP/AppData/Public drop folders, or code piped straight into an interpreter.

   Scores: low 10-25, medium 30-60, high 70-90, critical 100.
   Item verdict: suspicious at >= 30, malicious at >= 70 (sum of findings, clamped 0..100).
*/

rule SCAM_WSH_Download_Save_Run
{
    meta:
        description = "Windows Script Host script (.js/.vbs/.hta/.wsf) that fetches a file over HTTP (MSXML2.XMLHTTP/ServerXMLHTTP/WinHttp), writes it with ADODB.Stream SaveToFile and runs it with WScript.Shell or mshta: the classic download-and-execute dropper that fake update pages deliver"
        author = "scamscan project"
        date = "2026-11-30"
        reference = "https://attack.mitre.org/techniques/T1059/007/"
        severity = "high"
        score = 70
        sample = "samples/lures/containers/falcon_update_dropper.js"

    strings:
        $http1 = /MSXML2\.(Server)?XMLHTTP/ ascii wide nocase
        $http2 = /WinHttp\.WinHttpRequest/ ascii wide nocase
        $stream = "ADODB.Stream" ascii wide nocase
        $save = /\.SaveToFile\s*\(/ ascii wide nocase
        $shell = "WScript.Shell" ascii wide nocase
        $run = /\.(Run|Exec|ShellExecute)\s*\(/ ascii wide nocase
        $mshta = /\bmshta(\.exe)?\s+["']?https?:\/\// ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and any of ($http*) and $stream and $save
        and (($shell and $run) or $mshta)
}

rule SCAM_Dropper_WSH_Download_Execute
{
    meta:
        description = "Windows Script Host dropper (JScript/VBScript/HTA/WSF): fetches over HTTP with MSXML2/WinHttp and runs or evaluates what it fetched (WScript.Shell Run/Exec, ShellExecute, eval/Execute of the response, ADODB.Stream written then run) - the SocGholish/FakeUpdates update.js and the classic VBS downloader, under any name"
        author = "scamscan project"
        date = "2026-11-30"
        reference = "https://attack.mitre.org/techniques/T1059/007/"
        severity = "high"
        score = 75
        sample = "samples/lures/droppers/update.js, samples/lures/droppers/invoice_viewer.vbs, samples/lures/droppers/obfuscated_update.js"

    strings:
        $http1 = /(MSXML2|Microsoft)\.(Server)?XMLHTTP/ ascii wide nocase
        $http2 = /WinHttp\.WinHttpRequest/ ascii wide nocase
        $http3 = /\bInternetExplorer\.Application\b/ ascii wide nocase
        $send = /\.open\s*\(?\s*["'](GET|POST)["']/ ascii wide nocase
        // WScript.Shell's Run/Exec as two strings: "Run within 2000 bytes of the shell" as one
        // regex walked 2000 bytes from every hit (6 s per MB of repeated `WScript.Shell")`)
        $shell = /WScript\.Shell["']?\s*\)/ ascii wide nocase
        $shell_run = /\.(Run|Exec)\b/ ascii wide nocase
        $run2 = /\.(ShellExecute)\s*\(/ ascii wide nocase
        $run3 = /\b(eval|ExecuteGlobal|Execute)\s*\(?\s*[\w.]{0,40}(responseText|ResponseText|responseBody)/ ascii wide nocase
        $run4 = /new\s+Function\s*\(\s*[\w.]{0,40}responseText/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and any of ($http*) and $send
        and (any of ($run*) or ($shell and $shell_run))
}

rule SCAM_Dropper_PS_Download_Execute_Stealth
{
    meta:
        description = "PowerShell that downloads and runs (Invoke-WebRequest/iwr/irm/WebClient/BITS/curl.exe with iex/Invoke-Expression/Start-Process/&) together with what installers do not do: a plain-HTTP or raw-IP source, or in a short script a hidden window or a TEMP/AppData/Public drop path (HTTPS one-liners such as 'irm https://get.scoop.sh | iex' and long install scripts do not match)"
        author = "scamscan project"
        date = "2026-11-30"
        reference = "https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_powershell_download_iex.yml"
        severity = "medium"
        score = 60
        sample = "samples/lures/droppers/helper.ps1, samples/lures/droppers/joined_cradle.ps1"
        size_signal = "the hidden-window/TEMP branch needs filesize < 8KB: long real scripts (PowerShell's install-powershell.ps1, its code-coverage runner) download, run and use TEMP. A padded dropper keeps the plain-HTTP/raw-IP branch; one that had only this branch stays flagged by SCAM_FakeUpdate_PS_Download_Run_Temp (tests/test_padding.py)"

    strings:
        $dl1 = /\b(Invoke-WebRequest|Invoke-RestMethod|Start-BitsTransfer)\b/ ascii wide nocase
        $dl2 = /\b(iwr|irm)\s+(-Uri\s+)?["'(]?\s*(https?:|\$)/ ascii wide nocase
        $dl3 = /Net\.WebClient/ ascii wide nocase
        $dl4 = /\.Download(String|File|Data)(Async)?\s*\(/ ascii wide nocase
        $dl5 = /\bcurl(\.exe)?\s+[^\r\n]{0,200}https?:\/\// ascii wide nocase
        $run1 = /(\bIEX\b|Invoke-Expression|\|\s*iex\b)/ ascii wide nocase
        $run2 = /\b(Start-Process|saps)\b/ ascii wide nocase
        $run3 = "& $" ascii wide
        $run3b = "& ($" ascii wide
        $run4 = /\[scriptblock\]::Create\s*\(/ ascii wide nocase
        // a plain-HTTP or raw-IP source that is this machine (localhost, 127/8, 0.0.0.0) is a test's or a
        // proxy's, not a download: the host may not start "localhost", "127." or "0."
        $src_http1 = /(Invoke-WebRequest|Invoke-RestMethod|\biwr|\birm|DownloadString|DownloadFile|DownloadData|Start-BitsTransfer|curl(\.exe)?)[^\r\n]{0,120}["'\s(]http:\/\/([a-km-z2-9]|0[a-z0-9]|1(\.|[013-9]|2([0-689]|\.))|l([a-np-z0-9]|o([abd-z0-9]|c([b-z0-9]|a[a-km-z0-9]))))/ ascii wide nocase
        $src_http2 = /\$\w+\s*=\s*["']http:\/\/([a-km-z2-9]|0[a-z0-9]|1(\.|[013-9]|2([0-689]|\.))|l([a-np-z0-9]|o([abd-z0-9]|c([b-z0-9]|a[a-km-z0-9]))))[^"'\r\n]{3,200}["']/ ascii wide nocase
        $src_ip = /https?:\/\/([1-9]|[1-9]\d|1[013-9]\d|12[0-689]|2\d\d)\.\d{1,3}\.\d{1,3}\.\d{1,3}[:\/]/ ascii wide nocase
        $hidden = /-w(in(dow(style)?)?)?\s+(h(idden)?|1)\b/ ascii wide nocase
        $drop = /\$env:(TEMP|TMP|APPDATA|LOCALAPPDATA|PUBLIC|ProgramData)\b|\\AppData\\|\\Users\\Public\\|GetTempPath\s*\(/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and uint32(0) != 0x464C457F
        and any of ($dl*) and any of ($run*)
        // droppers are short: a TEMP path or a hidden window is ordinary in a long build or install script.
        // Size is this rule's signal (size_signal meta), not a guard against slow scans.
        and (any of ($src_*) or (filesize < 8KB and ($hidden or $drop)))
}

rule SCAM_Dropper_Batch_Download_Execute
{
    meta:
        description = "Batch/cmd dropper: bitsadmin /transfer, certutil -urlcache, curl or PowerShell fetches into TEMP/AppData/Public or from plain HTTP or a raw IP, then start/call/wscript/mshta/rundll32/msiexec runs the result"
        author = "scamscan project"
        date = "2026-11-30"
        reference = "https://lolbas-project.github.io/lolbas/Binaries/Certutil/"
        severity = "medium"
        score = 60
        sample = "samples/lures/droppers/driver_repair.cmd"

    strings:
        $dl1 = /\bbitsadmin(\.exe)?\s+\/transfer\b/ ascii wide nocase
        $dl2 = /\bcertutil(\.exe)?\s+[^\r\n]{0,40}-urlcache\b/ ascii wide nocase
        $dl3 = /\bcurl(\.exe)?\s+[^\r\n]{0,200}(-o\s|--output\s|-O\b)/ ascii wide nocase
        $dl4 = /\b(powershell|pwsh)(\.exe)?\s[^\r\n]{0,300}(Invoke-WebRequest|iwr|DownloadFile|Start-BitsTransfer)/ ascii wide nocase
        $run = /(^|[&\r\n]|\s)(start(\s+\/[a-z]+)*\s+["']?[^\r\n]{0,200}\.(exe|bat|cmd|vbs|js|hta|msi|scr|dll)|call\s+["']?%[a-z]+%|(wscript|cscript|mshta|rundll32|regsvr32|msiexec)(\.exe)?\s+[^\r\n]{0,200}%(temp|tmp|appdata|public|localappdata)%)/ ascii wide nocase
        $where1 = /%(temp|tmp|appdata|localappdata|public|programdata)%/ ascii wide nocase
        $where2 = /["'\s]http:\/\/[a-z0-9]/ ascii wide nocase
        $where3 = /https?:\/\/\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}[:\/]/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and uint32(0) != 0x464C457F
        and any of ($dl*) and $run and any of ($where*)
}

rule SCAM_ClickFix_LOLBin_Paste_Run
{
    meta:
        description = "ClickFix beyond PowerShell: a page or text that puts a living-off-the-land command on the clipboard or tells the reader to press Win+R and paste it - msiexec /i http, mshta http, rundll32 with a UNC/HTTP/javascript: target, certutil -urlcache, curl ... | cmd, bitsadmin /transfer, conhost --headless, powershell -e <base64>"
        author = "scamscan project"
        date = "2026-11-30"
        reference = "https://www.microsoft.com/en-us/security/blog/2025/08/21/think-before-you-clickfix-analyzing-the-clickfix-social-engineering-technique/"
        severity = "high"
        score = 85
        sample = "samples/lures/droppers/clickfix_msiexec.html, samples/lures/droppers/clickfix_curl_cmd.txt, samples/lures/droppers/clickfix_concat.html"

    strings:
        $l_msiexec = /\bmsiexec(\.exe)?\s+[^\r\n"'`<]{0,40}(\/i|\/package|-i|\/q[a-z]*\s+\/i)\s*["']?(https?|hxxps?):\/\// ascii wide nocase
        $l_mshta = /\bmshta(\.exe)?\s+["']?(https?:\/\/|vbscript:|javascript:|\\\\)/ ascii wide nocase
        $l_rundll = /\brundll32(\.exe)?\s+["']?(\\\\[a-z0-9.@-]+\\|https?:\/\/|[^\r\n]{0,40}javascript:)/ ascii wide nocase
        $l_certutil = /\bcertutil(\.exe)?\s+[^\r\n]{0,40}-urlcache\s[^\r\n]{0,40}https?:\/\// ascii wide nocase
        $l_curl = /\bcurl(\.exe)?\s+[^\r\n|]{0,300}https?:\/\/[^\r\n|]{0,300}\|\s*(cmd|powershell|pwsh|sh|bash)\b/ ascii wide nocase
        $l_bits = /\bbitsadmin(\.exe)?\s+\/transfer\s[^\r\n]{0,200}https?:\/\// ascii wide nocase
        $l_conhost = /\bconhost(\.exe)?\s+--headless\b/ ascii wide nocase
        $l_psenc = /\b(powershell|pwsh)(\.exe)?\s[^\r\n"'`<]{0,80}-e(nc|ncodedcommand|c)?\s+[A-Za-z0-9+\/]{40,}/ ascii wide nocase
        $clip1 = /navigator\.clipboard\.writeText\s*\(/ ascii wide
        $clip2 = /document\.execCommand\s*\(\s*["']copy["']\s*\)/ ascii wide nocase
        $clip3 = /clipboardData\.setData\s*\(/ ascii wide
        $winr = /\bWin(dows)?(\s*(key|logo key|button|\+|-))?\s*\+?\s*["']?R\b/ ascii wide nocase
        $paste = /\b(Ctrl|Control|Strg)\s*\+\s*["']?V\b/ ascii wide nocase
        $runbox = /\b(Run dialog|Run box|Ausf(\xc3\xbc|u)hren-Dialog|Executar|Ex(\xc3\xa9|e)cuter)\b/ ascii wide nocase
        // awareness pages and detection write-ups name the trick; lures do not
        $aware = /\b(clickfix|fake captcha|social engineering|this technique|threat actors?|detection rule)\b/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and any of ($l_*)
        and (any of ($clip*) or ($winr and ($paste or $runbox)))
        and not $aware
}

rule SCAM_Dropper_HTML_Smuggling_Executable
{
    meta:
        description = "HTML smuggling of a program, under any script name: a base64 blob decoded with atob into a Blob, turned into an object URL and saved with a .exe/.msi/.scr/.hta/.js/.vbs/.lnk/.iso name (the jquery-named dropper of the fake Falcon Crash Reporter site, renamed); sites that export PDFs, images or ZIPs this way do not match"
        author = "scamscan project"
        date = "2026-11-30"
        reference = "https://attack.mitre.org/techniques/T1027/006/"
        severity = "medium"
        score = 60
        sample = "samples/lures/droppers/app.bundle.js"

    strings:
        $atob = /\batob\s*\(/ ascii wide
        $blob = /new\s+Blob\s*\(/ ascii wide
        $url = "createObjectURL" ascii wide
        $dl = /\.download\s*=\s*["'][^"'\r\n]{1,120}\.(exe|msi|msix|scr|js|jse|vbs|vbe|wsf|hta|iso|img|vhd|vhdx|lnk|bat|cmd|ps1)["']/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and $atob and $blob and $url and $dl
}
