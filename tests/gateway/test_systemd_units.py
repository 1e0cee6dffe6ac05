"""The shipped systemd units (deploy/systemd/): systemd-analyze accepts them without a warning, they
drop privileges and harden the service, reload with SIGHUP, and their command lines parse."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from helpers import REPO_ROOT

from scanner.cli import main

UNITS = sorted((REPO_ROOT / "deploy" / "systemd").glob("*.service"))


def test_both_units_ship() -> None:
    assert [u.name for u in UNITS] == ["scamscan-clamd.service", "scamscan-milter.service"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_systemd_analyze_verify_accepts_the_unit(unit: Path, tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed (Debian package systemd; scripts/test.sh installs it)")
    # verify checks that ExecStart= exists: point it at this checkout's scamscan.
    local = tmp_path / unit.name
    local.write_text(unit.read_text().replace("/usr/local/bin/scamscan", str(Path(sys.executable).parent / "scamscan")))
    r = subprocess.run(["systemd-analyze", "verify", str(local)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    mine = [line for line in (r.stdout + r.stderr).splitlines() if unit.name in line]
    assert not mine, mine  # unknown keys and bad values are only warnings: none allowed


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_unit_drops_privileges_hardens_and_reloads(unit: Path) -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(unit.read_text())
    service = parser["Service"]
    assert service["User"] == "scamscan" and service["RuntimeDirectory"] == "scamscan"
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"
    for key in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "RestrictAddressFamilies",
                "SystemCallFilter", "CapabilityBoundingSet"):
        assert key in service, key
    argv = shlex.split(service["ExecStart"])
    assert argv[0] == "/usr/local/bin/scamscan" and "/run/scamscan/" in service["ExecStart"]
    with main.make_context("scamscan", argv[1:]) as ctx:  # the options exist and parse
        sub = main.get_command(ctx, argv[1])
        assert isinstance(sub, click.Command)
        sub.make_context(argv[1], argv[2:], parent=ctx)
