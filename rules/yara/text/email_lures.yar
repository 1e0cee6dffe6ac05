/*
   Lure wording in the decoded text of e-mail bodies (text and HTML parts become
   their own items once the e-mail extractor has decoded transfer encoding and
   charset, so these rules see what the reader sees, whatever the encoding).
   Brand-independent: the same wording recurs for CrowdStrike, Microsoft, Zoom ...
   Header signals (display name, Reply-To, links, authentication) are the `email`
   check's; these rules only read words.
*/

rule SCAM_Email_Archive_Password_Lure
{
    meta:
        description = "E-mail body that sends an update/fix/installer archive together with the password to open it: encrypting an attachment and mailing the key alongside only serves to blind mail filters (Emotet, Qakbot, IcedID and fake-hotfix campaigns)"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://www.cisa.gov/news-events/cybersecurity-advisories/aa20-280a"
        severity = "medium"
        score = 30
        sample = "samples/lures/mail/falcon_hotfix_password.eml, samples/lures/mail/teams_update_aes.eml, samples/lures/mail/sensor_update_7z.eml"

    strings:
        // "Password: X", or "the password is X" / "is 'X'" ending the clause: not prose such as
        // "a password is yet another variant" or "your password is not retained" (newsletters)
        $pw = /\b(password|passwort|kennwort|contrase(\xc3\xb1|n)a|mot de passe|pw|pwd)\b[^\r\n]{0,40}(:[ \t]*["']?[^\s"'<]{3,40}|\b(is|ist|est|es)\b[ \t]*:?[ \t]*(["'][^\s"'<]{3,40}["']|[^\s"'<]{3,40}[ \t]*[.,;)!\r\n]))/ nocase
        $arch = /\b(attached|attachment|anhang|angeh(\xc3\xa4|a)ngt|adjunto|pi(\xc3\xa8|e)ce jointe|archive|archiv|zip|7z|rar)\b/ nocase
        $lure = /\b(hot[ -]?fix|update|patch|fix|recovery|repair|installer|setup|aktualisierung|actualizaci(\xc3\xb3|o)n|mise (\xc3\xa0|a) jour)\b/ nocase
        $open = /(\b(open|extract|unzip|run|install|execute|offnen|oeffnen|entpacken|ausf(\xc3\xbc|u)hren|abrir|ejecutar|ouvrir|ex(\xc3\xa9|e)cuter)|\xc3\xb6ffnen)\b/ nocase

    condition:
        from_email and (filetype == "TEXT" or filetype == "HTML")
        and $pw and $arch and $lure and $open
}

rule SCAM_Email_Urgent_Brand_Fix_Attachment
{
    meta:
        description = "E-mail body in a software vendor's name that urgently tells the reader to open, run or install an attached or linked update, hotfix or recovery tool; vendors publish fixes through their portals and update channels, not as mail attachments"
        author = "scamscan project"
        date = "2026-11-23"
        reference = "https://www.ncsc.gov.uk/news/widespread-it-outage-affecting-organisations-worldwide"
        severity = "medium"
        score = 40
        sample = "samples/lures/mail/falcon_hotfix_password.eml, samples/lures/mail/teams_update_aes.eml"

    strings:
        $brand = /\b(crowdstrike|falcon sensor|microsoft|windows|teams|zoom|google chrome|microsoft edge|firefox|adobe|office 365|outlook)\b/ nocase
        $urg = /\b(urgent|urgently|immediately|action required|as soon as possible|asap|mandatory|within (24|48) hours|today|dringend|sofort|umgehend|urgente|inmediatamente|imm(\xc3\xa9|e)diatement)\b/ nocase
        $fix = /\b(hot[ -]?fix|security update|critical update|patch|fix[ -]?tool|recovery[ -]?tool|repair[ -]?tool|remediation[ -]?tool|update package|installer)\b/ nocase
        $act = /(\b(open|run|install|execute|launch|double[ -]click|extract|unzip|download|oeffnen|installieren|ausf(\xc3\xbc|u)hren|abrir|ejecutar|instalar)|\xc3\xb6ffnen)[ \t]+(sie[ \t]+)?(the[ \t]+|this[ \t]+|our[ \t]+|den[ \t]+|die[ \t]+|das[ \t]+|el[ \t]+|la[ \t]+)?(attached|attachment|enclosed|anhang|adjunto|archive|zip|update package|installer|hotfix|fix|tool|patch)\b/ nocase
        $neg = /\b(never|will not|won't|do not|don't|niemals|nie|nunca|jamais)\b[^\r\n.]{0,60}\b(send|sends|attach|run|open|install)\b/ nocase

    condition:
        from_email and (filetype == "TEXT" or filetype == "HTML")
        and $brand and $urg and $fix and $act and not $neg
}
