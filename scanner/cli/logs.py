"""Where the command's logs go: `--log-target stderr|syslog|journald`, `-v` for more.

Only the application configures logging: the library (`scanner.*`) logs to its own named loggers and
never changes another library's logger.  The chatty parsers (pypdf, olevba, extract-msg, tnefparse)
report every oddity of a hostile file, which the scan already records as `incomplete`; their records
(below CRITICAL) are dropped here unless debug logs are asked for.  Python warnings are routed here
too (`logging.captureWarnings`): parsers warn with the file's own bytes in the message (LnkParse3:
"Error while decoding string `<the string>`"), which Python's default handler wrote raw to stderr.

journald is spoken natively (a datagram of `KEY=value` lines on /run/systemd/journal/socket, see
systemd's "Native Journal Protocol"): the Python bindings (systemd-python) build against libsystemd
and are not on every machine, and the protocol for short messages is a few lines.

Log lines and error messages name files, archive members, paths, header values, queue ids and
feed or parser errors: attacker text.  Every line is shown through `render.escape.visible`, as in
the text report, so a name like ``x\x1b[2K\r...`` or one with U+202E cannot wipe, forge or
reorder lines on a terminal or in syslog/journald (`VisibleFormatter`, `echo_err`).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import socket
import sys
import traceback
from types import TracebackType

import click

from ..render.escape import visible

TARGETS = ("stderr", "syslog", "journald")
NOISY = ("pypdf", "olevba", "extract_msg", "tnefparse", "py.warnings")
SYSLOG_SOCKET = "/dev/log"
JOURNAL_SOCKET = "/run/systemd/journal/socket"
_CAUSE = "The above exception was the direct cause of the following exception:"
_CONTEXT = "During handling of the above exception, another exception occurred:"
_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


class LogSetupError(Exception):
    """The chosen log target cannot be reached."""


def echo_err(text: str) -> None:
    """One line on stderr, attacker text in it escaped."""
    click.echo(visible(text), err=True)


def _visible_lines(text: str) -> str:
    return "\n".join(visible(line) for line in text.split("\n"))


def _traceback_lines(te: traceback.TracebackException) -> list[str]:
    """`te` as `traceback.format_exception` shows it, each line escaped; an exception's own message
    stays on one line (its newlines escaped), so it cannot forge the lines after it."""
    out: list[str] = []
    if te.__cause__ is not None:
        out += [*_traceback_lines(te.__cause__), "", _CAUSE, ""]
    elif te.__context__ is not None and not te.__suppress_context__:
        out += [*_traceback_lines(te.__context__), "", _CONTEXT, ""]
    if te.stack:
        out.append("Traceback (most recent call last):")
        out += [visible(line) for frame in te.stack.format() for line in frame.rstrip("\n").split("\n")]
    out += [visible(chunk.rstrip("\n")) for chunk in te.format_exception_only()]
    return out


class VisibleFormatter(logging.Formatter):
    """Each record's line escaped; a traceback keeps its line breaks, every line escaped."""

    def format(self, record: logging.LogRecord) -> str:
        record.exc_text = None  # logging's cache: another handler's formatter may have filled it unescaped
        return super().format(record)

    def formatMessage(self, record: logging.LogRecord) -> str:
        return visible(super().formatMessage(record))

    def formatException(self, ei: tuple[type[BaseException], BaseException, TracebackType | None]
                        | tuple[None, None, None]) -> str:
        if ei[1] is None:
            return super().formatException(ei)
        return "\n".join(_traceback_lines(traceback.TracebackException(type(ei[1]), ei[1], ei[2])))

    def formatStack(self, stack_info: str) -> str:
        return _visible_lines(super().formatStack(stack_info))


class _ThirdPartyNoise(logging.Filter):
    def __init__(self, debug: bool) -> None:
        super().__init__()
        self.debug = debug

    def filter(self, record: logging.LogRecord) -> bool:
        if self.debug or record.levelno >= logging.CRITICAL:
            return True
        return record.name not in NOISY and record.name.split(".", 1)[0] not in NOISY


class JournalHandler(logging.Handler):
    """One journal entry per record: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, LOGGER, CODE_* fields."""

    def __init__(self, ident: str, address: str = JOURNAL_SOCKET) -> None:
        super().__init__()
        self.ident, self.address = ident, address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self.sock.connect(address)
        except OSError as exc:
            self.sock.close()
            raise LogSetupError(f"journald socket {address}: {exc.strerror or exc}") from None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            fields = {"MESSAGE": self.format(record), "PRIORITY": str(_PRIORITY.get(record.levelno, 6)),
                      "SYSLOG_IDENTIFIER": self.ident, "LOGGER": record.name, "CODE_FILE": record.pathname,
                      "CODE_LINE": str(record.lineno), "CODE_FUNC": record.funcName}
            self.sock.send(b"".join(_field(k, v) for k, v in fields.items()))
        except Exception:  # noqa: BLE001 - logging must never take the daemon down
            self.handleError(record)

    def close(self) -> None:
        self.sock.close()
        super().close()


def _field(key: str, value: str) -> bytes:
    data = value.encode("utf-8", "backslashreplace")
    if b"\n" not in data:
        return key.encode() + b"=" + data + b"\n"
    return key.encode() + b"\n" + len(data).to_bytes(8, "little") + data + b"\n"  # binary-safe form


def setup_logging(target: str = "stderr", verbose: int = 0, ident: str = "scamscan") -> None:
    """Route the root logger to `target` at WARNING, INFO (-v) or DEBUG (-vv)."""
    level = max(logging.DEBUG, logging.WARNING - 10 * verbose)
    handler: logging.Handler
    if target == "syslog":
        if not os.path.exists(SYSLOG_SOCKET):
            raise LogSetupError(f"syslog socket {SYSLOG_SOCKET} not found (is a syslog daemon running?)")
        handler = logging.handlers.SysLogHandler(SYSLOG_SOCKET, facility=logging.handlers.SysLogHandler.LOG_MAIL)
        handler.setFormatter(VisibleFormatter(f"{ident}[%(process)d]: %(levelname)s %(name)s: %(message)s"))
    elif target == "journald":
        handler = JournalHandler(ident, JOURNAL_SOCKET)
        handler.setFormatter(VisibleFormatter("%(name)s: %(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(VisibleFormatter(f"{ident}[%(process)d] %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_ThirdPartyNoise(debug=level <= logging.DEBUG))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)  # warnings.warn(...) -> logger "py.warnings": escaped, parser noise unless debug
