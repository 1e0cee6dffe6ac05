"""Minimal clients for bench/gateway.py: clamd INSTREAM and the milter protocol (as an MTA speaks it).

The milter client implements just what Postfix sends for one message (milter protocol v6: option
negotiation honouring the milter's "don't send"/"no reply" flags, MAIL, RCPT, headers, EOH, body
chunks, EOM, then ABORT to reuse the connection) and returns the final action letter.
"""

from __future__ import annotations

import socket
import struct
from email.parser import BytesHeaderParser

NOCONNECT, NOHELO, NOMAIL, NORCPT, NOBODY, NOHDRS, NOEOH, NR_HDR = 0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80
NR_MAIL, NR_RCPT, NR_EOH, NR_BODY = 0x4000, 0x8000, 0x40000, 0x80000
FINAL = {b"a", b"c", b"r", b"t", b"d", b"y"}


def instream(port: int, data: bytes, chunk: int = 65536) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        parts = [b"zINSTREAM\0"]
        parts += [struct.pack(">I", len(data[i:i + chunk])) + data[i:i + chunk] for i in range(0, len(data), chunk)]
        s.sendall(b"".join([*parts, b"\0\0\0\0"]))
        out = b""
        while not out.endswith(b"\0"):
            part = s.recv(4096)
            if not part:
                break
            out += part
        return out.rstrip(b"\0")


class MilterClient:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self._send(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF))
        cmd, data = self._recv()
        assert cmd == b"O", cmd
        _, self.actions, self.proto = struct.unpack(">III", data[:12])
        if not self.proto & NOCONNECT:
            self._send(b"C", b"localhost\0U")
            self._recv()

    def _send(self, cmd: bytes, data: bytes = b"") -> None:
        self.sock.sendall(struct.pack(">I", len(data) + 1) + cmd + data)

    def _recv(self) -> tuple[bytes, bytes]:
        size = struct.unpack(">I", self._exact(4))[0]
        packet = self._exact(size)
        return packet[:1], packet[1:]

    def _exact(self, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            part = self.sock.recv(n - len(buf))
            if not part:
                raise ConnectionError("milter closed the connection")
            buf += part
        return buf

    def _step(self, cmd: bytes, data: bytes, skip: int, noreply: int) -> None:
        if self.proto & skip:
            return
        self._send(cmd, data)
        if not self.proto & noreply:
            self._recv()

    def message(self, raw: bytes) -> bytes:
        """Send one message; the final action: a accept, c continue, r reject, t tempfail, y reply code."""
        head, _, body = raw.partition(b"\r\n\r\n")
        self._step(b"M", b"<sender@example.com>\0", NOMAIL, NR_MAIL)
        self._step(b"R", b"<rcpt@example.org>\0", NORCPT, NR_RCPT)
        for name, value in BytesHeaderParser().parsebytes(head + b"\r\n\r\n").items():
            self._step(b"L", name.encode() + b"\0" + str(value).encode("utf-8", "surrogateescape") + b"\0",
                       NOHDRS, NR_HDR)
        self._step(b"N", b"", NOEOH, NR_EOH)
        for i in range(0, len(body), 65535):
            self._step(b"B", body[i:i + 65535], NOBODY, NR_BODY)
        self._send(b"E")
        while True:
            cmd, data = self._recv()
            if cmd in FINAL:
                self._send(b"A")  # reset for the next message on this connection
                return cmd + (b" " + data.rstrip(b"\0") if cmd == b"y" else b"")

    def close(self) -> None:
        try:
            self._send(b"Q")
        finally:
            self.sock.close()
