"""The clamd INSTREAM client of bench/gateway.py (milters are driven through Postfix: gateway_postfix.py)."""

from __future__ import annotations

import socket
import struct


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
