"""The MTA's side of the milter protocol, for tests that must see which event a milter answers and how.

libmilter (and pymilter on it) is the milter's side only, and Postfix hides from its SMTP client
which event a reply came from; this speaks the packets as Postfix does (Sendmail's
libmilter/docs and milter-protocol.txt): a 4-byte length, a command letter, its payload.
"""

from __future__ import annotations

import socket
import struct
from types import TracebackType

CONTINUE, TEMPFAIL, REPLYCODE, PROGRESS = b"c", b"t", b"y", b"p"


class MilterClient:
    def __init__(self, port: int, timeout: float = 60.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)

    def __enter__(self) -> MilterClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.sock.close()

    def send(self, command: bytes, payload: bytes = b"") -> None:
        self.sock.sendall(struct.pack(">I", len(payload) + 1) + command + payload)

    def reply(self) -> tuple[bytes, bytes]:
        """The next reply other than 'progress': (letter, payload)."""
        while True:
            (size,) = struct.unpack(">I", self.sock.recv(4, socket.MSG_WAITALL))
            packet = self.sock.recv(size, socket.MSG_WAITALL)
            if packet[:1] != PROGRESS:
                return packet[:1], packet[1:]

    def ask(self, command: bytes, payload: bytes = b"") -> tuple[bytes, bytes]:
        self.send(command, payload)
        return self.reply()

    def negotiate(self) -> int:
        """Offer protocol version 6 with every action and step; return the milter's step flags."""
        letter, payload = self.ask(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF))
        assert letter == b"O", letter
        return int(struct.unpack(">III", payload[:12])[2])

    def envelope(self) -> list[bytes]:
        """Connect, HELO, MAIL FROM, RCPT TO and DATA: the reply letter of each, up to the first that
        is not 'continue' (an MTA sends nothing more for a refused message)."""
        steps = [(b"C", b"client.example\0" + b"4" + struct.pack(">H", 25000) + b"127.0.0.1\0"),
                 (b"H", b"client.example\0"), (b"M", b"<sender@example.com>\0"), (b"R", b"<rcpt@example.org>\0"),
                 (b"T", b"")]
        letters: list[bytes] = []
        for command, payload in steps:
            letters.append(self.ask(command, payload)[0])
            if letters[-1] != CONTINUE:
                break
        return letters

    def header(self, name: str, value: str) -> tuple[bytes, bytes]:
        return self.ask(b"L", name.encode() + b"\0" + value.encode() + b"\0")
