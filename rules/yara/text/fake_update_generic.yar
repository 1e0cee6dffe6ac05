/*
   scamscan - generic fake-update lures (any brand).

   Scores: low 10-25, medium 30-60, high 70-90, critical 100.
   Item verdict: suspicious at >= 30, malicious at >= 70 (sum of findings, clamped 0..100).
*/

rule SCAM_FakeUpdate_Browser_OutOfDate
{
    meta:
        description = "Fake browser-update page: 'your browser is out of date / update required' text plus a download of an update .exe/.zip/.js/.msi"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://www.cypac.com/post/watch-out-attackers-are-hiding-malware-in-browser-updates"
        severity = "high"
        score = 70
        sample = "samples/lures/browser_update.html"

    strings:
        $html1 = "<html" ascii wide nocase
        $html2 = "<!doctype html" ascii wide nocase
        $html3 = "<body" ascii wide nocase
        $ood1 = /your (web )?browser (version )?is (out[ -]of[ -]date|outdated|too old|no longer supported)/ ascii wide nocase
        $ood2 = /(your )?(version of )?(chrome|firefox|edge|opera|safari) is (out[ -]of[ -]date|outdated|no longer supported)/ ascii wide nocase
        $ood3 = /(browser|chrome|firefox|edge) (update|upgrade) (is )?required/ ascii wide nocase
        $ood4 = /update (your|the) (web )?browser (now|immediately|to continue)/ ascii wide nocase
        $dl_href = /href\s*=\s*["'][^"'<>\s]{1,300}\.(exe|zip|msi|msix|appx|js|jse|hta|vbs|wsf|scr|iso|bat|cmd|lnk)["'?#]/ ascii wide nocase
        $dl_attr = /\sdownload\s*=\s*["'][^"'<>]{1,200}\.(exe|zip|msi|msix|appx|js|jse|hta|vbs|wsf|scr|iso)["']/ ascii wide nocase
        $dl_js = /location(\.href)?\s*=\s*["'][^"'<>\s]{1,300}\.(exe|zip|msi|msix|appx|js|jse|hta|vbs|wsf|scr|iso)["']/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and (filetype == "HTML" or any of ($html*))
        and any of ($ood*)
        and any of ($dl_*)
}

rule SCAM_FakeUpdate_PS_Cradle_EncodedCommand
{
    meta:
        description = "'Fix'/update script combining a PowerShell download cradle with a base64 -EncodedCommand, or with IEX run from a hidden window (plain 'irm URL | iex' installer one-liners do not match)"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_powershell_download_iex.yml"
        severity = "medium"
        score = 50
        sample = "samples/lures/browser_fix_cradle.ps1, samples/lures/crowdstrike_fix.ps1"

    strings:
        $cradle1 = /\b(DownloadString|DownloadData|DownloadFile)\s*\(/ ascii wide nocase
        $cradle2 = /\b(Invoke-WebRequest|Invoke-RestMethod|Start-BitsTransfer)\b/ ascii wide nocase
        $cradle3 = /\b(iwr|irm)\s+(-Uri\s+)?["']?(https?:|\$)/ ascii wide nocase
        $exec_iex = /(\bIEX\b|Invoke-Expression|\|\s*iex\b)/ ascii wide nocase
        $exec_enc1 = /-enc(odedcommand)?\s+[A-Za-z0-9+\/]{20,}/ ascii wide nocase
        $exec_enc2 = /\x20-ec?\x20+[A-Za-z0-9+\/]{20,}/ ascii wide nocase
        $hidden1 = /-windowstyle\s+(hidden|1)\b/ ascii wide nocase
        $hidden2 = /\x20-w(in)?\x20+(h|hidden|1)\b/ ascii wide nocase
        $theme = /\b(fix|fixes|hotfix|repair|recovery|remediation|update|patch)\b/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and uint32(0) != 0x464C457F
        and any of ($cradle*)
        and (any of ($exec_enc*) or ($exec_iex and any of ($hidden*)))
        and $theme
}
