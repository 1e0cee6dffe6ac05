"""Bad input to `scamscan serve`: each gets a clear 4xx with a JSON error, and the service keeps
answering everyone else meanwhile."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_support import LURE, Daemon, multipart, request, slow_text, start_server, wait_job

HEADER_TIMEOUT = 2


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Daemon, str]]:
    tmp = tmp_path_factory.mktemp("serve-bad")
    daemon, base = start_server(tmp, "--workers", "1", service_header_timeout=HEADER_TIMEOUT,
                                service_max_body="1MB", service_rate_limit="")
    yield daemon, base
    daemon.stop()


def serves(base: str) -> bool:
    body, ctype = multipart(LURE.read_bytes(), "mail.eml")
    status, _, found = request(base + "/api/check", body, {"Content-Type": ctype}, timeout=30)
    return status == 200 and found[0]["level"] == "Alert"


def raw_exchange(port: int, data: bytes, timeout: float = 30) -> tuple[int, dict[str, object]]:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_truncated_multipart(server: tuple[Daemon, str]) -> None:
    base = server[1]
    body, ctype = multipart(LURE.read_bytes(), "mail.eml")
    cut = body[: len(body) // 2]
    status, _, err = request(base + "/api/check", cut, {"Content-Type": ctype})
    assert status == 400 and err["error"] in ("truncated", "bad_multipart"), err
    port = int(base.rsplit(":", 1)[1])  # a body shorter than its Content-Length, then the client hangs up
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"POST /api/check HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n"
                     f"Content-Length: {len(body)}\r\n\r\n".encode() + cut)
        sock.shutdown(socket.SHUT_WR)
        sock.recv(65536)
    assert serves(base)


def test_body_over_the_limit(server: tuple[Daemon, str]) -> None:
    base = server[1]
    port = int(base.rsplit(":", 1)[1])
    # Refused on the declared length, before any of the body is read (none is sent: no reset races).
    status, err = raw_exchange(port, b"POST /v1/scan HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n"
                                     b"Content-Type: application/octet-stream\r\n\r\n")
    assert status == 413 and err["error"] == "too_large"
    # Chunked, no Content-Length: counted while it arrives; refused at limit + 1 byte.
    chunks = b"%x\r\n%s\r\n" % (256 * 1024, b"B" * 256 * 1024) * 4 + b"1\r\nB\r\n"
    status, err = raw_exchange(port, b"POST /v1/scan HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                     b"Content-Type: application/octet-stream\r\n\r\n" + chunks)
    assert status == 413 and err["error"] == "too_large"
    assert serves(base)


def test_wrong_content_type(server: tuple[Daemon, str]) -> None:
    base = server[1]
    status, _, err = request(base + "/api/check", b'{"file": "x"}', {"Content-Type": "application/json"})
    assert status == 415 and err["error"] == "unsupported_media_type"
    status, _, err = request(base + "/v1/scan", b"a=b", {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 415
    body, ctype = multipart(b"data", "x.txt", field="other")
    status, _, err = request(base + "/api/check", body, {"Content-Type": ctype})
    assert status == 400 and err["error"] == "missing_file"


def test_unknown_job_and_route(server: tuple[Daemon, str]) -> None:
    base = server[1]
    status, _, err = request(base + "/v1/jobs/does-not-exist")
    assert status == 404 and err["error"] == "unknown_job"
    status, _, err = request(base + "/api/getAsyncResults?id=12345")
    assert status == 404 and err["error"] == "unknown_job"
    status, _, err = request(base + "/no/such/route")
    assert status == 404 and err["error"] == "not_found"
    status, _, err = request(base + "/v1/results/xyz")
    assert status == 400 and err["error"] == "bad_sha256"


def test_a_thousand_idle_connections(server: tuple[Daemon, str]) -> None:
    base = server[1]
    port = int(base.rsplit(":", 1)[1])
    idle = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(1000)]
    try:
        assert serves(base)  # while all of them are open
        answers = []
        for sock in idle[:20]:  # each gets a 408 with a JSON error once the header deadline passes
            head, _, body = sock.recv(65536).partition(b"\r\n\r\n")
            answers.append((head.split()[1], json.loads(body)["error"]))
        assert set(answers) == {(b"408", "timeout")}
        for sock in idle[20:40]:  # and is closed after it
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 408")
    finally:
        for sock in idle:
            sock.close()
    assert serves(base)


def test_slow_loris(server: tuple[Daemon, str]) -> None:
    base = server[1]
    port = int(base.rsplit(":", 1)[1])
    result: dict[str, object] = {}

    def loris() -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            try:
                for byte in b"POST /api/check HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
                    sock.sendall(bytes([byte]))
                    time.sleep(0.2)
            except OSError:
                pass  # closed on us: expected
            result["answer"] = sock.recv(65536)

    thread = threading.Thread(target=loris)
    thread.start()
    assert serves(base)  # others are served while the loris dribbles
    thread.join(60)
    head, _, body = bytes(result["answer"]).partition(b"\r\n\r\n")  # type: ignore[arg-type]
    assert head.startswith(b"HTTP/1.1 408") and json.loads(body)["error"] == "timeout"
    # a slow body (headers complete) is bounded as well
    status, err = raw_exchange(port, b"POST /v1/scan HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
                                     b"Content-Type: application/octet-stream\r\n\r\nabc")
    assert status == 408 and err["error"] == "timeout"


def test_queue_full_gets_503_with_retry_after(tmp_path: Path) -> None:
    daemon, base = start_server(tmp_path, "--workers", "1", service_queue_max=0, service_rate_limit="")
    try:
        slow = slow_text()
        status, _, first = request(base + "/v1/jobs?name=slow.txt", slow, {"Content-Type": "application/octet-stream"})
        assert status == 202
        status, head, err = request(base + "/api/checkAsync", *multipart_args(LURE.read_bytes()))
        assert status == 503 and err["error"] == "queue_full" and int(head["retry-after"]) > 0
        wait_job(base, first["id"])
        assert request(base + "/api/checkAsync", *multipart_args(LURE.read_bytes()))[0] == 200
    finally:
        daemon.stop()


def multipart_args(data: bytes) -> tuple[bytes, dict[str, str]]:
    body, ctype = multipart(data, "mail.eml")
    return body, {"Content-Type": ctype}
