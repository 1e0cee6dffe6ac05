/*
   scamscan - lures seen after the CrowdStrike Falcon / Windows outage of 19 July 2024.

   Rules match whole items: archive members are extracted and scanned on their own,
   and archives are also scanned raw (stored central-directory names are visible).
   External variables (filename, filepath, extension, filetype, owner, scamscan_type,
   parent_type, depth, from_email, in_archive) are defined by the scanner.

   Scores: low 10-25, medium 30-60, high 70-90, critical 100.
   Item verdict: suspicious at >= 30, malicious at >= 70 (sum of findings, clamped 0..100).
*/

rule SCAM_CS_Hotfix_Instructions_ES
{
    meta:
        description = "Spanish instructions telling the reader to run Setup.exe as a CrowdStrike hotfix/update (crowdstrike-hotfix.zip lure, HijackLoader/Remcos campaign against LATAM/BBVA users)"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://www.crowdstrike.com/blog/likely-ecrime-actor-capitalizing-on-falcon-sensor-issues/"
        severity = "high"
        score = 75
        sample = "samples/lures/crowdstrike_hotfix_es/instrucciones.txt, samples/lures/crowdstrike-hotfix.zip, samples/lures/nested/hotfix_bundle.zip.gz"

    strings:
        $brand = "crowdstrike" ascii wide nocase
        $setup = "setup.exe" ascii wide nocase
        // imperative "run it": ejecute / ejecuta / ejecutar
        $run = /\bejecut(e|a|ar)\b/ ascii wide nocase
        $es1 = "instrucciones" ascii wide nocase
        $es2 = "actualizaci" ascii wide nocase        // actualización / actualizacion
        $es3 = "hotfix" ascii wide nocase
        $es4 = "descomprim" ascii wide nocase         // descomprima / descomprimir
        $es5 = "administrador" ascii wide nocase
        $es6 = "instalaci" ascii wide nocase          // instalación / instalacion

    condition:
        uint16(0) != 0x5A4D
        and $brand and $setup and $run
        and 2 of ($es*)
}

rule SCAM_CS_FixScript_Delete_And_Download
{
    meta:
        description = "Batch/PowerShell 'fix' script that deletes the Falcon channel file C-00000291*.sys and also downloads or runs something; genuine remediation only deletes the file"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://digit.in/news/general/crowdstrike-warns-about-these-phishing-and-fraud-attempts-following-global-outage.html/amp"
        severity = "high"
        score = 80
        sample = "samples/lures/crowdstrike_fix.bat, samples/lures/crowdstrike_fix.ps1, samples/lures/nested/deep_lure.zip, samples/lures/mail/falcon_winmail.eml, samples/lures/docs/falcon_remediation.rtf"

    strings:
        $chan = /C-00000291[^\r\n"' ]{0,40}\.sys/ ascii wide nocase
        $del = /\b(del|erase|rm|ri|rmdir|Remove-Item)\b/ ascii wide nocase

        $dl_iwr = /\b(Invoke-WebRequest|Invoke-RestMethod|Start-BitsTransfer)\b/ ascii wide nocase
        $dl_iwr_alias = /\b(iwr|irm)\s+(-Uri\s+)?["']?(https?:|\$)/ ascii wide nocase
        $dl_webclient = /\b(Net\.WebClient|DownloadString|DownloadFile|DownloadData)\b/ ascii wide nocase
        $dl_bits = /\bbitsadmin(\.exe)?\s+[^\r\n]{0,40}\/(transfer|addfile)\b/ ascii wide nocase
        $dl_certutil = /\bcertutil(\.exe)?\s+[^\r\n]{0,60}-urlcache\b/ ascii wide nocase
        $dl_curl = /\b(curl|wget)(\.exe)?\s+[^\r\n]{0,200}https?:\/\// ascii wide nocase
        $dl_iex = /\b(iex|Invoke-Expression)\b/ ascii wide nocase
        $dl_mshta = /\bmshta(\.exe)?\s+["']?(https?|vbscript|javascript):/ ascii wide nocase
        $dl_enc1 = /-enc(odedcommand)?\s+[A-Za-z0-9+\/]{20,}/ ascii wide nocase
        $dl_enc2 = /\x20-ec?\x20+[A-Za-z0-9+\/]{20,}/ ascii wide nocase
        $dl_sp = /\bStart-Process\b[^\r\n]{0,200}(https?:\/\/|\\Temp\\|\$env:TEMP|%TEMP%|AppData)/ ascii wide nocase
        $dl_start_tmp = /\bstart\s+(""\s+)?"?(https?:\/\/|%TEMP%|%APPDATA%|%PUBLIC%)/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and uint32(0) != 0x464C457F
        and $chan and $del
        and any of ($dl_*)
}

rule SCAM_CS_Recovery_Macro_Certutil_Decode
{
    meta:
        description = "VBA module that auto-runs on open and uses certutil -decode plus Shell, like the Daolpu 'New_Recovery_Tool_to_help_with_CrowdStrike_issue_impacting_Windows.docm' lure"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://www.crowdstrike.com/blog/fake-recovery-manual-used-to-deliver-unidentified-stealer/"
        severity = "high"
        score = 80
        sample = "samples/lures/daolpu_recovery_macro.bas, samples/lures/docs/New_Recovery_Tool_to_help_with_CrowdStrike_issue_impacting_Windows.docm"

    strings:
        $vb_name = "Attribute VB_Name" ascii wide nocase
        $vb_sub = /\b(Private\s+|Public\s+)?Sub\s+\w+\s*\(/ ascii wide nocase
        $auto = /\b(AutoOpen|Auto_Open|Document_Open|Workbook_Open|AutoExec|Document_New)\b/ ascii wide nocase
        $certutil = /\bcertutil(\.exe)?\b[^\r\n]{0,80}-decode\b/ ascii wide nocase
        $shell1 = /\bShell\s*\(?\s*"/ ascii wide nocase
        $shell2 = /WScript\.Shell|Shell\.Application|ShellExecute/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and ($vb_name or $vb_sub)
        and $auto and $certutil
        and any of ($shell*)
}

rule SCAM_CS_Fake_Update_Page
{
    meta:
        description = "HTML page branded CrowdStrike that pushes a hotfix/update/recovery-tool download (.exe/.zip/.msi/script)"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://www.crowdstrike.com/blog/lumma-stealer-with-cypherit-phishing-lure/"
        severity = "high"
        score = 70
        sample = "samples/lures/crowdstrike_update_page.html"

    strings:
        $html1 = "<html" ascii wide nocase
        $html2 = "<!doctype html" ascii wide nocase
        $html3 = "<body" ascii wide nocase
        $brand = "crowdstrike" ascii wide nocase
        $lure = /(hotfix|recovery[ -]tool|fix[ -]tool|emergency (update|fix|patch)|critical update|falcon (sensor )?(update|hotfix|fix)|bsod fix|blue screen fix)/ ascii wide nocase
        $dl_href = /href\s*=\s*["'][^"'<>\s]{1,300}\.(exe|zip|msi|msix|scr|bat|cmd|ps1|js|hta|vbs|iso|img|rar|7z)["'?#]/ ascii wide nocase
        $dl_attr = /\sdownload\s*=\s*["'][^"'<>]{1,200}\.(exe|zip|msi|msix|scr|bat|cmd|ps1|js|hta|vbs|iso|img|rar|7z)["']/ ascii wide nocase
        $dl_js = /location(\.href)?\s*=\s*["'][^"'<>\s]{1,300}\.(exe|zip|msi|msix|scr|js|hta|iso)["']/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and (filetype == "HTML" or any of ($html*))
        and $brand and $lure
        and any of ($dl_*)
}
