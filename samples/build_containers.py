#!/usr/bin/env python3
"""Build the container samples of issue 16: RAR, CAB and MSU lures, clean look-alikes, bad variants.

Harmless like every scamscan sample: the "installers" are the synthetic scripts and PE stubs of the
other build scripts.  RAR is written by `rar5write.py` (no installable tool writes RAR); CAB and MSU by
Debian's `gcab` (build time only; member times pinned, so rebuilds are byte-identical).

    python samples/build_containers.py           # (re)write the samples
    python samples/build_containers.py --check   # exit 1 if a rebuild would change a file
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from build import MARK  # noqa: E402
from build_mail import CRADLE, EPOCH, README  # noqa: E402
from rar5write import rar5  # noqa: E402
from sampleio import write_samples  # noqa: E402

HOTFIX_EXE = (HERE / "lures" / "pe" / "CrowdStrike_Falcon_Hotfix.exe").read_bytes()
DRIVER_INF = (f"; Contoso printer driver package\r\n; {MARK}\r\n[Version]\r\nSignature=\"$Windows NT$\"\r\n"
              "Class=Printer\r\nProvider=%Contoso%\r\nDriverVer=07/19/2024,1.2.0.0\r\n").encode()


def cab(members: list[tuple[str, bytes]], compress: bool = True) -> bytes:
    """A CAB written by gcab, members in order, their times pinned to EPOCH."""
    with tempfile.TemporaryDirectory() as tmp:
        names = []
        for name, data in members:
            path = Path(tmp, name)
            path.write_bytes(data)
            os.utime(path, (EPOCH, EPOCH))
            names.append(name)
        out = Path(tmp, "out.cab")
        subprocess.run(["gcab", "-c", *(["-z"] if compress else []), str(out), *names], cwd=tmp, check=True)
        return out.read_bytes()


def build() -> dict[str, bytes]:
    s: dict[str, bytes] = {}
    hotfix_rar = rar5([("hotfix/install.ps1", CRADLE), ("hotfix/README.txt", README)])
    s["lures/containers/falcon_hotfix.rar"] = hotfix_rar
    s["lures/containers/falcon_hotfix_traversal.rar"] = rar5([
        ("../../AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/install.ps1", CRADLE),
        ("README.txt", README)])
    hotfix_cab = cab([("CrowdStrike_Falcon_Hotfix.exe", HOTFIX_EXE), ("install.ps1", CRADLE)])
    s["lures/containers/falcon_hotfix.cab"] = hotfix_cab
    s["lures/containers/windows10.0-kb5040442-x64.msu"] = cab(
        [("Windows10.0-KB5040442-x64.cab", hotfix_cab), ("WSUSSCAN.cab", cab([("wsusscan.txt", README)]))],
        compress=False)
    s["clean/containers/contoso_printer_driver.cab"] = cab([("contoso.inf", DRIVER_INF), ("readme.txt", README)])
    s["clean/containers/contoso_printer_driver.rar"] = rar5([("contoso.inf", DRIVER_INF), ("readme.txt", README)])
    s["bad/containers/truncated.rar"] = hotfix_rar[: len(hotfix_rar) // 2]
    s["bad/containers/truncated.cab"] = hotfix_cab[:60]
    return s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if a sample differs from a fresh build")
    args = ap.parse_args(argv)
    return write_samples(build(), HERE, args.check)


if __name__ == "__main__":
    sys.exit(main())
