"""The clamd INSTREAM client of bench/gateway.py (milters are driven through Postfix: gateway_postfix.py)."""

from __future__ import annotations

import socket
import struct

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
