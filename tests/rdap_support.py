"""A small RDAP service on 127.0.0.1 for the tests: an RFC 9224 bootstrap file and domain objects.

``domains`` maps a name to a registration date (an ISO string), to ``"garbage"`` (a body that is not
JSON), ``"hang"`` (no answer until the test ends) or ``"drip"`` (a byte at a time, never done);
other names get 404.  ``/nrd.txt`` serves ``nrd``, a newly-registered-domains list.  ``requests``
records every path asked.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class RdapServer:
    base: str = ""
    domains: dict[str, str] = field(default_factory=dict)
    bootstrap: bytes | None = None  # None: a bootstrap naming this server for .test and .example
    nrd: bytes = b""  # served at /nrd.txt: a newly-registered-domains list for `feeds update`
    requests: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def bootstrap_url(self) -> str:
        return f"{self.base}/dns.json"

    @property
    def rdap_url(self) -> str:
        return f"{self.base}/rdap/"


def _handler(state: RdapServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: bytes, length: int | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/rdap+json")
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            state.requests.append(self.path)
            if self.path == "/nrd.txt":
                self._send(200, state.nrd)
                return
            if self.path == "/dns.json":
                doc = {"version": "1.0", "services": [[["test", "example"], [state.rdap_url]]]}
                self._send(200, state.bootstrap if state.bootstrap is not None else json.dumps(doc).encode())
                return
            name = self.path.rsplit("/", 1)[-1].lower()
            what = state.domains.get(name)
            if what is None:
                self._send(404, b'{"errorCode": 404, "title": "not found"}')
            elif what == "garbage":
                self._send(200, b"\x00\xffnot json at all<html>")
            elif what == "hang":
                state.release.wait(30)
            elif what == "drip":
                self._send(200, b"{", length=10_000)
                while not state.release.is_set():
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.05)
            else:
                doc = {"objectClassName": "domain", "ldhName": name.upper(), "events": [
                    {"eventAction": "last changed", "eventDate": "2026-01-01T00:00:00Z"},
                    {"eventAction": "registration", "eventDate": what}]}
                self._send(200, json.dumps(doc).encode())

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def serve() -> Iterator[RdapServer]:
    state = RdapServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        httpd.shutdown()
        httpd.server_close()
