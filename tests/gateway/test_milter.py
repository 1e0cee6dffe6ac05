"""`scamscan milter` behind a real Postfix (Debian's, private instance on loopback) delivering to a sink."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import smtplib
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import hostile
import pytest
from gateway_support import Daemon, Postfix, Sink, free_port, wait_for
from helpers import MARKER, SAMPLES, write_rules_dir
from milter_client import CONTINUE, REPLYCODE, MilterClient

pytestmark = pytest.mark.skipif(shutil.which("postfix") is None and not Path("/usr/sbin/postfix").exists(),
                                reason="Debian package postfix is not installed (.ci/run installs it)")
pytest.importorskip("Milter", reason="pymilter is not installed (needs libmilter-dev; .ci/run installs it)")
pytest.importorskip("aiosmtpd", reason="aiosmtpd (test extra) is not installed")


@dataclass
class Mail:
    sink: Sink
    postfix: Postfix
    port: int
    rules: Path
    root: Path
    milter: Daemon | None = None
    custom: bool = False  # the running milter has non-default settings

    def start_milter(self, command: list[str] | None = None, **settings: str) -> Daemon:
        """`command`: tests/hostile.py's COMMAND for a milter whose scans hang or crash on a marker."""
        self.stop_milter()
        self.custom = bool(settings) or command is not None
        env = dict(os.environ, **{f"SCAMSCAN_{k.upper()}": v for k, v in settings.items()})
        self.milter = Daemon(["milter", "--socket", f"inet:{self.port}@127.0.0.1", "--rules", str(self.rules),
                              "-v"], self.port, self.root / "milter.log", env, command).start()
        return self.milter

    def stop_milter(self) -> None:
        if self.milter is not None:
            self.milter.stop()
            self.milter = None

    def delivered(self, subject: str) -> list[object]:
        wait_for(lambda: bool(self.sink.with_subject(subject)), 60, f"delivery of {subject!r}")
        return self.sink.with_subject(subject)  # type: ignore[return-value]


@pytest.fixture(scope="module")
def mail(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mail]:
    root = tmp_path_factory.mktemp("milter")
    sink = Sink().start()
    port = free_port()
    postfix = Postfix(port, sink.port)
    env = Mail(sink, postfix, port, write_rules_dir(root / "rules"), root)
    try:
        env.start_milter()
        postfix.start()
        yield env
    finally:
        postfix.stop()
        env.stop_milter()
        sink.stop()


@pytest.fixture
def default_milter(mail: Mail) -> Iterator[Mail]:
    if mail.milter is None or mail.custom:
        mail.start_milter()
    yield mail


def message(subject: str, body: bytes = b"hello", extra: bytes = b"") -> bytes:
    return (b"From: sender@example.com\r\nTo: rcpt@example.org\r\nSubject: " + subject.encode() + b"\r\n" + extra
            + b"\r\n" + body + b"\r\n")


def with_subject(eml: bytes, subject: str) -> bytes:
    """A sample with a unique Subject (the sink tells deliveries apart by it)."""
    lines = eml.split(b"\n")
    return b"\n".join(b"Subject: " + subject.encode() + (b"\r" if line.endswith(b"\r") else b"")
                      if line.lower().startswith(b"subject:") else line for line in lines)


def send(mail: Mail, data: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", mail.postfix.smtp_port, timeout=120) as s:
        s.sendmail("sender@example.com", ["rcpt@example.org"], data)


def unique(label: str) -> str:
    return f"{label} {uuid.uuid4().hex[:8]}"


def test_lure_email_is_rejected_with_the_reason(default_milter: Mail) -> None:
    lure = (SAMPLES / "lures" / "crowdstrike_update_wiper.eml").read_bytes()
    subject = unique("lure")
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(default_milter, with_subject(lure, subject))
    assert err.value.smtp_code == 550
    assert b"5.7.1 scamscan: message rejected as malicious: " in err.value.smtp_error
    assert not default_milter.sink.with_subject(subject)


def test_clean_email_is_delivered_with_headers_and_forged_ones_removed(default_milter: Mail) -> None:
    clean = (SAMPLES / "clean" / "crowdstrike_customer_notice.eml").read_bytes()
    subject = unique("clean")
    forged = b"X-Scamscan-Verdict: forged\r\nX-Scamscan-Score: 99\r\n"
    send(default_milter, with_subject(clean, subject).replace(b"\nTo:", b"\n" + forged.replace(b"\r\n", b"\n")
                                                                 .rstrip(b"\n") + b"\nTo:", 1))
    (msg,) = default_milter.delivered(subject)
    assert msg.get_all("X-Scamscan-Verdict") == ["clean"]  # type: ignore[attr-defined]
    (score,) = msg.get_all("X-Scamscan-Score")  # type: ignore[attr-defined]
    assert 0 <= int(score) < 30
    suspicious = unique("suspicious")
    send(default_milter, message(suspicious, b"SCAMSCAN-TEST-SUSPICIOUS"))
    (msg,) = default_milter.delivered(suspicious)
    assert msg["X-Scamscan-Verdict"] == "suspicious"  # type: ignore[index]
    assert msg["X-Scamscan-Findings"] == "yara:TEST_Suspicious"  # type: ignore[index]


def test_every_event_the_mta_sends_is_answered(default_milter: Mail) -> None:
    """An event the milter asks to skip still arrives as an unanswered macro packet; the MTA's next
    write then waits for the milter's delayed ACK (about 40 ms a message behind Postfix)."""
    import socket
    import struct

    no_connect, no_helo, no_rcpt, no_data, no_unknown = 0x1, 0x2, 0x8, 0x200, 0x100
    with socket.create_connection(("127.0.0.1", default_milter.port), timeout=30) as s:
        options = struct.pack(">III", 6, 0x1FF, 0x1FFFFF)
        s.sendall(struct.pack(">I", len(options) + 1) + b"O" + options)
        size = struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))[0]
        reply = s.recv(size, socket.MSG_WAITALL)
    assert reply[:1] == b"O"
    _, _, protocol = struct.unpack(">III", reply[1:13])
    assert protocol & (no_connect | no_helo | no_rcpt | no_data | no_unknown) == 0, hex(protocol)
    assert protocol & (0xFF000 | 0x80) == 0, "no event without a reply either"  # P_NR_CONN..P_NR_BODY, P_NR_HDR


def test_milter_down_tempfails_and_nothing_is_lost(mail: Mail) -> None:
    mail.stop_milter()
    by_smtp, by_queue = unique("smtp while down"), unique("queued while down")
    with pytest.raises(smtplib.SMTPSenderRefused) as err:
        send(mail, message(by_smtp))
    assert err.value.smtp_code == 451  # the client keeps the message and retries
    mail.postfix.sendmail(message(by_queue), "sender@example.com", "rcpt@example.org")
    wait_for(lambda: "milter-reject: CONNECT" in mail.postfix.log(), 60, "cleanup to try the milter")
    assert [json.loads(q)["queue_name"] for q in mail.postfix.queue_ids()] == ["maildrop"]
    assert not mail.sink.with_subject(by_queue)
    mail.start_milter()
    mail.postfix.flush()
    (msg,) = mail.delivered(by_queue)
    assert msg["X-Scamscan-Verdict"] == "clean"  # type: ignore[index]
    send(mail, message(by_smtp))  # the client's retry
    mail.delivered(by_smtp)


def test_sighup_reloads_without_dropping_connections(mail: Mail, tmp_path: Path) -> None:
    config = tmp_path / "scamscan.toml"
    config.write_text("")
    milter = mail.start_milter(config=str(config))
    log = mail.root / "milter.log"
    first = unique("during reload")
    with smtplib.SMTP("127.0.0.1", mail.postfix.smtp_port, timeout=120) as s:
        s.ehlo()
        reloads = log.read_text().count("reloaded rules")
        milter.signal(signal.SIGHUP)
        wait_for(lambda: log.read_text().count("reloaded rules") > reloads, 60, "reload")
        s.sendmail("sender@example.com", ["rcpt@example.org"], message(first))
    mail.delivered(first)
    # A reload that fails (broken rules) keeps the old rules: the marker is still rejected.
    broken = write_rules_dir(tmp_path / "broken", {"bad.yar": "rule broken { condition: nonsense }"})
    config.write_text(f'rules_dirs = ["{broken}"]\n')
    milter.signal(signal.SIGHUP)
    wait_for(lambda: "reload failed, keeping rules" in log.read_text(), 60, "failed reload")
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(mail, message(unique("after failed reload"), MARKER))
    assert err.value.smtp_code == 550
    assert milter.proc is not None and milter.proc.poll() is None


def test_quarantine_policy_holds_the_message(mail: Mail) -> None:
    mail.start_milter(milter_action_malicious="quarantine")
    subject = unique("quarantined")
    send(mail, message(subject, MARKER))
    wait_for(lambda: any(json.loads(q)["queue_name"] == "hold" for q in mail.postfix.queue_ids()), 60, "hold")
    assert not mail.sink.with_subject(subject)
    mail.postfix.run("postsuper", "-d", "ALL", "hold")


def test_scan_timeout_tempfails_or_accepts_as_configured(mail: Mail) -> None:
    # A few MB of text takes the engine far longer than the 1 us limit, even on a loaded machine
    # (a tiny message could finish before the waiting thread even looks at the clock).
    slow = b"see https://www.example.com/ and www.example.org for the agenda\r\n" * 40_000
    mail.start_milter(gateway_scan_timeout="0.000001")
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(mail, message(unique("timeout"), MARKER + b"\r\n" + slow))
    assert err.value.smtp_code == 451
    assert b"not scanned" in err.value.smtp_error
    mail.start_milter(gateway_scan_timeout="0.000001", milter_on_error="accept")
    subject = unique("timeout accepted")
    send(mail, message(subject, slow))
    (msg,) = mail.delivered(subject)
    assert msg["X-Scamscan-Verdict"] == "not-scanned"  # type: ignore[index]


def test_hung_and_crashed_scans_tempfail_one_message_and_the_next_is_scanned(mail: Mail) -> None:
    mail.start_milter(hostile.COMMAND, gateway_workers="1", gateway_scan_timeout="2")
    for marker in (hostile.HANG, hostile.CRASH):
        with pytest.raises(smtplib.SMTPDataError) as err:
            send(mail, message(unique("hostile"), b"x " + marker))
        assert err.value.smtp_code == 451 and b"not scanned" in err.value.smtp_error
        # the one worker was killed (or died) and replaced: the next message is scanned, not queued
        with pytest.raises(smtplib.SMTPDataError) as err:
            send(mail, message(unique("lure after hostile"), MARKER))
        assert err.value.smtp_code == 550
    subject = unique("clean after hostile")
    send(mail, message(subject, b"hello"))
    (msg,) = mail.delivered(subject)
    assert msg["X-Scamscan-Verdict"] == "clean"  # type: ignore[index]


def occupy_the_only_worker(mail: Mail, flag: Path) -> threading.Thread:
    """A message whose scan hangs in the milter's one worker until gateway_scan_timeout kills it
    (then it is tempfailed, or passed as not-scanned with milter_on_error = accept)."""
    def send_hanging() -> None:
        with contextlib.suppress(smtplib.SMTPDataError):
            send(mail, message(unique("hanging"), b"x " + hostile.HANG))

    sender = threading.Thread(target=send_hanging)
    sender.start()
    wait_for(flag.exists, 60, "the hanging scan to start")
    return sender


def busy_milter(mail: Mail, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **settings: str) -> Path:
    flag = tmp_path / "hang-started"
    monkeypatch.setenv(hostile.HANG_FLAG_ENV, str(flag))
    mail.start_milter(hostile.COMMAND, gateway_workers="1", gateway_max_queue="0", gateway_scan_timeout="10",
                      **settings)
    return flag


def test_a_full_queue_tempfails_at_mail_from_and_data_before_the_message_is_sent(
        mail: Mail, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flag = busy_milter(mail, tmp_path, monkeypatch)
    with smtplib.SMTP("127.0.0.1", mail.postfix.smtp_port, timeout=120) as early:
        early.ehlo()
        assert early.mail("sender@example.com")[0] == 250 and early.rcpt("rcpt@example.org")[0] == 250
        hanging = occupy_the_only_worker(mail, flag)
        code, text = early.docmd("DATA")  # refused before the client sends a byte of the message
        assert (code, text) == (451, b"4.7.1 scamscan: every scanner busy, try again later")
    with smtplib.SMTP("127.0.0.1", mail.postfix.smtp_port, timeout=120) as late:
        late.ehlo()
        assert late.mail("sender@example.com") == (451, b"4.7.1 scamscan: every scanner busy, try again later")
    log = (mail.root / "milter.log").read_text()
    assert "tempfail at DATA" in log and "tempfail at MAIL FROM" in log
    hanging.join(120)
    for _ in range(2):  # the worker is free again and no slot was leaked by the refused messages
        with pytest.raises(smtplib.SMTPDataError) as err:
            send(mail, message(unique("lure after busy"), MARKER))
        assert err.value.smtp_code == 550


def test_a_message_that_meets_a_full_queue_is_refused_at_its_first_header(
        mail: Mail, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Postfix sends headers and body after its client's end of data: refused at the first header,
    the milter never buffers the message (a flood cannot make every connection hold one)."""
    flag = busy_milter(mail, tmp_path, monkeypatch)
    with MilterClient(mail.port) as client:
        client.negotiate()
        assert client.envelope() == [CONTINUE] * 5
        hanging = occupy_the_only_worker(mail, flag)
        letter, text = client.header("From", "sender@example.com")
        assert (letter, text) == (REPLYCODE, b"451 4.7.1 scamscan: every scanner busy, try again later\0")
    hanging.join(120)
    with MilterClient(mail.port) as client:  # the refused message held no scan slot
        client.negotiate()
        assert client.envelope() == [CONTINUE] * 5
        assert client.header("From", "sender@example.com")[0] == CONTINUE


def test_a_full_queue_with_on_error_accept_passes_the_message_unscanned(
        mail: Mail, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flag = busy_milter(mail, tmp_path, monkeypatch, milter_on_error="accept")
    hanging = occupy_the_only_worker(mail, flag)
    subject = unique("accepted while busy")
    send(mail, message(subject, MARKER))
    (msg,) = mail.delivered(subject)
    assert msg["X-Scamscan-Verdict"] == "not-scanned"  # type: ignore[index]
    assert "busy" in msg["X-Scamscan-Findings"]  # type: ignore[index,operator]
    hanging.join(120)


def test_malformed_and_large_messages(default_milter: Mail) -> None:
    broken = unique("broken mime")
    send(default_milter, message(broken, b"--zz\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!%%%\r\n--",
                                 extra=b'Content-Type: multipart/mixed; boundary="zz\r\n'))
    (msg,) = default_milter.delivered(broken)
    assert msg["X-Scamscan-Verdict"] in ("clean", "incomplete")  # type: ignore[index]
    # 50 MB: delivered with a verdict, or (if the engine needs longer than gateway_scan_timeout on this
    # machine) a clean 451 "not scanned" so the sender retries; other senders are served meanwhile.
    big = unique("fifty megabytes")
    line = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n"
    outcome: list[object] = []

    def send_big() -> None:
        try:
            send(default_milter, message(big, line * (50 * 1024 * 1024 // len(line))))
            outcome.append("sent")
        except smtplib.SMTPDataError as exc:
            outcome.append(exc)

    sender = threading.Thread(target=send_big)
    sender.start()
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(default_milter, message(unique("meanwhile"), MARKER))
    assert err.value.smtp_code == 550
    sender.join(300)
    if outcome == ["sent"]:
        (msg,) = default_milter.delivered(big)
        assert msg["X-Scamscan-Verdict"] in ("clean", "incomplete")  # type: ignore[index]
    else:
        (exc,) = outcome
        assert isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code == 451
        assert b"not scanned" in exc.smtp_error
    milter = default_milter.milter
    assert milter is not None and milter.proc is not None and milter.proc.poll() is None


def test_bad_and_idle_milter_clients_do_not_disturb_the_mta(default_milter: Mail) -> None:
    """Garbage, an absurd packet length, a client that stops mid-packet and a thousand idle
    connections on the milter's port: Postfix's mail is still scanned and acted on."""
    import socket
    import struct

    port = default_milter.port
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(1000)]
    try:
        bad = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        bad[0].sendall(b"GET / HTTP/1.0\r\n\r\n" * 100)
        bad[1].sendall(struct.pack(">I", 0x7FFFFFFF) + b"B" + b"x" * 100)
        bad[2].sendall(struct.pack(">I", 1000) + b"L" + b"only part")
        idle += bad
        with pytest.raises(smtplib.SMTPDataError) as err:
            send(default_milter, message(unique("among bad clients"), MARKER))
        assert err.value.smtp_code == 550
        clean = unique("clean among bad clients")
        send(default_milter, message(clean))
        (msg,) = default_milter.delivered(clean)
        assert msg["X-Scamscan-Verdict"] == "clean"  # type: ignore[index]
        assert default_milter.milter is not None and default_milter.milter.proc is not None
        assert default_milter.milter.proc.poll() is None
    finally:
        for s in idle:
            s.close()
