"""MIME text of the synthetic e-mail samples (used by build_mail.py).

Fixed boundaries and dates, so every build writes the same bytes.  Lure senders use
lookalike or `.example` domains; every link points at documentation or lookalike
names that serve nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MARK = "scamscan synthetic sample - harmless text, not malware"

FALCON_TEXT = f"""Dear IT team,

A faulty channel file update crashed Windows hosts running the Falcon sensor.
Install the attached hotfix immediately to restore your systems.

Open the attached archive falcon_hotfix.zip and run install.ps1 as administrator.
Password: Falcon2024

Full instructions: https://support.crowdstrike.com/hotfix

CrowdStrike Support
({MARK})
"""

FALCON_HTML = f"""<html><body>
<p>Dear IT team,</p>
<p>A faulty channel file update crashed Windows hosts running the Falcon sensor.
Install the attached hotfix <b>immediately</b> to restore your systems.</p>
<p>Open the attached archive falcon_hotfix.zip and run install.ps1 as administrator.<br>
Password: Falcon2024</p>
<p>Full instructions: <a href="https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fcrowdstrike-fix.com%2Fhotfix%2Fdownload&amp;data=05%7C02%7C&amp;reserved=0">https://support.crowdstrike.com/hotfix</a></p>
<p>CrowdStrike Support</p>
<!-- {MARK} -->
</body></html>
"""


def _falcon(t: dict[str, Any]) -> str:
    return f"""Return-Path: <bounce@crowdstrike-fix.com>
From: "CrowdStrike Support" <support@crowdstrike-fix.com>
Reply-To: falcon-desk@mail-relay.example
To: it-team@example.com
Subject: URGENT: CrowdStrike Falcon hotfix - install today
Date: Sat, 20 Jul 2024 07:12:00 +0000
Message-ID: <20240720071200.5501@crowdstrike-fix.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_mixed_falcon"

--=_mixed_falcon
Content-Type: multipart/alternative; boundary="=_alt_falcon"

--=_alt_falcon
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

{FALCON_TEXT.replace("=", "=3D")}
--=_alt_falcon
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: base64

{t["b64"](FALCON_HTML.encode())}
--=_alt_falcon--

--=_mixed_falcon
Content-Type: application/zip; name="falcon_hotfix.zip"
Content-Disposition: attachment; filename="falcon_hotfix.zip"
Content-Transfer-Encoding: base64

{t["b64"](t["hotfix_zip"])}
--=_mixed_falcon--
"""


TEAMS_TEXT = f"""Sehr geehrte Kolleginnen und Kollegen,

Microsoft Teams benötigt ein dringend erforderliches Sicherheitsupdate (security update).
Bitte öffnen Sie den Anhang TeamsUpdate.zip und führen Sie das Update sofort aus.
Passwort: Upd-7731

Ihr Microsoft Teams Support
({MARK})
"""


def _teams(t: dict[str, Any]) -> str:
    return f"""From: =?utf-8?q?Microsoft_Teams?= <no-reply@teams-update.example>
To: staff@example.com
Subject: =?utf-8?b?{t["b64"](b"Dringend: Teams Sicherheitsupdate").strip()}?=
Date: Mon, 22 Jul 2024 09:00:00 +0200
Message-ID: <20240722090000.1@teams-update.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1_teams"

--b1_teams
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: base64

{t["b64"](TEAMS_TEXT.encode("iso-8859-1"))}
--b1_teams
Content-Type: application/octet-stream
Content-Disposition: attachment; filename*=utf-8''TeamsUpdate.zip
Content-Transfer-Encoding: base64

{t["b64"](t["teams_zip"])}
--b1_teams--
"""


def _sensor_7z(t: dict[str, Any]) -> str:
    return f"""From: "Falcon Sensor Team" <updates@falcon-sensor-update.example>
To: ops@example.com
Subject: Falcon sensor update package
Date: Sun, 21 Jul 2024 15:00:00 +0000
Message-ID: <20240721150000.7@falcon-sensor-update.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="sep7z"

--sep7z
Content-Type: text/plain; charset="utf-8"

Hello,

the sensor update is attached as a 7z archive. Extract it and run sensor_update.ps1.
The password for the archive is "cs-fix-0719".

Regards
({MARK})
--sep7z
Content-Type: application/x-7z-compressed; name="sensor_update.7z"
Content-Disposition: attachment; filename="sensor_update.7z"
Content-Transfer-Encoding: base64

{t["b64"](t["sensor_7z"])}
--sep7z--
"""


def _forward(t: dict[str, Any], inner: str) -> str:
    return f"""From: Bob Example <bob@example.com>
To: security@example.com
Subject: Fwd: URGENT: CrowdStrike Falcon hotfix - install today
Date: Sat, 20 Jul 2024 08:00:00 +0000
Message-ID: <fwd.20240720080000@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="fwd-boundary"

--fwd-boundary
Content-Type: text/plain; charset="utf-8"

Is this legit? It came in this morning.
Bob

--fwd-boundary
Content-Type: message/rfc822
Content-Disposition: attachment; filename="original.eml"

{inner}
--fwd-boundary--
"""


def _mbox(t: dict[str, Any]) -> str:
    second = f"""From: "Microsoft Windows Update" <windows-update@update-center.example>
To: user@example.com
Subject: Critical update required immediately
Date: Tue, 23 Jul 2024 10:00:00 +0000
Message-ID: <mbox2@update-center.example>
MIME-Version: 1.0
Content-Type: text/html; charset="utf-8"

<html><body><p>Your Windows device is missing a critical update. Install it immediately:
download the update package from the link below.</p>
<p><a href="https://urldefense.com/v3/__https://windows-update-fix.example/KB5040442.exe__;!!AbC!xyz$">https://www.microsoft.com/update/KB5040442</a></p>
<!-- {MARK} --></body></html>
"""
    return ("From support@crowdstrike-fix.com Sat Jul 20 07:12:00 2024\n" + _falcon(t) + "\n"
            "From windows-update@update-center.example Tue Jul 23 10:00:00 2024\n" + second + "\n")


# -- clean -------------------------------------------------------------------

NEWSLETTER = f"""Return-Path: <bounces+8812@em.mailer-esp.example>
From: "Example Cloud Weekly" <news@example-cloud.com>
To: reader@example.com
Subject: This week: five tips for faster builds
Date: Thu, 25 Jul 2024 12:00:00 +0000
Message-ID: <news.20240725@example-cloud.com>
List-Unsubscribe: <https://example-cloud.com/unsubscribe?u=8812>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="nl-alt"

--nl-alt
Content-Type: text/plain; charset="utf-8"

Example Cloud Weekly

1. Cache your dependencies between CI runs.
2. Split long test suites across workers.
Read more: https://example-cloud.com/blog/faster-builds

Unsubscribe: https://example-cloud.com/unsubscribe?u=8812
({MARK})
--nl-alt
Content-Type: text/html; charset="utf-8"

<html><body><h1>Example Cloud Weekly</h1>
<ol><li>Cache your dependencies between CI runs.</li><li>Split long test suites across workers.</li></ol>
<p><a href="https://click.mailer-esp.example/t/8812/abc">Read more</a></p>
<p><img src="https://example-cloud.com/img/logo.png" alt="Example Cloud"></p>
<p><a href="https://example-cloud.com/unsubscribe?u=8812">Unsubscribe</a></p>
<!-- {MARK} --></body></html>
--nl-alt--
"""


def _invoice(t: dict[str, Any]) -> str:
    csv = b"item,qty,price\r\nHosting July 2024,1,49.00\r\nBackup storage,2,5.00\r\n"
    return f"""From: "Example Hosting Billing" <billing@example-hosting.com>
To: accounts@example.com
Subject: Your invoice 2024-07-0113
Date: Thu, 01 Aug 2024 06:00:00 +0000
Message-ID: <inv.2024070113@example-hosting.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="inv"

--inv
Content-Type: text/plain; charset="utf-8"

Hello,

please find attached your invoice 2024-07-0113 for July 2024 (59.00 EUR).
The amount will be charged to your card on file. You can also view it in the
customer portal at https://my.example-hosting.com/invoices.

Thank you for your business.
Example Hosting
({MARK})
--inv
Content-Type: text/csv; name="invoice-2024-07-0113.csv"
Content-Disposition: attachment; filename="invoice-2024-07-0113.csv"
Content-Transfer-Encoding: base64

{t["b64"](csv)}
--inv--
"""


REMEDIATION = f"""From: "CrowdStrike" <support@crowdstrike.com>
To: it-team@example.com
Subject: Remediation guidance: Windows hosts after the Falcon channel file update
Date: Sat, 20 Jul 2024 11:00:00 +0000
Message-ID: <kb.20240720110000@crowdstrike.com>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"

Dear customer,

Hosts that crashed after the channel file update of 19 July 04:09 UTC can be
recovered manually:

1. Boot Windows into Safe Mode or the Windows Recovery Environment.
2. Go to C:\\Windows\\System32\\drivers\\CrowdStrike.
3. Delete the file matching C-00000291*.sys.
4. Boot the host normally.

Beware of fraud: criminals are mailing files named crowdstrike-hotfix.zip,
falcon_hotfix.zip or "Falcon Recovery" tools. We never send a hotfix as an
e-mail attachment and we never send archive passwords. Guidance is published only
on https://www.crowdstrike.com/falcon-content-update-remediation-and-guidance-hub/

CrowdStrike Customer Support
({MARK})
"""

MAILING_LIST = f"""From: "Alice Example via ops-list" <ops-list@lists.example.org>
Reply-To: Alice Example <alice@corp.example>
Sender: ops-list-bounces@lists.example.org
To: ops-list@lists.example.org
Subject: [ops-list] Re: Falcon outage - what worked for us
Date: Sun, 21 Jul 2024 18:30:00 +0000
Message-ID: <alice.20240721@corp.example>
List-Id: Operations discussion <ops-list.lists.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"

We recovered ~300 hosts with the official workaround: safe mode, delete
C-00000291*.sys, reboot. BitLocker recovery keys were the slow part.
Do not trust mails with "hotfix" attachments, there are a lot of them around.

-- Alice
_______________________________________________
ops-list mailing list: https://lists.example.org/mailman/listinfo/ops-list
({MARK})
"""

SAFELINKS = f"""From: Carol Example <carol@example.com>
To: team@example.com
Subject: Official CrowdStrike guidance hub
Date: Mon, 22 Jul 2024 08:15:00 +0000
Message-ID: <carol.20240722@example.com>
MIME-Version: 1.0
Content-Type: text/html; charset="utf-8"

<html><body><p>Team, this is the vendor's page with the current status:</p>
<p><a href="https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.crowdstrike.com%2Ffalcon-content-update-remediation-and-guidance-hub%2F&amp;data=05%7C02%7Cteam%40example.com&amp;reserved=0">www.crowdstrike.com/falcon-content-update-remediation-and-guidance-hub</a></p>
<p>Carol</p><!-- {MARK} --></body></html>
"""

# -- bad ---------------------------------------------------------------------

MALFORMED_MIME = f"""From: someone@example.net
To: user@example.com
Subject: malformed multipart
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="never-used"

This claims to be multipart but its boundary never appears.
--other-boundary
Content-Type: application/zip; name="x.zip"

not really a part
({MARK})
"""

BROKEN_BASE64 = f"""From: someone@example.net
To: user@example.com
Subject: broken base64 attachment
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="bb"

--bb
Content-Type: text/plain; charset="x-unknown-charset"

Body with an unknown charset label: caf\u00e9 ({MARK})
--bb
Content-Type: application/octet-stream; name="data.bin"
Content-Disposition: attachment; filename="data.bin"
Content-Transfer-Encoding: base64

SGVsbG8gd29ybGQh!!!@@@###
SGVsbG8=gd29y
--bb--
"""

HEADER_INJECTION = f"""From: "Support\\r\\nBcc: victim@example.com" <support@example.net>
To: user@example.com
Subject: =?utf-8?q?Invoice=0D=0AX-Injected:_yes?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="hi"

--hi
Content-Type: text/plain; charset="utf-8"

Header injection attempts in names ({MARK})
--hi
Content-Type: text/plain; name="=?utf-8?q?a=0D=0AContent-Type:_text/html.txt?="
Content-Disposition: attachment; filename="..\\\\..\\\\evil\u202etxt.exe"

attachment text
--hi--
"""


def _many_parts(count: int) -> str:
    parts = "".join(f"--mp\nContent-Type: text/plain; name=\"p{n}.txt\"\nContent-Disposition: attachment; "
                    f"filename=\"p{n}.txt\"\n\npart {n}\n" for n in range(count))
    return f"""From: someone@example.net
To: user@example.com
Subject: absurd part count ({count} parts)
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mp"

{parts}--mp--
"""


def build_messages(t: dict[str, Any]) -> dict[str, bytes]:
    eml: Callable[[str], bytes] = t["eml"]
    falcon = _falcon(t)
    return {
        "lures/mail/falcon_hotfix_password.eml": eml(falcon),
        "lures/mail/teams_update_aes.eml": eml(_teams(t)),
        "lures/mail/sensor_update_7z.eml": eml(_sensor_7z(t)),
        "lures/mail/forwarded_lure.eml": eml(_forward(t, falcon)),
        "lures/mail/two_lures.mbox": _mbox(t).encode("utf-8"),
        "clean/mail/newsletter.eml": eml(NEWSLETTER),
        "clean/mail/invoice.eml": eml(_invoice(t)),
        "clean/mail/remediation_guidance.eml": eml(REMEDIATION),
        "clean/mail/mailing_list_post.eml": eml(MAILING_LIST),
        "clean/mail/safelinks_legit.eml": eml(SAFELINKS),
        "bad/mail/malformed_mime.eml": eml(MALFORMED_MIME),
        "bad/mail/broken_base64.eml": eml(BROKEN_BASE64),
        "bad/mail/header_injection.eml": eml(HEADER_INJECTION),
        "bad/mail/many_parts.eml": eml(_many_parts(1200)),
    }
