#!/usr/bin/env python3
"""Build the lookalike-domain samples (issue 7): lures naming never-seen lookalikes of protected brands
(none of them is in rules/iocs, so only the `lookalike` check can catch them) and a benign text that
names the brands' real domains.  Deterministic and idempotent: `python samples/build_lookalike.py [--check]`.

All hosts are inert: they are written into text, never resolved or contacted.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sampleio import write_samples

ROOT = Path(__file__).resolve().parent
# "crowdstrike" with a Cyrillic і (U+0456), as squatters register it and as it travels: punycode.
HOMOGLYPH = "xn--" + "crowdstr\u0456ke".encode("punycode").decode("ascii") + ".com"

FILES: dict[str, str] = {
    "lures/lookalike/recovery_portal_notice.txt": """\
CrowdStrike Falcon - remediation notice

Your sensor needs the recovery package after the faulty channel file update.
Download the recovery tool from https://crowdstrike-recovery-portal.com/download/FalconRecovery.zip
Mirror: https://crowdstrike.com.helpdesk-fix.info/falcon/recovery
Run the tool as administrator and restart the machine.
""",
    "lures/lookalike/windows_patch.eml": """\
From: Microsoft Windows Support <support@micros0ft-update.zip>
To: it-team@example.org
Subject: Urgent: install KB5040442 to fix the blue screen
Date: Sat, 20 Jul 2024 09:12:00 +0000
Message-ID: <lookalike-sample-1@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello,

Microsoft has released an emergency patch for the blue screen issue.
Install it now: https://micros0ft-update.zip/KB5040442/windows-hotfix.exe

Windows Support Team
""",
    "lures/lookalike/falcon_update_homoglyph.html": f"""\
<!DOCTYPE html>
<html><head><title>Falcon sensor update</title></head>
<body>
<h1>Falcon sensor update available</h1>
<p>Update your sensor: <a href="https://{HOMOGLYPH}/falcon/sensor-update">https://crowdstrike.com/falcon/sensor-update</a></p>
</body></html>
""",
    "lures/lookalike/userinfo_link.txt": """\
Sign in to the CrowdStrike support portal to read the incident report:
https://crowdstrike.com@support-portal-login.net/incident/2024-07-19
""",
    "clean/lookalike/real_domains.txt": """\
Incident links for the service desk (official sources only)

- CrowdStrike remediation hub: https://www.crowdstrike.com/falcon-content-update-remediation-and-guidance-hub/
- CrowdStrike support portal: https://supportportal.crowdstrike.com/
- Microsoft recovery guidance: https://support.microsoft.com/help/5042421 and https://learn.microsoft.com/
- Windows release health: https://learn.microsoft.com/windows/release-health/
- Updates come from windowsupdate.com and update.microsoft.com only.
- Meeting bridge: https://zoom.us/j/0000000000 ; chat in slack.com ; mail from example.org colleagues.
""",
}


def main(argv: list[str]) -> int:
    """Write the samples; with --check only report (exit 1) those that differ from what would be built."""
    samples = {rel: text.replace("\n", "\r\n").encode() if rel.endswith(".eml") else text.encode()
               for rel, text in FILES.items()}
    return write_samples(samples, ROOT, "--check" in argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
