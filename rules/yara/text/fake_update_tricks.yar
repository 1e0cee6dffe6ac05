/*
   scamscan - fake-update and "fix it" tricks that recur for every brand:
   ClickFix paste-and-run pages, ClearFake/SocGholish browser updates, HTML-smuggling
   droppers dressed as jQuery, double extensions and right-to-left overrides in file
   names, PowerShell download cradles, encoded commands, mshta/rundll32 one-liners.

   See crowdstrike_outage.yar for the header conventions (externals, scores).
   Scores: low 10-25, medium 30-60, high 70-90, critical 100.
   Item verdict: suspicious at >= 30, malicious at >= 70 (sum of findings, clamped 0..100).
*/

rule SCAM_ClickFix_Clipboard_Command
{
    meta:
        description = "ClickFix page: JavaScript writes a shell command (PowerShell, mshta, cmd, rundll32, msiexec ...) to the clipboard and the page tells the user to press Win+R / Ctrl+V (paste-and-run)"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://www.microsoft.com/en-us/security/blog/2025/08/21/think-before-you-clickfix-analyzing-the-clickfix-social-engineering-technique/"
        severity = "high"
        score = 85
        sample = "samples/lures/clickfix_captcha.html, samples/lures/clickfix_fix_it.html"

    strings:
        $clip1 = /navigator\.clipboard\.writeText\s*\(/ ascii wide
        $clip2 = /document\.execCommand\s*\(\s*["']copy["']\s*\)/ ascii wide nocase
        $clip3 = /clipboardData\.setData\s*\(/ ascii wide
        // a command at the start of a JS string literal or of a hidden textarea/input value
        $cmd = /(["'`>]|value\s*=\s*["'])\s*(powershell|pwsh|mshta|rundll32|msiexec|conhost|wscript|cscript|certutil|bitsadmin|curl|cmd(\.exe)?\s+\/[ck])(\.exe)?\s[^"'`<\r\n]{6}/ ascii wide nocase
        $winr = /\bWin(dows)?(\s*(key|logo key|button))?\s*\+\s*["']?R\b/ ascii wide nocase
        $ctrlv = /\b(Ctrl|Control)\s*\+\s*["']?V\b/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and any of ($clip*)
        and $cmd
        and ($winr or $ctrlv)
}

rule SCAM_ClickFix_Paste_Run_Instructions
{
    meta:
        description = "Fake CAPTCHA / human-verification text instructing the reader to press Win+R, then Ctrl+V, then Enter (ClickFix paste-and-run); awareness texts that name the scam are excluded"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://www.proofpoint.com/us/blog/threat-insight/security-brief-clickfix-social-engineering-technique-floods-threat-landscape"
        severity = "medium"
        score = 50
        sample = "samples/lures/clickfix_captcha.html"

    strings:
        $winr = /\bWin(dows)?(\s*(key|logo key|button))?\s*\+\s*["']?R\b/ ascii wide nocase
        $ctrlv = /\b(Ctrl|Control)\s*\+\s*["']?V\b/ ascii wide nocase
        $enter = /\b(press|hit|tap|then)\s+(the\s+)?["']?Enter\b/ ascii wide nocase
        $ctx = /(verify (that )?you are (a )?human|I'?m not a robot|I am not a robot|captcha|verification (steps?|failed|id|code)|human verification|prove you are human)/ ascii wide nocase
        // awareness pages name the trick; lure pages do not
        $aware = /\b(clickfix|fake captcha|fake verification|scam|scams|scammers?|phishing|social engineering)\b/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and $ctx and $enter and not $aware
        and for any i in (1..#winr) : ( $ctrlv in (@winr[i] .. @winr[i] + 400) )
}

rule SCAM_FakeUpdate_Browser_Update_Download
{
    meta:
        description = "ClearFake/SocGholish-style fake browser update page: 'update your browser' / 'Chrome|Edge|Firefox update' text with a download of a script or archive named like a browser update (.js/.zip/.hta ...); browser vendors ship updates as signed installers from their own sites"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://www.proofpoint.com/us/blog/threat-insight/are-you-sure-your-browser-date-current-landscape-fake-browser-updates"
        severity = "high"
        score = 75
        sample = "samples/lures/edge_update_clearfake.html, samples/lures/browser_update.html"

    strings:
        $html1 = "<html" ascii wide nocase
        $html2 = "<!doctype html" ascii wide nocase
        $html3 = "<body" ascii wide nocase
        $upd1 = /\b(chrome|edge|firefox|opera|brave|browser)\s+(security\s+)?update\b/ ascii wide nocase
        $upd2 = /\bupdate\s+(your\s+|the\s+)?(web\s+)?(chrome|edge|firefox|opera|brave|browser)\b/ ascii wide nocase
        $upd3 = /\b(chrome|edge|firefox|opera|browser)\s+(needs|requires|must)\s+(to\s+)?(be\s+)?updat/ ascii wide nocase
        $dl_href = /href\s*=\s*["'][^"'<>\s]{0,300}(chrome|edge|firefox|opera|brave|browser|update)[^"'<>\s\/]{0,100}\.(js|jse|vbs|vbe|wsf|hta|zip|rar|7z|iso|img|vhd|lnk)["'?#]/ ascii wide nocase
        $dl_attr = /\sdownload\s*=\s*["'][^"'<>]{0,100}(chrome|edge|firefox|opera|brave|browser|update)[^"'<>]{0,100}\.(js|jse|vbs|vbe|wsf|hta|zip|rar|7z|iso|img|vhd|lnk)["']/ ascii wide nocase
        $dl_js = /(location(\.href)?\s*=|window\.open\s*\()\s*["'][^"'<>\s]{0,300}(chrome|edge|firefox|opera|brave|browser|update)[^"'<>\s\/]{0,100}\.(js|jse|vbs|vbe|wsf|hta|zip|rar|7z|iso|img|vhd|lnk)["']/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and (filetype == "HTML" or any of ($html*))
        and any of ($upd*)
        and any of ($dl_*)
}

rule SCAM_FakeUpdate_Browser_Update_WSH_Script
{
    meta:
        description = "Windows Script Host script (.js/.jse/.vbs/.wsf/.hta) named like a browser update (e.g. Chrome.Update.*.js, the SocGholish/FakeUpdates payload); browsers never update through WSH scripts"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://proofpoint.com/us/blog/email-and-cloud-threats/socgholish-malware-healthcare-sector"
        severity = "high"
        score = 75
        sample = "samples/lures/Chrome.Update.zip"
        name_signal = "name plus content: a WSH script named as a browser update is a lure even before it downloads anything; renamed copies (update.js) are judged on behaviour by SCAM_Dropper_WSH_Download_Execute"

    strings:
        $wsh1 = /new\s+ActiveXObject\s*\(/ ascii wide nocase
        $wsh2 = /\bWScript\.(Shell|CreateObject|Echo|Sleep|ScriptFullName|Arguments)\b/ ascii wide nocase
        $wsh3 = /\bCreateObject\s*\(\s*["'](WScript|Scripting|MSXML2|WinHttp|ADODB|Shell)\./ ascii wide nocase
        $wsh4 = /\bGetObject\s*\(\s*["'](winmgmts|script):/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and filename matches /(chrome|edge|firefox|opera|brave|browser)[ ._-]?(update|updater|upgrade|setup|install)[^\\\/]*\.(js|jse|vbs|vbe|wsf|wsh|hta)$/i
        and any of ($wsh*)
}

rule SCAM_FakeUpdate_Fake_JQuery_Dropper
{
    meta:
        description = "File named like jQuery (jquery-*.js) that assembles an embedded base64 payload into a Blob and triggers a download of an archive/executable (HTML smuggling dressed as a library, as in the inauthentic CrowdStrike Crash Reporter site)"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://www.crowdstrike.com/blog/malicious-inauthentic-falcon-crash-reporter-installer-spearphishing/"
        severity = "high"
        score = 75
        sample = "samples/lures/crash_reporter_site/jquery-3.7.1.min.js"
        name_signal = "name plus content: smuggling a ZIP is what download pages do too, so the library name is what makes it a lure; a renamed script smuggling a program is SCAM_Dropper_HTML_Smuggling_Executable"

    strings:
        $atob = /\batob\s*\(/ ascii wide
        $blob = /new\s+Blob\s*\(/ ascii wide
        $url = "createObjectURL" ascii wide
        $dl = /\.download\s*=\s*["'][^"'\r\n]{1,120}\.(zip|exe|msi|msix|scr|js|hta|iso|img|vhd|vhdx|rar|7z|lnk)["']/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and filename matches /^jquery[\w.\-]*\.js$/i
        and $atob and $blob and $url and $dl
}

rule SCAM_FakeUpdate_PS_Cradle_IEX
{
    meta:
        description = "'Fix'/update script that runs code fetched from the network (IEX (New-Object Net.WebClient).DownloadString, iwr|iex, irm|iex) from a plain-HTTP or raw-IP URL, a fix/update-named script URL, or a hidden window; HTTPS installer one-liners such as 'irm https://get.scoop.sh | iex' do not match"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://attack.mitre.org/techniques/T1059/001/"
        severity = "medium"
        score = 50
        sample = "samples/lures/teams_fix_cradle.ps1, samples/lures/browser_fix_cradle.ps1, samples/lures/falcon_sensor_update.hta, samples/lures/containers/falcon_hotfix.rar, samples/lures/containers/falcon_hotfix.cab, samples/lures/containers/windows10.0-kb5040442-x64.msu"

    strings:
        // URL forms that real installer one-liners do not use
        // (plain http, a raw IPv4 address, or a script named fix/update/patch)
        $c_dls = /DownloadString\s*\(\s*["']?(http:\/\/|https?:\/\/\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}[:\/]|https?:\/\/[^"'\s)]{1,200}(fix|repair|recover|patch|update)[^"'\s)\/]{0,60}\.(ps1|txt|hta|bat|cmd|vbs|js)["')])/ ascii wide nocase
        $c_var = /\$\w+\s*=\s*["'](http:\/\/|https?:\/\/\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}[:\/])[^"'\r\n]{1,200}["'][^\r\n]{0,4}[\r\n][\s\S]{0,300}\b(iex|Invoke-Expression)\b[^\r\n]{0,80}DownloadString\s*\(\s*\$/ ascii wide nocase
        $c_pipe = /\b(iwr|irm|Invoke-WebRequest|Invoke-RestMethod|curl|wget)\s+(-Uri\s+)?["']?(http:\/\/|https?:\/\/\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}[:\/]|https?:\/\/[^"'\s|]{1,200}(fix|repair|recover|patch|update)[^"'\s|\/]{0,60}\.(ps1|txt))[^|\r\n]{0,200}\|\s*(iex|Invoke-Expression)\b/ ascii wide nocase
        $c_hidden = /\b(powershell|pwsh)(\.exe)?["']?\s[^\r\n]{0,100}-w(in(dow(style)?)?)?\s+(h(idden)?|1)\b[^\r\n]{0,300}(DownloadString|\biwr\b|\birm\b|Invoke-WebRequest|Invoke-RestMethod|Net\.WebClient)/ ascii wide nocase
        $iex = /(\bIEX\b|Invoke-Expression|\|\s*iex\b)/ ascii wide nocase
        $theme = /\b(fix|fixes|hotfix|repair|recovery|remediation|update|patch)\b/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and uint32(0) != 0x464C457F
        and $iex and $theme
        and any of ($c_*)
}

rule SCAM_FakeUpdate_PS_Download_Run_Temp
{
    meta:
        description = "'Fix'/repair script that downloads an executable or script into TEMP/AppData/Public (Start-BitsTransfer, DownloadFile, Invoke-WebRequest -OutFile) and starts it"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://attack.mitre.org/techniques/T1105/"
        severity = "medium"
        score = 40
        sample = "samples/lures/zoom_repair_bits.ps1, samples/lures/crowdstrike_fix.ps1"

    strings:
        $dl1 = /\bStart-BitsTransfer\b/ ascii wide nocase
        $dl2 = /\.DownloadFile(Async)?\s*\(/ ascii wide nocase
        $dl3 = /\b(Invoke-WebRequest|iwr|Invoke-RestMethod|irm|curl|wget)\b[^\r\n]{0,300}\s-OutFile\b/ ascii wide nocase
        $tmp = /\$env:(TEMP|TMP|APPDATA|LOCALAPPDATA|PUBLIC|ProgramData)\b|%(TEMP|TMP|APPDATA|PUBLIC)%|\\AppData\\|\\Users\\Public\\|GetTempPath\s*\(|GetTempFileName\s*\(/ ascii wide nocase
        $run = /\b(Start-Process|saps|Invoke-Item)\b|\bcmd(\.exe)?\s+\/c\s+start\b/ ascii wide nocase
        $exe = /\.(exe|scr|msi|bat|cmd|hta|js|vbs|pif|com)["']/ ascii wide nocase
        $theme = /\b(fix|fixes|hotfix|repair|recovery|remediation|patch)\b/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and uint32(0) != 0x464C457F
        and any of ($dl*) and $tmp and $run and $exe and $theme
}

rule SCAM_FakeUpdate_PS_EncodedCommand_Hidden
{
    meta:
        description = "PowerShell started with a base64 -EncodedCommand from a hidden window, or with a very long encoded blob, as used by fake fix/update scripts to hide what they run"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://attack.mitre.org/techniques/T1027/010/"
        severity = "medium"
        score = 50
        sample = "samples/lures/outlook_fix_encoded.cmd, samples/lures/browser_fix_cradle.ps1"

    strings:
        $enc_hidden1 = /\b(powershell|pwsh)(\.exe)?["']?(\s[^\r\n]{0,200})?\s-w(in(dow(style)?)?)?\s+(h(idden)?|1)\b[^\r\n]{0,200}\s-e[a-z]{0,14}\s+["']?[A-Za-z0-9+\/]{40,}/ ascii wide nocase
        $enc_hidden2 = /\b(powershell|pwsh)(\.exe)?["']?(\s[^\r\n]{0,200})?\s-e[a-z]{0,14}\s+["']?[A-Za-z0-9+\/]{40,}={0,2}["']?\s[^\r\n]{0,200}-w(in(dow(style)?)?)?\s+(h(idden)?|1)\b/ ascii wide nocase
        $enc_long = /\b(powershell|pwsh)(\.exe)?["']?(\s[^\r\n]{0,200})?\s-e[a-z]{0,14}\s+["']?[A-Za-z0-9+\/]{200,}/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and uint32(0) != 0x464C457F
        and any of them
}

rule SCAM_FakeUpdate_Mshta_Rundll32_Remote
{
    meta:
        description = "Fix/update script or page with an mshta or rundll32 one-liner that runs remote or inline script (mshta http(s)/vbscript:/javascript:, rundll32 javascript:, url.dll OpenURL http, DLL from a UNC/WebDAV share)"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://attack.mitre.org/techniques/T1218/"
        severity = "high"
        score = 70
        sample = "samples/lures/printer_fix_mshta.bat, samples/lures/clickfix_fix_it.html"

    strings:
        $mshta = /\bmshta(\.exe)?["']?\s+["']?(https?:\/\/|hxxps?:\/\/|vbscript:|javascript:|\\\\[a-z0-9.@-]+\\)/ ascii wide nocase
        $r_js = /\brundll32(\.exe)?["']?\s+[^\r\n]{0,40}javascript:/ ascii wide nocase
        $r_url = /\brundll32(\.exe)?["']?\s+(url\.dll|ieframe\.dll|shdocvw\.dll|shell32\.dll)\s*,\s*(OpenURL|OpenURLA|FileProtocolHandler|ShellExec_RunDLL)\s+["']?(https?|hxxps?):\/\// ascii wide nocase
        $r_unc = /\brundll32(\.exe)?["']?\s+["']?\\\\[a-z0-9.@-]+\\[^\r\n]{1,200}\.(dll|cpl|ocx|dat|png|jpg)/ ascii wide nocase
        $r_http = /\brundll32(\.exe)?["']?\s+["']?(https?|hxxps?):\/\// ascii wide nocase
        $theme = /\b(fix|fixes|fix it|hotfix|repair|recovery|remediation|update|patch|verify|verification)\b/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and uint32(0) != 0x464C457F
        and ($mshta or any of ($r_*))
        and $theme
}
