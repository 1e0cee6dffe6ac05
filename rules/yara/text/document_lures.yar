/*
   scamscan - lure text inside documents: the page text of PDFs (the `page-text.txt` child the
   PDF extractor makes) and the XML parts of OOXML documents.
   See crowdstrike_outage.yar for the header conventions (externals, scores).
*/

rule SCAM_CS_Update_Instructions_Document
{
    meta:
        description = "Document (PDF page text or Office document part) using the CrowdStrike brand that tells the reader to download an update/hotfix archive or program and run it, like the Handala wiper's update-instructions PDF (download Crowdstrike.zip, run Crowdstrike.exe as administrator); genuine guidance points to the support portal and ships no tool to run"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://cirt.gy/article/al2024_22-fake-crowdstrike-fixes-push-malware-and-data-wipers-23rd-july-2024"
        severity = "high"
        score = 75
        sample = "samples/lures/docs/crowdstrike_update_instructions.pdf"

    strings:
        $brand = "crowdstrike" ascii wide nocase
        $upd = /\b(update|hot[ -]?fix|patch|recovery[ -]tool|fix[ -]tool|repair[ -]tool)\b/ ascii wide nocase
        $get = /\b(download|save|extract|unzip)\b[^\r\n<]{0,80}\.(zip|rar|7z|exe|msi|iso|img)\b/ ascii wide nocase
        $run1 = /\b(run|execute|launch|double[ -]click|install|open)\b[^\r\n<]{0,60}\.(exe|msi|bat|cmd|scr|hta|js|vbs)\b/ ascii wide nocase
        $run2 = /\b(run|execute|launch|open)\b[^\r\n<]{0,60}\bas (an )?administrator\b/ ascii wide nocase

    condition:
        (parent_type == "pdf" or parent_type == "ooxml")
        and $brand and $upd and $get and any of ($run*)
}
