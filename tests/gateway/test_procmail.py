"""The README's procmail recipe (deploy/procmail/procmailrc), end to end with Debian's procmail:
flagged mail is quarantined, clean mail delivered with the headers, and a filter failure keeps
the mail with the MTA (exit 75) instead of delivering it unscanned."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import MARKER, REPO_ROOT, write_rules_dir

RECIPE = REPO_ROOT / "deploy" / "procmail" / "procmailrc"
pytestmark = pytest.mark.skipif(shutil.which("procmail") is None,
                                reason="Debian package procmail not installed (scripts/test.sh installs it)")


def message(subject: str, body: bytes) -> bytes:
    return (f"From: a@example.org\r\nTo: b@example.org\r\nSubject: {subject}\r\n"
            "Message-ID: <x@example.org>\r\n\r\n").encode() + body + b"\r\n"


def deliver(tmp_path: Path, data: bytes, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """procmail -m with the shipped recipe, after the MAILDIR/DEFAULT lines a user's ~/.procmailrc has."""
    maildir = tmp_path / "mail"
    maildir.mkdir(exist_ok=True)
    rules = tmp_path / "rules" if (tmp_path / "rules").is_dir() else write_rules_dir(tmp_path / "rules")
    path = f"{Path(sys.executable).parent}:/usr/bin:/bin"
    # procmail hands the filter only the variables set in the rcfile: PATH must find scamscan.
    variables = {"SHELL": "/bin/sh", "PATH": path, "MAILDIR": str(maildir), "DEFAULT": f"{maildir}/inbox",
                 "LOGFILE": f"{tmp_path}/procmail.log", "SCAMSCAN_RULES_DIRS": str(rules),
                 "SCAMSCAN_USE_BUNDLED_RULES": "false", "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"],
                 **(env or {})}
    rc = tmp_path / "procmailrc"
    rc.write_text("".join(f"{k}={v}\n" for k, v in variables.items()) + RECIPE.read_text())
    run_env = dict(os.environ)
    return subprocess.run(["procmail", "-m", str(rc)], input=data, env=run_env, capture_output=True, timeout=120)


def test_lure_is_quarantined_and_clean_mail_delivered_with_headers(tmp_path: Path) -> None:
    bad = deliver(tmp_path, message("update", b"run this " + MARKER))
    assert bad.returncode == 0, bad.stderr
    quarantine = (tmp_path / "mail" / "scam-quarantine").read_bytes()
    assert b"X-Scamscan-Verdict: malicious" in quarantine and MARKER in quarantine
    good = deliver(tmp_path, message("lunch", b"see you at noon"))
    assert good.returncode == 0, good.stderr
    inbox = (tmp_path / "mail" / "inbox").read_bytes()
    assert b"X-Scamscan-Verdict: clean" in inbox and b"see you at noon" in inbox and MARKER not in inbox


def test_filter_failure_keeps_the_mail_with_the_mta(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("max_depth = \n")  # invalid TOML: the filter exits 75
    r = deliver(tmp_path, message("later", b"scan me"), {"SCAMSCAN_CONFIG": str(broken)})
    assert r.returncode == 75, r.stderr
    assert not (tmp_path / "mail" / "inbox").exists(), "delivered although it was not scanned"
    assert not (tmp_path / "mail" / "scam-quarantine").exists()
