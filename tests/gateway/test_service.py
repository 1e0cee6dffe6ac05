"""The ScanService shared by the gateway hooks: deadline, reload, settings validation."""

from __future__ import annotations

from pathlib import Path

import hostile
import pytest
from helpers import MARKER, write_rules_dir

from scanner.config import ConfigError, Settings, load_settings
from scanner.gateway.service import ScanBusy, ScanFailed, ScanService, ScanTimeout, scan_result
from scanner.models import Verdict


def service(tmp_path: Path, config: Path) -> ScanService:
    rules = write_rules_dir(tmp_path / "rules")

    def adjust(s: Settings) -> Settings:
        return s.replace(rules_dirs=(*s.rules_dirs, str(rules)), use_bundled_rules=False)

    return ScanService(adjust(load_settings(config, environ={})), str(config), adjust)


@pytest.fixture
def _hostile(monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.engine import Engine

    monkeypatch.setattr(Engine, "scan", Engine.scan)  # restored after the test
    hostile.install()


@pytest.mark.usefixtures("_hostile")
def test_a_hung_scan_is_killed_at_the_deadline_and_the_next_one_is_served(tmp_path: Path) -> None:
    config = tmp_path / "s.toml"
    config.write_text("gateway_workers = 1\ngateway_scan_timeout = 1.0\n")
    svc = service(tmp_path, config)
    try:
        assert svc.scan(b"x " + MARKER, "m.eml").verdict == Verdict.MALICIOUS
        with pytest.raises(ScanTimeout):
            svc.scan(b"x " + hostile.HANG, "slow.eml")  # off the main thread, deaf to SIGALRM
        # the only worker was killed and replaced: the next message does not wait behind the hung one
        assert svc.scan(b"y " + MARKER, "m2.eml").verdict == Verdict.MALICIOUS
    finally:
        svc.close()


@pytest.mark.usefixtures("_hostile")
def test_a_crashed_worker_fails_one_message_and_the_service_goes_on(tmp_path: Path) -> None:
    config = tmp_path / "s.toml"
    config.write_text("gateway_workers = 1\n")
    svc = service(tmp_path, config)
    try:
        with pytest.raises(ScanFailed, match="SIGKILL"):
            svc.scan(b"x " + hostile.CRASH, "crash.eml")
        assert svc.scan(b"y " + MARKER, "m.eml").verdict == Verdict.MALICIOUS
    finally:
        svc.close()


@pytest.mark.usefixtures("_hostile")
def test_a_full_queue_is_refused_at_once_and_queue_time_is_not_scan_time(tmp_path: Path) -> None:
    config = tmp_path / "s.toml"
    config.write_text("gateway_workers = 1\ngateway_max_queue = 1\ngateway_scan_timeout = 2.0\n")
    svc = service(tmp_path, config)
    try:
        hung = svc.submit(b"x " + hostile.HANG, "slow.eml")
        waiting = svc.submit(b"y " + MARKER, "queued.eml")  # waits ~2 s for the worker, then scans
        assert svc.busy()
        with pytest.raises(ScanBusy):
            svc.scan(b"z", "refused.eml")
        with pytest.raises(ScanTimeout):
            scan_result(hung, "slow.eml")
        assert scan_result(waiting, "queued.eml").verdict == Verdict.MALICIOUS
    finally:
        svc.close()


@pytest.mark.usefixtures("_hostile")
def test_a_message_being_received_holds_a_scan_slot(tmp_path: Path) -> None:
    config = tmp_path / "s.toml"
    config.write_text("gateway_workers = 1\ngateway_max_queue = 1\ngateway_scan_timeout = 2.0\n")
    svc = service(tmp_path, config)
    try:
        assert svc.reserve()  # a message whose first bytes arrived
        hung = svc.submit(b"x " + hostile.HANG, "slow.eml")
        assert svc.busy() and not svc.reserve()  # the held slot counts: a third message is refused
        svc.release()  # the first message was refused or submitted
        assert not svc.busy() and svc.reserve()
        svc.release()
        with pytest.raises(ScanTimeout):
            scan_result(hung, "slow.eml")
    finally:
        svc.close()


def test_failed_reload_keeps_the_old_rules(tmp_path: Path) -> None:
    config = tmp_path / "s.toml"
    config.write_text("")
    svc = service(tmp_path, config)
    try:
        before = svc.rules_version
        extra = write_rules_dir(tmp_path / "extra", {"x.yar": 'rule EXTRA { strings: $a = "EXTRA-HIT" condition: $a }'})
        config.write_text(f'rules_dirs = ["{extra}"]\n')
        assert svc.reload()
        assert svc.rules_version != before
        assert svc.scan(b"EXTRA-HIT", "m.eml").findings[0].id == "EXTRA"
        good = svc.rules_version
        broken = write_rules_dir(tmp_path / "broken", {"b.yar": "rule b { condition: nonsense }"})
        config.write_text(f'rules_dirs = ["{broken}"]\n')
        assert not svc.reload()
        assert svc.rules_version == good
        assert svc.scan(b"x " + MARKER, "m.eml").verdict == Verdict.MALICIOUS
        config.write_text("max_depth = [\n")
        assert not svc.reload()
    finally:
        svc.close()


@pytest.mark.parametrize(("name", "value"), [("milter_action_malicious", "explode"),
                                             ("milter_on_error", "reject")])
def test_gateway_settings_are_validated(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings(environ={f"SCAMSCAN_{name.upper()}": value})
    assert load_settings(environ={"SCAMSCAN_CLAMD_STREAM_MAX_LENGTH": "25MB"}).clamd_stream_max_length == 25 << 20


def test_warm_up_message_takes_the_paths_of_a_real_message() -> None:
    """The daemon warms its scanner with this message at start and on reload: it must reach the
    MIME, HTML and ZIP code a first real message would otherwise pay to load, and be clean."""
    from scanner.gateway.service import _warm_up_message, make_scanner

    report = make_scanner(load_settings(None, environ={})).scan_bytes(_warm_up_message(), "warm-up.eml")
    assert report.verdict == Verdict.CLEAN and not report.findings
    assert {i.type for i in report.items} >= {"email", "text", "html", "zip"}
    assert ("warm-up.eml", "warm-up.zip", "readme.txt") in {i.location for i in report.items}
