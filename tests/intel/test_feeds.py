"""Threat feeds against a real HTTP(S) server on 127.0.0.1 started here, plus parsing, lookups and the CLI."""

from __future__ import annotations

import hashlib
import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers import finding_keys, run_scamscan, write_rules_dir

from scanner.api import Scanner
from scanner.config import Settings
from scanner.intel.feeds import FeedConfig, FeedError, SortedList, cached_feeds, load_feeds_config, read_meta
from scanner.intel.fetch import update_feed
from scanner.intel.parse import parse_feed

DOMAINS = "".join(f"bad{i}.example.net\n" for i in range(100)).encode()
TENTH = b"".join(DOMAINS.splitlines(keepends=True)[:10])


@dataclass
class Reply:
    status: int = 200
    body: bytes = DOMAINS
    headers: dict[str, str] = field(default_factory=dict)
    truncate: bool = False  # announce the full length, send half, close


@dataclass
class Server:
    url: str
    replies: list[Reply]
    requests: list[dict[str, str]]


def _handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append({k.lower(): v for k, v in self.headers.items()})
            reply = server.replies.pop(0) if len(server.replies) > 1 else server.replies[0]
            self.send_response(reply.status)
            for k, v in reply.headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body[: len(reply.body) // 2] if reply.truncate else reply.body)
            if reply.truncate:
                self.close_connection = True

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def _serve(tls: ssl.SSLContext | None = None) -> Iterator[Server]:
    state = Server("", [Reply()], [])
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    state.url = f"{'https' if tls else 'http'}://127.0.0.1:{httpd.server_address[1]}/feed.txt"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    yield from _serve()


def cfg(url: str, **kw: object) -> FeedConfig:
    values: dict[str, object] = {"retries": 2, "backoff": 0.01, "read_timeout": 5, "connect_timeout": 5, **kw}
    name, fmt = str(values.pop("name", "test")), str(values.pop("format", "domains"))
    return FeedConfig(name=name, url=url, format=fmt, **values)  # type: ignore[arg-type]


def lines(feed_dir: Path, name: str = "test") -> list[str]:
    return (feed_dir / f"{name}.list").read_text().split()


def test_200_then_304_conditional_get(server: Server, tmp_path: Path) -> None:
    server.replies[:] = [Reply(headers={"ETag": '"v1"', "Last-Modified": "Mon, 01 Jul 2024 00:00:00 GMT"}),
                         Reply(status=304, body=b"")]
    first = update_feed(cfg(server.url), tmp_path)
    assert first.ok and first.status == "updated" and first.count == 100
    meta = read_meta(tmp_path, "test")
    assert meta["etag"] == '"v1"' and meta["count"] == 100 and meta["source"] == server.url
    assert len(meta["sha256"]) == 64 and meta["fetched_at"]
    second = update_feed(cfg(server.url), tmp_path)
    assert second.ok and second.status == "not_modified"
    assert server.requests[1]["if-none-match"] == '"v1"'
    assert server.requests[1]["if-modified-since"] == "Mon, 01 Jul 2024 00:00:00 GMT"
    assert len(lines(tmp_path)) == 100


def test_429_retry_after_is_honoured(server: Server, tmp_path: Path) -> None:
    server.replies[:] = [Reply(status=429, body=b"slow down", headers={"Retry-After": "7"}), Reply()]
    waits: list[float] = []
    result = update_feed(cfg(server.url), tmp_path, sleep=waits.append)
    assert result.ok and waits == [7.0] and len(server.requests) == 2


def test_503_retry_after_too_long_gives_up(server: Server, tmp_path: Path) -> None:
    server.replies[:] = [Reply(status=503, body=b"", headers={"Retry-After": "86400"})]
    result = update_feed(cfg(server.url), tmp_path, sleep=lambda s: None)
    assert not result.ok and "retry after" in result.message


def _with_good_copy(server: Server, tmp_path: Path) -> None:
    assert update_feed(cfg(server.url), tmp_path).ok


@pytest.mark.parametrize(("reply", "reason"), [
    (Reply(status=500, body=b"oops"), "HTTP 500"),
    (Reply(truncate=True), "truncated"),
    (Reply(body=b"<!DOCTYPE html><html><body>Service unavailable</body></html>"), "HTML"),
    (Reply(body=TENTH), "shrank"),
    (Reply(body=b"x" * 5000), "max_size"),
    (Reply(body=b"this is not\na list of\ndomains at all\n"), "not valid"),
])
def test_failure_keeps_last_good_copy(server: Server, tmp_path: Path, reply: Reply, reason: str) -> None:
    _with_good_copy(server, tmp_path)
    before = (tmp_path / "test.list").read_bytes()
    server.replies[:] = [reply]
    result = update_feed(cfg(server.url, max_size=4096), tmp_path, sleep=lambda s: None)
    assert not result.ok and reason in result.message and "kept the last good copy" in result.message
    assert (tmp_path / "test.list").read_bytes() == before
    meta = read_meta(tmp_path, "test")
    assert reason in meta["last_error"] and meta["count"] == 100
    assert [f.name for f in cached_feeds(tmp_path)] == ["test"]


def test_shrink_accepted_with_force(server: Server, tmp_path: Path) -> None:
    _with_good_copy(server, tmp_path)
    server.replies[:] = [Reply(body=TENTH)]
    assert update_feed(cfg(server.url), tmp_path, force=True).ok
    assert len(lines(tmp_path)) == 10


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not installed")
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=scamscan test feed", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")], check=True, capture_output=True)
    return d / "cert.pem", d / "key.pem"


def test_tls_self_signed_refused_then_accepted_with_ca(certificate: tuple[Path, Path], tmp_path: Path) -> None:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*certificate)
    for srv in _serve(ctx):
        refused = update_feed(cfg(srv.url), tmp_path)
        assert not refused.ok and "TLS verification failed" in refused.message
        accepted = update_feed(cfg(srv.url, ca_bundle=str(certificate[0])), tmp_path)
        assert accepted.ok and accepted.count == 100


@pytest.mark.parametrize(("fmt", "extra", "body", "expected"), [
    ("domains", {}, b"# comment\nEvil.Example.COM.\n*.wild.example.org\n", ["evil.example.com", "wild.example.org"]),
    ("hosts", {}, b"127.0.0.1 localhost\n0.0.0.0 bad.example.com # x\n0.0.0.0 other.example.net\n",
     ["bad.example.com", "other.example.net"]),
    ("urls", {}, b"https://Phish.Example.com/login?x=1\nhttp://b.example.org\n",
     ["http://b.example.org/", "https://phish.example.com/login?x=1"]),
    ("sha256", {}, b"# header\n" + b"A" * 64 + b"\n", ["a" * 64]),
    ("csv", {"column": "ioc"}, b'# exported\nid,ioc\n1,"bad.example.com"\n2,worse.example.net\n',
     ["bad.example.com", "worse.example.net"]),
    ("json", {"path": "*.*.ioc_value"}, json.dumps({"1": [{"ioc_value": "a.example.com"}],
                                                    "2": [{"ioc_value": "b.example.com"}]}).encode(),
     ["a.example.com", "b.example.com"]),
])
def test_formats(fmt: str, extra: dict[str, str], body: bytes, expected: list[str]) -> None:
    assert parse_feed(body, cfg("https://x.example/", format=fmt, **extra)) == expected


def test_parse_rejects_empty_and_wrong_json() -> None:
    with pytest.raises(FeedError, match="at least"):
        parse_feed(b"# nothing\n", cfg("https://x.example/", min_entries=1))
    with pytest.raises(FeedError, match="not JSON"):
        parse_feed(b"{broken", cfg("https://x.example/", format="json", path="x"))


def test_sorted_list_lookup(tmp_path: Path) -> None:
    values = sorted({f"d{i * 7919 % 100003}.example" for i in range(5000)})
    path = tmp_path / "x.list"
    path.write_text("".join(v + "\n" for v in values))
    sl = SortedList(path)
    assert all(v in sl for v in values[::37])
    assert "zzz.example" not in sl and "a" not in sl and "d1.exampl" not in sl
    (tmp_path / "empty.list").write_bytes(b"")
    assert "x" not in SortedList(tmp_path / "empty.list")


def test_config_defaults_and_user_tables(tmp_path: Path) -> None:
    conf = tmp_path / "s.toml"
    conf.write_text('cache_dir = "/tmp/x"\n[feeds]\nca_bundle = "/etc/ca.pem"\nmax_size = "1MB"\n'
                    '[feeds.urlhaus]\nenabled = true\n[feeds.mine]\nurl = "https://feeds.example/d.txt"\n'
                    'format = "domains"\n')
    fc = load_feeds_config("/tmp/x", conf)
    assert set(fc.feeds) == {"urlhaus", "threatfox", "openphish", "malwarebazaar", "mine"}
    assert fc.feeds["urlhaus"].enabled and not fc.feeds["openphish"].enabled
    assert fc.feeds["urlhaus"].url.startswith("https://urlhaus.abuse.ch/")
    assert fc.feeds["mine"].ca_bundle == "/etc/ca.pem" and fc.feeds["mine"].enabled
    assert fc.feeds["mine"].max_size == 1024 * 1024
    conf.write_text('[feeds.bad]\nurl = "ftp://x"\nformat = "domains"\n')
    with pytest.raises(FeedError, match="url"):
        load_feeds_config("/tmp/x", conf)


def test_scan_uses_cached_feeds_and_result_cache_key_changes(server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    rules = write_rules_dir(tmp_path / "rules", {"t.yar": "rule T { condition: false }"})
    settings = Settings().replace(cache_dir=str(cache), rules_dirs=(str(rules),), use_bundled_rules=False, jobs=1)
    sample = b"download from http://www.bad7.example.net/x.exe now\n"
    assert "ioc:known_bad_domain" not in finding_keys(Scanner(settings).scan_bytes(sample, "a.txt"))
    assert update_feed(cfg(server.url), cache / "feeds").ok
    report = Scanner(settings).scan_bytes(sample, "a.txt")
    assert "ioc:known_bad_domain" in finding_keys(report)
    f = next(f for f in report.findings if f.id == "known_bad_domain")
    assert f.evidence["source"] == "feed:test" and f.evidence["indicator"] == "bad7.example.net"


def test_cli_update_status_version(server: Server, tmp_path: Path) -> None:
    conf = tmp_path / "settings.toml"
    conf.write_text(f'cache_dir = "{tmp_path / "cache"}"\n[feeds.local]\nurl = "{server.url}"\nformat = "domains"\n'
                    'retries = 0\n')
    ok = run_scamscan(["--config", conf, "feeds", "update"])
    assert ok.returncode == 0 and b"local: updated: 100 entries" in ok.stdout
    status = run_scamscan(["--config", conf, "feeds", "status", "--max-age", "1"])
    assert status.returncode == 0 and b"local" in status.stdout
    version = run_scamscan(["--config", conf, "version"])
    assert b"feed local fetched" in version.stdout
    server.replies[:] = [Reply(status=500, body=b"")]
    failed = run_scamscan(["--config", conf, "feeds", "update", "local"])
    assert failed.returncode == 1 and b"FAILED: HTTP 500" in failed.stderr
    assert b"kept the last good copy" in failed.stderr
    status = run_scamscan(["--config", conf, "feeds", "status"])
    assert b"HTTP 500" in status.stdout
    stale = run_scamscan(["--config", conf, "feeds", "status", "--max-age", "0"])
    assert stale.returncode == 1 and b"stale" in stale.stderr
    unknown = run_scamscan(["--config", conf, "feeds", "update", "nope"])
    assert unknown.returncode == 2



def test_sha256_and_url_feeds_in_scans(server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    rules = write_rules_dir(tmp_path / "rules", {"t.yar": "rule T { condition: false }"})
    settings = Settings().replace(cache_dir=str(cache), rules_dirs=(str(rules),), use_bundled_rules=False, jobs=1)
    payload = b"fake hotfix payload\n"
    digest = hashlib.sha256(payload).hexdigest()
    server.replies[:] = [Reply(body=f"# sha256\n{digest}\n".encode())]
    assert update_feed(cfg(server.url, name="hashes", format="sha256"), cache / "feeds").ok
    server.replies[:] = [Reply(body=b"https://files.example.org/dl/Setup.exe\n")]
    assert update_feed(cfg(server.url, name="phish", format="urls"), cache / "feeds").ok
    scanner = Scanner(settings)
    assert "ioc:known_bad_sha256" in finding_keys(scanner.scan_bytes(payload, "x.bin"))
    text = b"get https://FILES.example.org/dl/Setup.exe and https://files.example.org/ok\n"
    report = scanner.scan_bytes(text, "m.txt")
    assert [f.evidence["url"] for f in report.findings if f.id == "known_bad_url"] == [
        "https://FILES.example.org/dl/Setup.exe"]
    assert "ioc:known_bad_domain" not in finding_keys(report)  # a URL feed does not condemn the whole host


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once it is closed


def test_refused_connection_is_not_retried_and_reads_as_one_line(tmp_path: Path) -> None:
    waits: list[float] = []
    url = f"http://127.0.0.1:{_closed_port()}/feed.txt"
    result = update_feed(cfg(url, retries=3, backoff=1), tmp_path, sleep=waits.append)
    assert not result.ok and waits == []
    assert "cannot connect to 127.0.0.1" in result.message and "\n" not in result.message
    assert "HTTPConnectionPool" not in result.message and "Max retries" not in result.message
    assert read_meta(tmp_path, "test")["last_error"].startswith(url)


def test_status_exit_codes_follow_the_readme(server: Server, tmp_path: Path) -> None:
    conf = tmp_path / "settings.toml"
    conf.write_text(f'cache_dir = "{tmp_path / "cache"}"\n[feeds.local]\nurl = "{server.url}"\nformat = "domains"\n'
                    'retries = 0\nenabled = false\n[feeds.off]\nurl = "http://127.0.0.1:9/x"\nformat = "domains"\n'
                    'enabled = false\n')
    never = run_scamscan(["--config", conf, "feeds", "status"])
    assert never.returncode == 0, never.stderr  # nothing enabled: nothing to complain about
    conf.write_text(conf.read_text().replace('retries = 0\nenabled = false\n', 'retries = 0\n'))
    never = run_scamscan(["--config", conf, "feeds", "status"])
    assert never.returncode == 1 and b"never fetched: local" in never.stderr
    server.replies[:] = [Reply(status=500, body=b"")]
    assert run_scamscan(["--config", conf, "feeds", "update"]).returncode == 1
    failed = run_scamscan(["--config", conf, "feeds", "status"])
    assert failed.returncode == 1 and b"never fetched: local" in failed.stderr and b"failed: local" in failed.stderr
    server.replies[:] = [Reply()]
    assert run_scamscan(["--config", conf, "feeds", "update"]).returncode == 0
    assert run_scamscan(["--config", conf, "feeds", "status"]).returncode == 0
    stale = run_scamscan(["--config", conf, "feeds", "status", "--max-age", "0"])
    assert stale.returncode == 1 and b"stale (older than 0h): local" in stale.stderr


def test_scan_warns_once_about_unfetched_enabled_feeds(tmp_path: Path) -> None:
    conf = tmp_path / "settings.toml"
    conf.write_text(f'cache_dir = "{tmp_path / "cache"}"\nresult_cache = false\n'
                    '[feeds.urlhaus]\nenabled = true\n[feeds.openphish]\nenabled = true\n')
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("hello")
    b.write_text("world")
    r = run_scamscan(["--config", conf, "scan", "-j", "1", a, b])
    assert r.returncode == 0
    warnings = [line for line in r.stderr.decode().splitlines() if "warning" in line]
    assert warnings == ["scamscan: warning: threat feeds openphish, urlhaus never fetched: run "
                        "`scamscan feeds update`"], r.stderr
    quiet = tmp_path / "quiet.toml"
    quiet.write_text(f'cache_dir = "{tmp_path / "cache"}"\n')
    assert b"warning" not in run_scamscan(["--config", quiet, "scan", a]).stderr
