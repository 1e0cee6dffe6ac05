"""The README's Postfix pipe(8) content filter, end to end with a real Postfix: the master.cf lines
are taken from the README, the filter reinjects clean mail once (no loop) and bounces flagged mail
with --reject-exit 77.  Only the reinjection command differs: smtp_submit.py says why."""

from __future__ import annotations

import re
import shutil
import smtplib
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from gateway_support import POSTFIX, Postfix, Sink, free_port, wait_for
from helpers import MARKER, REPO_ROOT, write_rules_dir

pytestmark = pytest.mark.skipif(not Path(POSTFIX).exists(), reason="Debian package postfix not installed "
                                "(scripts/test.sh installs it)")
SYSTEM_PYTHON = "/usr/bin/python3"


def readme_master_cf() -> str:
    text = (REPO_ROOT / "README.md").read_text()
    block = re.search(r"`master.cf`:\n\n```\n(smtp .*?)```", text, re.S)
    assert block, "README: the Postfix master.cf block is missing"
    return block.group(1)


def _filter_command(root: Path, reinject_port: int) -> str:
    """pipe(8) runs the filter as an unprivileged user: Debian's python3 with this checkout on its
    path stands in for /usr/local/bin/scamscan (the venv's interpreter may live under /root)."""
    site = subprocess.run([sys.executable, "-c", "import site; print(site.getsitepackages()[0])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    probe = subprocess.run(["runuser", "-u", "nobody", "--", "/usr/bin/env", f"PYTHONPATH={REPO_ROOT}:{site}",
                            SYSTEM_PYTHON, "-c", "import scanner.cli, yara"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"user nobody cannot run scamscan from {REPO_ROOT} with {SYSTEM_PYTHON}: {probe.stderr[-200:]}")
    rules = write_rules_dir(root / "rules")
    submit = Path(__file__).with_name("smtp_submit.py")  # {...}: one argument with spaces (Postfix >= 3.0)
    return (f"/usr/bin/env PYTHONPATH={REPO_ROOT}:{site} {SYSTEM_PYTHON} -m scanner.cli filter "
            f"--no-bundled-rules --rules {rules} {{--sendmail={SYSTEM_PYTHON} {submit} {reinject_port}}}")


class PipeMail:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="scamscan-pipe-"))
        self.root.chmod(0o755)
        self.sink = Sink().start()
        self.postfix = Postfix(0, self.sink.port, {"smtpd_milters": "", "non_smtpd_milters": ""})
        recipe = readme_master_cf()
        recipe = recipe.replace("user=scamscan", "user=nobody")
        reinject_port = free_port()
        recipe = recipe.replace("/usr/local/bin/scamscan filter", _filter_command(self.root, reinject_port))
        smtpd, rest = recipe.split("\n", 1)
        assert smtpd.split()[:2] == ["smtp", "inet"] and "-o content_filter=scamscan:dummy" in rest
        master = self.postfix.conf / "master.cf"
        lines = []
        for line in master.read_text().splitlines():
            lines.append(line)
            if line.startswith(f"127.0.0.1:{self.postfix.smtp_port} inet"):
                lines.append(rest.split("\n", 1)[0])  # the README's -o content_filter= on our smtpd
        reinjection = f"127.0.0.1:{reinject_port} inet n - n - - smtpd\n  -o content_filter=\n"
        master.write_text("\n".join(lines) + "\n" + rest.split("\n", 1)[1] + reinjection)
        self.postfix.start()

    def send(self, subject: str, body: bytes) -> None:
        data = (f"From: sender@example.com\r\nTo: rcpt@example.org\r\nSubject: {subject}\r\n\r\n").encode() + body
        with smtplib.SMTP("127.0.0.1", self.postfix.smtp_port, timeout=120) as s:
            s.sendmail("sender@example.com", ["rcpt@example.org"], data)

    def stop(self) -> None:
        self.postfix.stop()
        self.sink.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def pipe_mail() -> Iterator[PipeMail]:
    env = PipeMail()
    try:
        yield env
    finally:
        env.stop()


def test_readme_recipe_has_no_shell_and_no_global_filter() -> None:
    recipe = readme_master_cf()
    assert "sh -c" not in recipe and "'" not in recipe and "$0" not in recipe
    assert "--reinject --reject-exit 77 -f ${sender} -- ${recipient}" in recipe


def test_clean_mail_is_scanned_once_and_delivered_with_headers(pipe_mail: PipeMail) -> None:
    subject = f"clean {uuid.uuid4().hex[:8]}"
    pipe_mail.send(subject, b"see you at noon\r\n")
    wait_for(lambda: bool(pipe_mail.sink.with_subject(subject)), 90, "delivery")
    wait_for(lambda: not pipe_mail.postfix.queue_ids(), 30, "empty queue")
    [delivered] = pipe_mail.sink.with_subject(subject)
    assert delivered.get_all("X-Scamscan-Verdict") == ["clean"]  # once: no content-filter loop
    assert pipe_mail.postfix.log().count("relay=scamscan") == 1, pipe_mail.postfix.log()


def test_flagged_mail_bounces_with_the_reject_exit(pipe_mail: PipeMail) -> None:
    subject = f"lure {uuid.uuid4().hex[:8]}"
    pipe_mail.send(subject, b"run this " + MARKER + b"\r\n")
    wait_for(lambda: "status=bounced" in pipe_mail.postfix.log(), 90, "bounce")
    assert not [m for m in pipe_mail.sink.with_subject(subject) if m.get("X-Scamscan-Verdict")]
    bounce = [line for line in pipe_mail.postfix.log().splitlines() if "status=bounced" in line]
    assert bounce and "relay=scamscan" in bounce[-1]
