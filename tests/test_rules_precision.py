"""Bundled lure rules stay quiet on legitimate text that uses their words (phrasings of real newsletters
in the SpamAssassin hard-ham corpus, measured by bench/accuracy.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scanner.api import Scanner
from scanner.models import Verdict

NEWSLETTER = """From: CNET Virus & Security Newsletter <news@newsletter.online.example>
To: reader@example.com
Subject: Frethem worm, new patches
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

{body}
"""


@pytest.mark.parametrize("body", [
    "Frethem.k worm wants to give you a password. The message comes with an attachment; a password is yet "
    "another variant from the pesky Frethem worm. Don't open the archive. Microsoft released a patch: install "
    "it from Windows Update.",
    "Your Outlook Express password is not retained. To fix this issue, open the registry editor; the article "
    "explains how to back up the registry. Download the update from the attached link and run setup.",
])
def test_newsletters_about_passwords_and_patches(make_scanner: Callable[..., Scanner], body: str) -> None:
    report = make_scanner(bundled=True).scan_bytes(NEWSLETTER.format(body=body).replace("\n", "\r\n").encode(),
                                                   "news.eml")
    assert report.verdict is Verdict.CLEAN, [f"{f.check}:{f.id}" for f in report.findings]


def test_password_lure_still_matches(make_scanner: Callable[..., Scanner]) -> None:
    body = ("Please install the attached hotfix archive today. The password for the archive is \"cs-fix-0719\". "
            "Open it and run the installer.")
    report = make_scanner(bundled=True).scan_bytes(NEWSLETTER.format(body=body).replace("\n", "\r\n").encode(),
                                                   "lure.eml")
    assert "SCAM_Email_Archive_Password_Lure" in {f.id for f in report.findings}
