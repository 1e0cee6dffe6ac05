"""Where the command's logs go: `--log-target stderr|syslog|journald`, `-v` for more.

Only the application configures logging: the library (`scanner.*`) logs to its own named loggers and
never changes another library's logger.  The chatty parsers (pypdf, olevba, extract-msg, tnefparse)
report every oddity of a hostile file, which the scan already records as `incomplete`; their records
(below CRITICAL) are dropped here unless debug logs are asked for.

journald is spoken natively (a datagram of `KEY=value` lines on /run/systemd/journal/socket, see
systemd's "Native Journal Protocol"): the Python bindings (systemd-python) build against libsystemd
and are not on every machine, and the protocol for short messages is a few lines.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import socket
import sys

TARGETS = ("stderr", "syslog", "journald")
NOISY = ("pypdf", "olevba", "extract_msg", "tnefparse")
SYSLOG_SOCKET = "/dev/log"
JOURNAL_SOCKET = "/run/systemd/journal/socket"
_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


class LogSetupError(Exception):
    """The chosen log target cannot be reached."""


class _ThirdPartyNoise(logging.Filter):
    def __init__(self, debug: bool) -> None:
        super().__init__()
        self.debug = debug

    def filter(self, record: logging.LogRecord) -> bool:
        if self.debug or record.levelno >= logging.CRITICAL:
            return True
        return record.name.split(".", 1)[0] not in NOISY


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
        handler.setFormatter(logging.Formatter(f"{ident}[%(process)d]: %(levelname)s %(name)s: %(message)s"))
    elif target == "journald":
        handler = JournalHandler(ident)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(f"{ident}[%(process)d] %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_ThirdPartyNoise(debug=level <= logging.DEBUG))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
