#!/usr/bin/env python3
"""Build the MSI samples: tiny real Windows Installer packages made by `wixl` from WiX sources.

    python samples/build_msi.py            # (re)build samples/{clean,lures}/pe/*.msi
    python samples/build_msi.py --check    # exit 1 if a rebuild would change a committed file

Needs Debian's `wixl` (msitools' WiX compiler); tests do not: the built packages are committed.
Each package installs one harmless text file; only its Product/Package metadata differs, which
wixl writes to the summary information (Author = Manufacturer, Subject = Description, Comments;
wixl always sets Title to "Installation Database").  The MSI is a separate script from
build_pe.py because it needs a different toolchain and no keys.

Determinism: the .wxs carries fixed GUIDs and the payload a fixed mtime (the cabinet records
it), but wixl stamps the summary information with a random revision UUID and the build time.
Those three values are rewritten in place (same size, olefile) to fixed ones, so a rebuild is
byte-identical.
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import olefile
from sampleio import build_or_check

HERE = Path(__file__).resolve().parent
FIXED_TIME = 1721365740  # 2024-07-19 05:09 UTC, the morning of the outage
FILETIME = (FIXED_TIME + 11644473600) * 10_000_000
PID_REVNUMBER, PID_CREATE_DTM, PID_LASTSAVE_DTM = 9, 12, 13
VT_LPSTR, VT_FILETIME = 30, 64
PAYLOAD = "scamscan synthetic sample - harmless text file, not malware.\r\n"
WXS = """<?xml version="1.0" encoding="utf-8"?>
<!-- scamscan test sample: installs one harmless text file. -->
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="{guid}-000000000001" Name="{product}" Language="1033" Version="{version}"
           Manufacturer="{manufacturer}" UpgradeCode="{guid}-000000000002">
    <Package Id="{guid}-000000000003" InstallerVersion="200" Compressed="yes"
             Description="{product}" Comments="{comments}" Manufacturer="{manufacturer}"/>
    <Media Id="1" Cabinet="data.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFilesFolder">
        <Directory Id="INSTALLDIR" Name="{folder}">
          <Component Id="Readme" Guid="{guid}-000000000004">
            <File Id="readme" Name="readme.txt" Source="readme.txt" KeyPath="yes"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Main" Level="1"><ComponentRef Id="Readme"/></Feature>
  </Product>
</Wix>
"""
# output path -> WiX metadata (also what tests expect in the summary information)
PACKAGES: dict[str, dict[str, str]] = {
    "lures/pe/CrowdStrike_Falcon_Sensor_Update.msi": {
        "guid": "5C0A1E55-0719-2024-A000", "product": "CrowdStrike Falcon Sensor Update",
        "manufacturer": "CrowdStrike, Inc.", "comments": "Falcon Sensor Hotfix for the 2024-07-19 BSOD",
        "version": "7.11.0.0", "folder": "FalconUpdate"},
    "clean/pe/Northwind_Notepad_Setup.msi": {
        "guid": "0B0E1A7E-0001-2024-B000", "product": "Northwind Traders Notepad",
        "manufacturer": "Northwind Traders Ltd", "comments": "A small text editor",
        "version": "2.3.0.0", "folder": "NorthwindNotepad"},
}


def fix_summary(path: Path, guid: str) -> None:
    """Replace wixl's random revision UUID and build times with fixed values (same sizes)."""
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        data = bytearray(ole.openstream("\x05SummaryInformation").read())
        (section,) = struct.unpack_from("<I", data, 44)
        (count,) = struct.unpack_from("<I", data, section + 4)
        for i in range(count):
            pid, off = struct.unpack_from("<II", data, section + 8 + 8 * i)
            pos = section + off
            (vtype,) = struct.unpack_from("<I", data, pos)
            if pid == PID_REVNUMBER and vtype == VT_LPSTR:
                (size,) = struct.unpack_from("<I", data, pos + 4)
                value = f"{{{guid}-000000000003}}".encode("ascii") + b"\0"
                if len(value) != size:
                    raise SystemExit(f"{path}: unexpected revision number size {size}")
                data[pos + 8:pos + 8 + size] = value
            elif pid in (PID_CREATE_DTM, PID_LASTSAVE_DTM) and vtype == VT_FILETIME:
                struct.pack_into("<Q", data, pos + 4, FILETIME)
        ole.write_stream("\x05SummaryInformation", bytes(data))


def build_package(work: Path, out: Path, meta: dict[str, str]) -> None:
    payload = work / "readme.txt"
    payload.write_bytes(PAYLOAD.encode("ascii"))
    os.utime(payload, (FIXED_TIME, FIXED_TIME))
    (work / "package.wxs").write_text(WXS.format(**meta), encoding="utf-8")
    (work / "package.msi").unlink(missing_ok=True)
    subprocess.run(["wixl", "-o", "package.msi", "package.wxs"], check=True, cwd=work,
                   stdout=subprocess.DEVNULL)
    fix_summary(work / "package.msi", meta["guid"])
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(work / "package.msi", out)


def build(root: Path) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        for rel, meta in PACKAGES.items():
            build_package(Path(tmp), root / rel, meta)
    return list(PACKAGES)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="rebuild into a temp dir and compare")
    args = parser.parse_args()
    if shutil.which("wixl") is None:
        print("wixl not found: apt-get install wixl", file=sys.stderr)
        return 2
    return build_or_check(build, HERE, args.check)


if __name__ == "__main__":
    sys.exit(main())
