"""The ScanService shared by the gateway hooks: deadline, reload, settings validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import MARKER, write_rules_dir

from scanner.config import ConfigError, Settings, load_settings
from scanner.gateway.service import ScanService, ScanTimeout
from scanner.models import Verdict


def service(tmp_path: Path, config: Path) -> ScanService:
    rules = write_rules_dir(tmp_path / "rules")

    def adjust(s: Settings) -> Settings:
        return s.replace(rules_dirs=(*s.rules_dirs, str(rules)), use_bundled_rules=False)

    return ScanService(adjust(load_settings(config, environ={})), str(config), adjust)


def test_scan_deadline_is_enforced_off_the_main_thread(tmp_path: Path) -> None:
    config = tmp_path / "s.toml"
    config.write_text("")
    svc = service(tmp_path, config)
    try:
        assert svc.scan(b"x " + MARKER, "m.eml").verdict == Verdict.MALICIOUS
        with pytest.raises(ScanTimeout):
            svc.scan(b"x" * 5_000_000, "big.eml", timeout=1e-9)
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
