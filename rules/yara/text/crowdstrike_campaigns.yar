/*
   scamscan - more steps of the lure campaigns that followed the CrowdStrike Falcon /
   Windows outage of 19 July 2024: fake Falcon sensor update / crash reporter installers
   (Lumma via an MSI loader, the German-entity Inno Setup "Crash Reporter", Ciro), their
   download pages, and the phishing e-mails (Handala wiper from crowdstrike.com.vc,
   Connecio "CrowdStrike Falcon.zip").

   See crowdstrike_outage.yar for the header conventions (externals, scores).
   Scores: low 10-25, medium 30-60, high 70-90, critical 100.
   Item verdict: suspicious at >= 30, malicious at >= 70 (sum of findings, clamped 0..100).
*/

rule SCAM_CS_Falcon_Fake_Installer_Script
{
    meta:
        description = "Installer source or script (WiX/MSI, Inno Setup, NSIS) branded as a CrowdStrike Falcon sensor update/hotfix or 'Crash Reporter' that runs or unpacks a payload from a temp folder or the network; CrowdStrike ships its sensor only as its own signed installer (Lumma MSI loader, German-entity Inno Setup crash reporter, Ciro MSI)"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://www.crowdstrike.com/blog/lumma-stealer-with-cypherit-phishing-lure/"
        severity = "high"
        score = 80
        sample = "samples/lures/falcon_sensor_update.wxs, samples/lures/falcon_crash_reporter_setup.iss"

    strings:
        $brand = /crowdstrike|falcon[ _-]?sensor/ ascii wide nocase
        $prod1 = /falcon[ _-]?sensor[ _-]?(update|updater|hotfix|fix|patch|recovery)/ ascii wide nocase
        $prod2 = /crash[ _-]?reporter/ ascii wide nocase
        $prod3 = /crowdstrike[ _-]?(falcon[ _-]?)?(update|updater|hotfix|fix|patch|recovery)/ ascii wide nocase

        // Inno Setup script sections
        $inno1 = "[Setup]" ascii wide nocase
        $inno2 = /\bAppName\s*=/ ascii wide nocase
        $inno3 = "[Run]" ascii wide nocase
        $inno4 = "[Files]" ascii wide nocase
        // WiX / MSI source
        $wix1 = "<Wix" ascii wide
        $wix2 = /<(Product|Package)\s/ ascii wide
        $wix3 = "<CustomAction" ascii wide
        $wix4 = "InstallExecuteSequence" ascii wide
        // NSIS script
        $nsis1 = /\bOutFile\s+"/ ascii wide
        $nsis2 = /\b(ExecWait|nsExec::Exec|nsExec::ExecToLog|ExecShell)\b/ ascii wide
        $nsis3 = /\bSection\s+"/ ascii wide

        $x_tool = /\b(powershell|pwsh|mshta|rundll32|regsvr32|wscript|cscript|certutil|bitsadmin|lli)(\.exe)?\b|\bcmd(\.exe)?\s+\/[ck]\b/ ascii wide nocase
        $x_tmp = /(\{tmp\}|\[TempFolder\]|\$TEMP|\$PLUGINSDIR|%TEMP%|\$env:TEMP|\\AppData\\)\\?[^"'\r\n]{0,80}\.(exe|pif|scr|cmd|bat|dll|js|jse|vbs|hta|ps1|a3x|au3|bc)\b/ ascii wide nocase
        $x_url = /(https?|hxxps?):\/\/[^\s"'<>]{4}/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and uint32(0) != 0x464C457F
        and $brand and any of ($prod*)
        and (2 of ($inno*) or 2 of ($wix*) or 2 of ($nsis*))
        and any of ($x_*)
}

rule SCAM_CS_Falcon_Update_HTA
{
    meta:
        description = "HTML Application (HTA) presenting itself as a CrowdStrike/Falcon update, hotfix or recovery tool whose script runs a shell command (WScript.Shell/Shell.Application)"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://attack.mitre.org/techniques/T1218/005/"
        severity = "high"
        score = 80
        sample = "samples/lures/falcon_sensor_update.hta"

    strings:
        $hta = /<hta:application\b/ ascii wide nocase
        $brand = /crowdstrike|falcon[ _-]?sensor/ ascii wide nocase
        $lure = /\b(update|updater|hotfix|fix|patch|recovery|crash[ _-]?reporter|remediation)\b/ ascii wide nocase
        $shell = /WScript\.Shell|Shell\.Application|\bShellExecute\b/ ascii wide nocase
        $run = /\.(Run|Exec|ShellExecute)\s*\(?\s*["'(]/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and ($hta or extension == ".hta")
        and $brand and $lure and $shell and $run
}

rule SCAM_CS_CrashReporter_Download_Page
{
    meta:
        description = "Web page offering a 'CrowdStrike Crash Reporter' (or Falcon crash reporter) for download or installation, as on the German-language spear-phishing site of July 2024 (the real sensor has no separately downloaded crash reporter)"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://www.crowdstrike.com/blog/malicious-inauthentic-falcon-crash-reporter-installer-spearphishing/"
        severity = "high"
        score = 70
        sample = "samples/lures/crash_reporter_site/index.html"

    strings:
        $html1 = "<html" ascii wide nocase
        $html2 = "<!doctype html" ascii wide nocase
        $html3 = "<body" ascii wide nocase
        $brand = /crowdstrike|falcon/ ascii wide nocase
        $crash = /crash[ _-]?reporter/ ascii wide nocase
        $dl_href = /href\s*=\s*["'][^"'<>\s]{1,300}\.(exe|zip|msi|msix|scr|js|hta|iso|img|rar|7z)["'?#]/ ascii wide nocase
        $dl_attr = /\sdownload\s*=\s*["'][^"'<>]{1,200}["']/ ascii wide nocase
        $dl_click = /onclick\s*=\s*["'][^"'<>]{0,80}(download|herunterladen|install|dl)\w*\s*\(/ ascii wide nocase
        $dl_blob = /createObjectURL|msSaveOrOpenBlob|\.download\s*=/ ascii wide
        $dl_word = />\s*(Download|Herunterladen|Descargar|T\xc3\xa9l\xc3\xa9charger|Installieren|Install)\b/ ascii wide nocase

    condition:
        uint16(0) != 0x5A4D
        and (filetype == "HTML" or any of ($html*))
        and $brand and $crash
        and (any of ($dl_href, $dl_attr, $dl_click, $dl_blob) and $dl_word)
}

rule SCAM_CS_Phishing_Update_Email
{
    meta:
        description = "E-mail using the CrowdStrike brand that urgently asks the reader to run/install an update, hotfix or recovery tool delivered as a downloadable archive/executable or as an attachment (Handala wiper mail from crowdstrike.com.vc linking Crowdstrike.zip; Connecio 'CrowdStrike Falcon.zip' attachment). Genuine CrowdStrike notices point to the support portal and never send a file to run"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://cirt.gy/article/al2024_22-fake-crowdstrike-fixes-push-malware-and-data-wipers-23rd-july-2024"
        severity = "high"
        score = 75
        sample = "samples/lures/crowdstrike_update_wiper.eml, samples/lures/falcon_hotfix_attachment.eml"

    strings:
        $hdr_from = /(^|\n)From:[ \t]/ ascii
        $hdr_subj = /\nSubject:[ \t]/ ascii
        $brand = "crowdstrike" ascii wide nocase
        $urg = /\b(urgent|urgently|immediately|immediate action|action required|as soon as possible|asap|mandatory|within 24 hours|dringend|sofort|urgente|inmediatamente)\b/ ascii wide nocase
        $upd = /\b(hot[ -]?fix|update|patch|fix[ -]?tool|recovery[ -]?tool|repair[ -]?tool|remediation[ -]?tool|installer|setup)\b/ ascii wide nocase
        $run = /\b(run|execute|install|open|launch|double[ -]click|extract|unzip)\b[^\r\n.]{0,60}\b(attach\w*|archive|zip|exe|installer|setup|tool|hotfix|update|package)\b/ ascii wide nocase
        $link = /(https?|hxxps?):\/\/[^\s"'<>]{1,300}\.(exe|zip|rar|7z|msi|msix|scr|js|hta|iso|img|bat|cmd|ps1|vbs|docm|xlsm)\b/ ascii wide nocase
        $att1 = /Content-Disposition:[ \t]*attachment;[^\r\n]{0,40}(\r?\n[ \t]+)?filename\*?=[ \t]*"?[^"\r\n]{1,200}\.(exe|zip|rar|7z|msi|msix|scr|js|hta|iso|img|bat|cmd|ps1|vbs|docm|xlsm)"?/ ascii nocase
        $att2 = /Content-Type:[ \t]*[a-z\-]+\/[a-z0-9.+\-]+;[^\r\n]{0,40}(\r?\n[ \t]+)?name\*?=[ \t]*"?[^"\r\n]{1,200}\.(exe|zip|rar|7z|msi|msix|scr|js|hta|iso|img|bat|cmd|ps1|vbs|docm|xlsm)"?/ ascii nocase

    condition:
        (filetype == "EMAIL" or from_email or ($hdr_from and $hdr_subj))
        and $brand and $urg and $upd and $run
        and ($link or $att1 or $att2)
}
