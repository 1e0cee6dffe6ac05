"""Host extraction finds hosts, not identifiers (the host context rule of `scanner.domains.indicators`)."""

from __future__ import annotations

import tarfile

import pytest
from helpers import REPO_ROOT

from scanner.domains.indicators import decode_text, extract_hosts

POWERSHELL = next((p / "shared" / "data" / "corpora" / "powershell.tar.xz"
                   for p in (REPO_ROOT.parent, REPO_ROOT.parent.parent)
                   if (p / "shared" / "data" / "corpora" / "powershell.tar.xz").is_file()), None)

# Lines in the style of real build scripts and docs (PowerShell's build.psm1, .NET projects, Debian docs).
CODE = r"""
$dotnetPath = Join-Path $env:DOTNET_ROOT 'shared/Microsoft.NETCore.App/8.0.1'
Import-Module Microsoft.PowerShell.Management -Force
$client = [System.Net.Http.HttpClient]::new()
$wc = New-Object System.Net.WebClient
$result = $obj.microsoft.net.Invoke()
using System.Net.Http;
$ref = "C:\tools\chrome.exe\"
python3 scripts/icon-viewer.py --size 48
See docs\Microsoft.PowerShell.Commands\readme.md and README.md for details.
var x = require('lodash.merge'); Google.Cloud.Storage.V1
"""


@pytest.mark.parametrize("text", [line for line in CODE.splitlines() if line.strip()])
def test_identifiers_in_code_are_no_hosts(text: str) -> None:
    assert extract_hosts(text) == set(), text


@pytest.mark.parametrize(("text", "host"), [
    ("Invoke-WebRequest -Uri https://aka.ms/install-powershell.ps1", "aka.ms"),
    ("mail build@lists.example.org for access", "lists.example.org"),
    ('<a href="cisco.com.au/support">', "cisco.com.au"),
    ('<img src=//cdn.example.net/a.png>', "cdn.example.net"),
    ("Visit www.lindows.com today", "www.lindows.com"),
    ("the mirror ctan.org and EXAMPLE.ORG", "ctan.org"),
    ("see microsoft.netcore.app for details", "microsoft.netcore.app"),  # lower-case prose: a plausible host
])
def test_hosts_in_host_context(text: str, host: str) -> None:
    assert host in extract_hosts(text)


@pytest.mark.skipif(POWERSHELL is None, reason="shared PowerShell corpus not present")
def test_real_powershell_scripts_yield_no_namespaces() -> None:
    """The PowerShell project's own scripts: no .NET or module namespace comes out as a host."""
    assert POWERSHELL is not None
    hosts: set[str] = set()
    files = 0
    with tarfile.open(POWERSHELL) as tf:
        for member in tf:
            fh = tf.extractfile(member) if member.isfile() else None
            if fh is not None:
                files += 1
                hosts |= extract_hosts(decode_text(fh.read()))
    assert files > 200
    namespaces = sorted(h for h in hosts if h.startswith(("system.", "microsoft.powershell", "microsoft.netcore",
                                                          "microsoft.management", "microsoft.win32")))
    assert not namespaces
    assert any(h.endswith("github.com") for h in hosts)  # real hosts are still found
