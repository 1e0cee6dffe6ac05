"""`scamscan serve` (embedded workers) through real HTTP: the Thunderstorm routes with the PyPI
`thunderstormAPI` client, the native API, metrics, OpenAPI, token and rate limit."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from service_support import CLEAN, LURE, LURES, ROOT, Daemon, multipart, request, start_server, wait_for, wait_job
from thunderstormAPI.thunderstorm import ThunderstormAPI

from scanner.models import ScanReport
from scanner.render.json import schema


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Daemon, str]]:
    tmp = tmp_path_factory.mktemp("serve")
    daemon, base = start_server(tmp, "--workers", "2", service_header_timeout=2, service_max_body="2MB",
                                service_rate_limit="")
    yield daemon, base
    daemon.stop()


def client(base: str) -> ThunderstormAPI:
    host, port = base.removeprefix("http://").split(":")
    return ThunderstormAPI(host=host, port=int(port), source="test-host")


def test_thunderstorm_client_sync_lure_and_clean(server: tuple[Daemon, str]) -> None:
    api = client(server[1])
    for lure in LURES:
        result = api.scan(str(lure))
        assert isinstance(result, list) and result, f"{lure.name}: {result}"
        assert result[0]["level"] in ("Alert", "Warning"), result[0]
        assert result[0]["context"]["sha256"] == hashlib.sha256(lure.read_bytes()).hexdigest()
        assert result[0]["context"]["source"] == "test-host"
        assert result[0]["matches"] and all("rulename" in m and "subscore" in m for m in result[0]["matches"])
    assert any(m["matched"] for m in api.scan(str(LURE))[0]["matches"])  # the evidence strings
    for clean in CLEAN:
        assert api.scan(str(clean)) == [], clean.name
    locked = api.scan(str(ROOT / "samples/bad/encrypted.zip"))  # not analysable: never an empty list
    assert locked[0]["level"] == "Notice" and "incomplete.encrypted" in {m["rulename"] for m in locked[0]["matches"]}


def test_thunderstorm_client_async_status_info(server: tuple[Daemon, str]) -> None:
    api = client(server[1])
    receipt = api.scan(str(LURE), asyn=True)
    assert receipt["id"] and receipt["file"] == str(LURE)
    out: dict[str, Any] = {}
    wait_for(lambda: out.update(api.get_async_result(receipt["id"])) or out.get("status") == "done", 60, "result")
    assert out["result"][0]["level"] == "Alert"
    status = api.get_status()
    assert status["uptime_seconds"] >= 0 and status["scanned_samples"] >= 1
    assert api.get_info()["thor_version"].startswith("scamscan")


def test_thunderstorm_v1_prefix_and_absolute_form_target(server: tuple[Daemon, str]) -> None:
    base = server[1]
    body, ctype = multipart(LURE.read_bytes(), "mail.eml")
    status, _, found = request(base + "/api/v1/check?source=x", body, {"Content-Type": ctype})
    assert status == 200 and found[0]["level"] == "Alert"
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"GET {base}/api/status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200") and b"uptime_seconds" in answer


def test_native_sync_async_results(server: tuple[Daemon, str]) -> None:
    base = server[1]
    data = LURE.read_bytes()
    status, _, job = request(base + "/v1/scan?name=hotfix-mail.eml", data,
                             {"Content-Type": "application/octet-stream"})
    assert status == 200 and job["state"] == "done" and job["name"] == "hotfix-mail.eml"
    jsonschema.Draft202012Validator(schema()).validate(job["report"])  # the published --format json schema
    report = ScanReport.from_dict(job["report"])
    assert report.verdict.value == "malicious" and report.files[0].path == "hotfix-mail.eml"
    body, ctype = multipart(CLEAN[0].read_bytes(), "notes.txt")
    status, head, queued = request(base + "/v1/jobs", body, {"Content-Type": ctype})
    assert status == 202 and head["location"] == f"/v1/jobs/{queued['id']}"
    done = wait_job(base, queued["id"])
    assert done["report"]["verdict"] == "clean" and done["report"]["files"][0]["path"] == "notes.txt"
    status, _, latest = request(f"{base}/v1/results/{hashlib.sha256(data).hexdigest()}")
    assert status == 200 and latest["verdict"] == "malicious"
    assert request(f"{base}/v1/results/{'0' * 64}")[0] == 404


def test_same_file_again_is_answered_from_the_cache(server: tuple[Daemon, str]) -> None:
    base = server[1]
    data = LURES[1].read_bytes()
    first = request(base + "/v1/scan?name=again.ps1", data, {"Content-Type": "application/octet-stream"})[2]
    second = request(base + "/v1/scan?name=again.ps1", data, {"Content-Type": "application/octet-stream"})[2]
    assert second["report"]["files"][0]["cached"] is True
    assert second["report"]["files"][0]["findings"] == first["report"]["files"][0]["findings"]


def test_metrics_and_openapi(server: tuple[Daemon, str]) -> None:
    base = server[1]
    request(base + "/v1/scan?name=m.eml", LURE.read_bytes(), {"Content-Type": "application/octet-stream"})
    status, head, text = request(base + "/metrics")
    assert status == 200 and head["content-type"].startswith("text/plain")
    lines = dict(line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))
    assert float(lines['scamscan_verdicts_total{verdict="malicious"}']) >= 1
    assert "scamscan_queue_length" in lines and float(lines["scamscan_scans_total"]) >= 1
    assert float(lines['scamscan_scan_seconds_bucket{le="+Inf"}']) >= 1
    assert float(lines['scamscan_request_seconds_count{endpoint="/v1/scan"}']) >= 1
    status, _, doc = request(base + "/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.") and "/api/check" in doc["paths"]


def test_token_and_rate_limit(tmp_path: Path) -> None:
    daemon, base = start_server(tmp_path, "--workers", "1", service_token="s3cret", service_rate_limit="4/minute")
    try:
        assert request(base + "/v1/health")[0] == 200  # open, and not counted
        status, head, err = request(base + "/api/status")
        assert status == 401 and err["error"] == "unauthorized" and head["www-authenticate"] == "Bearer"
        assert request(base + "/api/status", headers={"Authorization": "Bearer wrong"})[0] == 401
        good = {"Authorization": "Bearer s3cret"}
        codes = [request(base + "/api/status", headers=good)[0] for _ in range(2)]
        assert codes == [200, 200]  # the 2 refused requests above count too: no unlimited token guessing
        status, head, err = request(base + "/api/status", headers=good)
        assert status == 429 and err["error"] == "rate_limited" and int(head["retry-after"]) >= 1
    finally:
        daemon.stop()
