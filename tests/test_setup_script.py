"""scripts/test.sh: the README's and CI's test command installs the system packages the tests need."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from helpers import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "test.sh"


def _stubs(tmp_path: Path, uid: int) -> dict[str, str]:
    """A PATH where dpkg-query knows no package, `id -u` says `uid` and sudo refuses."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in {"dpkg-query": "exit 1", "id": f"echo {uid}", "sudo": "exit 1"}.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}


def test_dry_run_names_every_system_package_the_tests_need(tmp_path: Path) -> None:
    out = subprocess.run([str(SCRIPT), "--dry-run"], env=_stubs(tmp_path, 0), capture_output=True, text=True,
                         check=True).stdout
    wanted = out.split("would install:")[1].split()
    for pkg in ("python3-venv", "libmilter-dev", "postfix", "clamdscan", "zip", "procmail", "systemd", "procps",
                "redis-server", "chromium"):
        assert pkg in wanted, out


def test_without_root_or_sudo_it_says_what_to_install(tmp_path: Path) -> None:
    r = subprocess.run([str(SCRIPT)], env=_stubs(tmp_path, 1000), capture_output=True, text=True)
    assert r.returncode == 2
    assert "sudo apt-get install python3-venv" in r.stderr and "libmilter-dev" in r.stderr


def test_ci_and_readme_use_the_script() -> None:
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert "\nscripts/test.sh --fresh --lint\n" in ci  # then the fuzz smoke run (fuzz/campaign.py)
    readme = (REPO_ROOT / "README.md").read_text()
    assert "```sh\nscripts/test.sh\n```" in readme
