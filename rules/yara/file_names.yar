/*
   scamscan - rules over names and archive directories, matched on every item of
   any type (the rules under text/ only see text-like items).

   Scores: low 10-25, medium 30-60, high 70-90, critical 100.
   Item verdict: suspicious at >= 30, malicious at >= 70 (sum of findings, clamped 0..100).
*/

rule SCAM_CS_Hotfix_Zip_Names
{
    meta:
        description = "ZIP whose stored names pair Setup.exe with Spanish instrucciones*.txt, named or labelled as a CrowdStrike hotfix (crowdstrike-hotfix.zip lure)"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://www.crowdstrike.com/blog/likely-ecrime-actor-capitalizing-on-falcon-sensor-issues/"
        severity = "high"
        score = 80
        sample = "samples/lures/crowdstrike-hotfix.zip, samples/lures/nested/hotfix_bundle.zip.gz"
        name_signal = "content first: the stored names Setup.exe + instrucciones*.txt are required; the archive's own name is only one of two ways to learn the brand (the other is a stored name)"

    strings:
        // central directory file header: "PK\x01\x02", 42 fixed bytes, then the name
        $cd_setup = /PK\x01\x02.{42}[\x20-\x7e]{0,96}setup\.exe/is
        $cd_instr = /PK\x01\x02.{42}[\x20-\x7e]{0,96}instrucciones[\x20-\x7e]{0,24}\.txt/is
        $cd_brand = /PK\x01\x02.{42}[\x20-\x7e]{0,96}(crowdstrike|falcon|hotfix)/is

    condition:
        (uint32(0) == 0x04034B50 or filetype == "ZIP")
        and $cd_setup and $cd_instr
        and ($cd_brand or filename matches /(crowdstrike|falcon|hotfix)/i)
}

rule SCAM_FakeUpdate_Double_Extension_Name
{
    meta:
        description = "Item whose file name hides an executable or script type behind a document/media extension (Invoice.pdf.exe, report.docx.js, photo.jpg .scr); ordinary multi-dot names (archive.tar.gz, report.final.pdf, lib.min.js) do not match"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://attack.mitre.org/techniques/T1036/007/"
        severity = "high"
        score = 70
        sample = "samples/lures/invoice.docx.js, samples/lures/double_extension.zip"
        name_signal = "the name is the trick itself (a program dressed as a document); what the file does is judged by the content rules (SCAM_Dropper_*, the pe and brand checks)"

    condition:
        filename matches /\.(pdf|docx?|docm|xlsx?|xlsm|pptx?|rtf|odt|txt|jpe?g|png|gif|bmp|mp3|mp4|avi|mov|wav)[ _]{0,64}\.(exe|scr|com|pif|cpl|bat|cmd|js|jse|vbs|vbe|wsf|wsh|hta|lnk|msi|ps1|jar|reg|iso|img|vhdx?)$/i
}

rule SCAM_FakeUpdate_RLO_Filename
{
    meta:
        description = "Item whose file name contains the Unicode right-to-left override U+202E, which makes e.g. 'steps_\\u202Efdp.scr' display as 'steps_rcs.pdf'"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://attack.mitre.org/techniques/T1036/002/"
        severity = "high"
        score = 80
        sample = "samples/lures/double_extension.zip"
        name_signal = "the name is the trick itself (a right-to-left override has no business in a file name); content is judged by the other rules"

    condition:
        filename matches /\xE2\x80\xAE/
}

