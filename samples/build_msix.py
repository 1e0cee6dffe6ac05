#!/usr/bin/env python3
"""Build the MSIX samples of issue 16: packages that claim a vendor, unsigned or signed by the wrong
certificate, and a clean package signed with its own (test) certificate.

Packages are written here like makeappx writes them (deflated parts, `AppxBlockMap.xml` with the
SHA-256 of every 64 KiB block, `[Content_Types].xml`) and signed by Debian's `osslsigncode` with the
throwaway test certificates of `samples/pe_src/keys/` (see build_pe.py).  osslsigncode stamps the
signature part with the current time; that date is pinned afterwards (the APPX digests do not cover
the signature's own ZIP records), so rebuilds are byte-identical.

    python samples/build_msix.py           # (re)write the samples
    python samples/build_msix.py --check   # exit 1 if a rebuild would change a file
"""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import sampleio  # noqa: E402

KEYS = HERE / "pe_src" / "keys"
DATE = (2024, 7, 19, 4, 9, 0)
SIGN_TIME = "1721365740"
HELLO = (HERE / "clean" / "pe" / "hello.exe").read_bytes()
HOTFIX = (HERE / "lures" / "pe" / "CrowdStrike_Falcon_Hotfix.exe").read_bytes()
MICROSOFT = "CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US"
CROWDSTRIKE = 'CN="CrowdStrike, Inc.", O="CrowdStrike, Inc.", C=US'
NORTHWIND = "CN=Northwind Traders Ltd, O=Northwind Traders Ltd, C=GB"
CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                 b'2006/content-types"><Default Extension="exe" ContentType="application/x-msdownload"/>'
                 b'<Override PartName="/AppxManifest.xml" ContentType="application/vnd.ms-appx.manifest+xml"/>'
                 b'<Override PartName="/AppxBlockMap.xml" ContentType="application/vnd.ms-appx.blockmap+xml"/>'
                 b"</Types>")


def manifest(name: str, publisher: str, display: str, publisher_display: str, exe: str) -> bytes:
    pub = publisher.replace('"', "&quot;")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Package xmlns="http://schemas.microsoft.com/appx/manifest/foundation/windows10"
         xmlns:uap="http://schemas.microsoft.com/appx/manifest/uap/windows10">
  <Identity Name="{name}" Publisher="{pub}" Version="24.7.19.0" ProcessorArchitecture="x64"/>
  <Properties>
    <DisplayName>{display}</DisplayName>
    <PublisherDisplayName>{publisher_display}</PublisherDisplayName>
    <Logo>logo.png</Logo>
  </Properties>
  <Applications>
    <Application Id="App" Executable="{exe}" EntryPoint="Windows.FullTrustApplication">
      <uap:VisualElements DisplayName="{display}" Description="{display}" BackgroundColor="transparent"
                          Square150x150Logo="logo.png" Square44x44Logo="logo.png"/>
    </Application>
  </Applications>
</Package>
""".encode()


def block_map(files: list[tuple[str, bytes]]) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<BlockMap xmlns="http://schemas.microsoft.com/appx/2010/blockmap"'
           ' HashMethod="http://www.w3.org/2001/04/xmlenc#sha256">']
    for name, data in files:
        out.append(f'<File Name="{name}" Size="{len(data)}" LfhSize="{30 + len(name)}">')
        out += [f'<Block Hash="{base64.b64encode(hashlib.sha256(data[i:i + 65536]).digest()).decode()}"/>'
                for i in range(0, len(data), 65536)]
        out.append("</File>")
    return "".join([*out, "</BlockMap>"]).encode()


def package(files: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in [*files, ("AppxBlockMap.xml", block_map(files)), ("[Content_Types].xml", CONTENT_TYPES)]:
            zf.writestr(zipfile.ZipInfo(name, DATE), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _pin_signature_date(data: bytes) -> bytes:
    """Set the DOS date/time of AppxSignature.p7x's local and central records to DATE."""
    out = bytearray(data)
    dos_time = (DATE[3] << 11) | (DATE[4] << 5) | (DATE[5] // 2)
    dos_date = ((DATE[0] - 1980) << 9) | (DATE[1] << 5) | DATE[2]
    name = b"AppxSignature.p7x"
    for sig, at in ((b"PK\x03\x04", 10), (b"PK\x01\x02", 12)):
        pos = out.find(sig)
        while pos >= 0:
            name_at = pos + (30 if sig == b"PK\x03\x04" else 46)
            if out[name_at:name_at + len(name)] == name:
                struct.pack_into("<HH", out, pos + at, dos_time, dos_date)
            pos = out.find(sig, pos + 4)
    return bytes(out)


def sign(data: bytes, key: str, chain: bool) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp, "in.msix"), Path(tmp, "out.msix")
        src.write_bytes(data)
        extra = ["-ac", str(KEYS / "ca.pem")] if chain else []
        subprocess.run(["osslsigncode", "sign", "-certs", str(KEYS / f"{key}.pem"), "-key", str(KEYS / f"{key}.key"),
                        *extra, "-time", SIGN_TIME, "-in", str(src), "-out", str(dst)],
                       check=True, stdout=subprocess.DEVNULL)
        return _pin_signature_date(dst.read_bytes())


def build() -> dict[str, bytes]:
    s: dict[str, bytes] = {}
    teams = package([("Teams.exe", HOTFIX), ("AppxManifest.xml", manifest(
        "MSTeams", MICROSOFT, "Microsoft Teams", "Microsoft Corporation", "Teams.exe"))])
    s["lures/containers/MSTeams_update_unsigned.msix"] = teams
    s["lures/containers/MSTeams_update_other_signer.msix"] = sign(package([("Teams.exe", HELLO), (
        "AppxManifest.xml", manifest("MSTeams", MICROSOFT, "Microsoft Teams", "Microsoft Corporation",
                                     "Teams.exe"))]), "other", chain=True)
    s["lures/containers/falcon_sensor_selfsigned.msix"] = sign(package([("FalconSensor.exe", HELLO), (
        "AppxManifest.xml", manifest("CrowdStrike.FalconSensor", CROWDSTRIKE, "Falcon Sensor Update",
                                     "CrowdStrike, Inc.", "FalconSensor.exe"))]), "selfsig", chain=False)
    notepad = sign(package([("Notepad.exe", HELLO), ("AppxManifest.xml", manifest(
        "Northwind.Notepad", NORTHWIND, "Northwind Notepad", "Northwind Traders Ltd", "Notepad.exe"))]),
        "other", chain=True)
    s["clean/containers/northwind_notepad_signed.msix"] = notepad
    exe_at = notepad.find(b"Notepad.exe") + 40  # inside the deflated program, after its local header
    s["bad/containers/northwind_notepad_tampered.msix"] = notepad[:exe_at] + bytes([notepad[exe_at] ^ 1]) + \
        notepad[exe_at + 1:]
    s["bad/containers/truncated.msix"] = notepad[: len(notepad) // 3]
    return s


def main(argv: list[str] | None = None) -> int:
    return sampleio.main(build, HERE, __doc__ or "", argv)


if __name__ == "__main__":
    sys.exit(main())
