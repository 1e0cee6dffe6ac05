"""The X-Scamscan-* header fields every gateway hook adds, and prepending them to raw mail.

Values are plain ASCII (finding ids are rule names and stable codes) so they need
no RFC 2047 encoding; the findings list is capped so a message with hundreds of
hits cannot produce a header line an MTA refuses.
"""

from __future__ import annotations

import re

from ..models import ItemReport

VERDICT = "X-Scamscan-Verdict"
SCORE = "X-Scamscan-Score"
FINDINGS = "X-Scamscan-Findings"
NAMES = (VERDICT, SCORE, FINDINGS)
PREFIX = "x-scamscan-"  # every field under it is ours: a sender's copy is removed, never trusted
MAX_FINDINGS_CHARS = 700
_UNSAFE = re.compile(r"[^\x21-\x7e]")
_OURS = re.compile(rb"x-scamscan-[^:\r\n]*:", re.IGNORECASE)


def finding_ids(report: ItemReport) -> list[str]:
    """Distinct `check:id` of the findings, highest score first."""
    seen: dict[str, None] = {}
    for f in report.findings:
        seen.setdefault(_UNSAFE.sub("_", f"{f.check}:{f.id}"), None)
    return list(seen)


def top_finding(report: ItemReport) -> str:
    """The clamd-style signature name: the top finding's id (the verdict when there is none)."""
    for f in report.findings:
        if f.score > 0:
            return _UNSAFE.sub("_", f.id)
    return f"Scamscan.{report.verdict.value.capitalize()}"


def report_headers(report: ItemReport) -> list[tuple[str, str]]:
    ids = finding_ids(report)
    findings = ""
    for i, fid in enumerate(ids):
        candidate = f"{findings}, {fid}" if findings else fid
        if len(candidate) > MAX_FINDINGS_CHARS:
            findings += f", +{len(ids) - i} more"
            break
        findings = candidate
    if report.incomplete and not ids:
        findings = "incomplete: " + ", ".join(sorted({i.reason for i in report.incomplete}))
    headers = [(VERDICT, report.verdict.value), (SCORE, str(report.score))]
    if findings:
        headers.append((FINDINGS, findings))
    return headers


def error_headers(reason: str) -> list[tuple[str, str]]:
    """Headers for a message that went through without being scanned: never reads as clean."""
    return [(VERDICT, "not-scanned"), (FINDINGS, "error: " + _UNSAFE.sub(" ", reason)[:200].strip())]


def line_ending(message: bytes) -> bytes:
    """CRLF if the message's first line uses it, else LF (Postfix pipe and procmail give LF)."""
    end = message.find(b"\n")
    return b"\r\n" if end > 0 and message[end - 1:end] == b"\r" else b"\n"


def prepend(message: bytes, headers: list[tuple[str, str]]) -> bytes:
    """The message with `headers` above its first line; the rest is the original bytes.

    A leading mbox "From " line (procmail, Postfix pipe with flag F) stays first."""
    eol = line_ending(message)
    block = b"".join(f"{name}: {value}".encode("ascii", "replace") + eol for name, value in headers)
    if message.startswith(b"From "):
        cut = message.find(b"\n") + 1 or len(message)
        return message[:cut] + block + message[cut:]
    return block + message


def is_ours(name: str) -> bool:
    return name.strip().lower().startswith(PREFIX)


def strip_ours(message: bytes) -> bytes:
    """The message without any X-Scamscan-* field (and its folded lines) in its header block.

    A sender's own ``X-Scamscan-Verdict: clean`` must not reach a procmail recipe or a
    Sieve rule that files on it, as the milter removes it too.  Only the header block is
    read and only those lines go; every other byte, the body included, is kept as it was."""
    out: list[bytes] = []
    pos, dropping, changed = 0, False, False
    if message.startswith(b"From "):  # mbox From_ line: not a header
        pos = message.find(b"\n") + 1 or len(message)
        out.append(message[:pos])
    while pos < len(message):
        end = message.find(b"\n", pos)
        end = len(message) if end < 0 else end + 1
        line = message[pos:end]
        if line in (b"\n", b"\r\n"):
            break  # end of the header block
        if line[:1] in (b" ", b"\t"):
            keep = not dropping  # a folded continuation of the field before
        else:
            dropping = _OURS.match(line) is not None
            keep = not dropping
        if keep:
            out.append(line)
        else:
            changed = True
        pos = end
    if not changed:
        return message
    return b"".join(out) + message[pos:]
