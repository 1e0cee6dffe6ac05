"""Real components for the gateway tests: a private Postfix instance, a sink SMTP server,
scamscan daemons as subprocesses, free loopback ports.

Postfix runs from Debian's package with its own config_directory and queue_directory under a
0755 temporary folder in /tmp (not pytest's tmp_path: /tmp/pytest-of-root is 0700 and Postfix's
daemons run as the unprivileged `postfix` user, which must enter its queue), on 127.0.0.1 only,
with chroot off, and relays everything to an in-process aiosmtpd sink.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from email import message_from_bytes
from email.message import Message
from pathlib import Path

from helpers import scamscan_command

POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    """Poll until `predicate()` holds; a hang guard, not a timing assertion."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Daemon:
    """A `scamscan ARGS...` subprocess listening on a loopback TCP port."""

    def __init__(self, args: list[str], port: int, log: Path, env: dict[str, str] | None = None,
                 command: list[str] | None = None) -> None:
        """`command` replaces `scamscan` (e.g. tests/hostile.py's COMMAND)."""
        self.args, self.port, self.log, self.env = args, port, log, env
        self.command = command or scamscan_command()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Daemon:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([*self.command, *self.args], stdout=out, stderr=out,
                                         stdin=subprocess.DEVNULL, env=self.env)
        wait_for(lambda: port_open(self.port) or self.proc is None or self.proc.poll() is not None,
                 60, f"scamscan {self.args[0]} on port {self.port}")
        assert self.proc.poll() is None, f"daemon exited: {self.log.read_text(errors='replace')}"
        return self

    def signal(self, signum: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(signum)

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        code, self.proc = self.proc.returncode, None
        return code


class Sink:
    """An aiosmtpd server on 127.0.0.1 that keeps every message it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[bytes] = []
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
                with sink.lock:
                    sink.messages.append(envelope.content)  # type: ignore[attr-defined]
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, data_size_limit=None)

    def start(self) -> Sink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def parsed(self) -> list[Message]:
        with self.lock:
            return [message_from_bytes(m) for m in self.messages]

    def with_subject(self, subject: str) -> list[Message]:
        return [m for m in self.parsed() if subject in str(m.get("Subject", ""))]


class Postfix:
    """A private Postfix instance: smtpd on 127.0.0.1:smtp_port, milter at milter_port, relay to the sink."""

    def __init__(self, milter_port: int, sink_port: int, extra: dict[str, str] | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="scamscan-postfix-"))
        os.chmod(self.root, 0o755)
        self.conf = self.root / "etc"
        self.queue = self.root / "queue"
        self.maillog = self.root / "maillog"
        self.smtp_port = free_port()
        for d in (self.conf, self.queue, self.root / "data"):
            d.mkdir()
        shutil.chown(self.root / "data", "postfix", "postfix")
        settings = {
            "compatibility_level": "3.6", "queue_directory": str(self.queue),
            "data_directory": str(self.root / "data"), "mail_owner": "postfix", "setgid_group": "postdrop",
            "myhostname": "scamscan-test.localdomain", "mydestination": "", "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4", "mynetworks": "127.0.0.0/8",
            "smtpd_relay_restrictions": "permit_mynetworks, reject", "relayhost": f"[127.0.0.1]:{sink_port}",
            "smtpd_milters": f"inet:127.0.0.1:{milter_port}", "non_smtpd_milters": f"inet:127.0.0.1:{milter_port}",
            "milter_default_action": "tempfail", "maillog_file": str(self.maillog),
            "maillog_file_prefixes": str(self.root), "alias_maps": "",
            "alias_database": "", "local_recipient_maps": "", "smtputf8_enable": "no", "biff": "no",
            "minimal_backoff_time": "1s", "maximal_backoff_time": "2s", "queue_run_delay": "1s",
            "smtp_host_lookup": "native", "smtp_dns_support_level": "disabled",
            "message_size_limit": str(60 * 1024 * 1024),
        }
        settings.update(extra or {})
        (self.conf / "main.cf").write_text("".join(f"{k} = {v}\n" for k, v in settings.items()))
        (self.conf / "master.cf").write_text(self._master_cf())

    def _master_cf(self) -> str:
        lines = []
        for line in Path("/etc/postfix/master.cf").read_text().splitlines():
            fields = line.split()
            if not line or line[0] in "# \t" or len(fields) < 8:
                lines.append(line)
                continue
            if fields[0] == "smtp" and fields[1] == "inet":
                fields[0] = f"127.0.0.1:{self.smtp_port}"
            if fields[0] == "pickup":
                fields[5] = "1"  # rescan the maildrop every second (messages held back by a tempfail)
            fields[4] = "n"  # no chroot: the instance lives outside /var/spool/postfix
            lines.append(" ".join(fields))
        return "\n".join(lines) + "\n"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([args[0], "-c", str(self.conf), *args[1:]], capture_output=True, text=True,
                              timeout=120, check=check)

    def start(self) -> Postfix:
        self.run(POSTFIX, "start")
        wait_for(lambda: port_open(self.smtp_port), 60, "postfix smtpd")
        return self

    def stop(self) -> None:
        self.run(POSTFIX, "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        return self.maillog.read_text(errors="replace") if self.maillog.exists() else ""

    def queue_ids(self) -> list[str]:
        out = self.run("postqueue", "-j", check=False).stdout
        return [line for line in out.splitlines() if line.strip()]

    def flush(self) -> None:
        self.run("postqueue", "-f", check=False)
        self.run("postkick", "public", "pickup", "W", check=False)

    def sendmail(self, message: bytes, sender: str, recipient: str) -> None:
        subprocess.run(["/usr/sbin/sendmail", "-C", str(self.conf), "-i", "-f", sender, recipient],
                       input=message, check=True, timeout=60)
