"""The wheel as a user installs it: typed, licensed, and `rules test` says what it needs."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import REPO_ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out),
                    str(REPO_ROOT)], check=True, capture_output=True)
    return next(out.glob("scamscan-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    return site


def run_installed(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = "import sys, scanner.cli; assert scanner.__file__.startswith(sys.argv.pop(1)); scanner.cli.main()"
    return subprocess.run([sys.executable, "-c", code, str(site), *args], env=env, cwd=site, capture_output=True,
                          text=True)


def test_wheel_has_py_typed_license_and_rules(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "scanner/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert any(n.startswith("scanner/rules/yara/") for n in names)


def test_rules_lint_passes_and_rules_test_says_it_needs_a_checkout(installed: Path) -> None:
    assert run_installed(installed, "rules", "lint").returncode == 0
    r = run_installed(installed, "rules", "test")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "needs the rules' samples" in r.stderr and "clone" in r.stderr
    assert "sample not found" not in r.stdout


def test_man_pages_are_generated_from_the_click_commands(tmp_path: Path) -> None:
    import click

    from scanner.cli import main

    r = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "manpages.py"), str(tmp_path)],
                       capture_output=True, text=True, cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert r.returncode == 0, r.stderr
    pages = {p.name: p.read_text() for p in tmp_path.glob("*.1")}
    assert "scamscan.1" in pages and "scamscan-scan.1" in pages and "scamscan-filter.1" in pages
    scan = main.commands["scan"]
    assert isinstance(scan, click.Command)
    for option in scan.params:
        for flag in getattr(option, "opts", []):
            if flag.startswith("--"):
                assert flag.replace("-", "\\-") in pages["scamscan-scan.1"], flag


def test_shell_completion_is_documented_and_works() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    assert "_SCAMSCAN_COMPLETE=bash_source scamscan" in readme
    for shell, marker in (("bash", "_scamscan_completion"), ("zsh", "#compdef scamscan"), ("fish", "complete")):
        r = subprocess.run([str(Path(sys.executable).parent / "scamscan")], capture_output=True, text=True,
                           env={**os.environ, "_SCAMSCAN_COMPLETE": f"{shell}_source"})
        assert r.returncode == 0 and marker in r.stdout, (shell, r.stdout[:200])
