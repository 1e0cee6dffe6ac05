#!/usr/bin/env python3
"""Build the PE samples: tiny harmless programs that claim a brand, signed or not.

    python samples/build_pe.py            # (re)build samples/{clean,lures,bad}/pe/
    python samples/build_pe.py --check    # exit 1 if a rebuild would change a committed file

Needs Debian's `mingw-w64` (gcc + windres), `osslsigncode` and `openssl`; tests never do:
the built binaries are committed.  Every program is the same C file (it prints one line and
exits); only its version resource and its signature differ.

Certificates are throwaway test certificates made here with `openssl ca` (fixed validity
2024-01-01 .. 2099-12-31) into samples/pe_src/keys/ on the first run and committed, so later
runs reuse them and rebuild byte-identical files (mingw links with --no-insert-timestamp,
osslsigncode signs at a fixed -time and timestamps with its built-in test TSA at a fixed time;
that TSA draws a random serial, so a signed file is kept when it differs only in its signature).
The keys sign nothing but these samples:
    ca       "Scamscan Test Root CA"        root that tests add with the trusted_roots setting
    brand    "CrowdStrike, Inc."            issued by the test CA (trusted only with that root)
    other    "Northwind Traders Ltd"        issued by the test CA: another company
    selfsig  "CrowdStrike, Inc."            self-signed: names the brand, chains to nothing
    tsa      "Scamscan Test Timestamping"   issued by the test CA, for the countersignature
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from sampleio import build_or_check

HERE = Path(__file__).resolve().parent
SRC = HERE / "pe_src"
KEYS = SRC / "keys"
SIGN_TIME = "1721365740"  # 2024-07-19 05:09 UTC, the morning of the outage
CC, WINDRES = "x86_64-w64-mingw32-gcc", "x86_64-w64-mingw32-windres"
CRWD = {"CompanyName": "CrowdStrike, Inc.", "ProductName": "CrowdStrike Falcon Sensor",
        "FileDescription": "Falcon Sensor Hotfix", "LegalCopyright": "(c) CrowdStrike, Inc.",
        "OriginalFilename": "FalconHotfix.exe", "InternalName": "FalconHotfix"}
FALCON = {**CRWD, "FileDescription": "Falcon Sensor", "OriginalFilename": "FalconSensor.exe",
          "InternalName": "FalconSensor"}
# output path -> (version strings, signing key or None)
PROGRAMS: dict[str, tuple[dict[str, str], str | None]] = {
    "clean/pe/hello.exe": ({"CompanyName": "Example Tools Ltd", "ProductName": "Example Hello",
                            "FileDescription": "Prints a greeting", "OriginalFilename": "hello.exe",
                            "LegalCopyright": "(c) Example Tools Ltd"}, None),
    "lures/pe/CrowdStrike_Falcon_Hotfix.exe": (CRWD, None),
    "lures/pe/falcon_sensor_selfsigned.exe": (FALCON, "selfsig"),
    "lures/pe/falcon_sensor_other_publisher.exe": (FALCON, "other"),
    "lures/pe/falcon_sensor_testca.exe": (FALCON, "brand"),
    "lures/pe/chrome_update.exe": ({"CompanyName": "Google LLC", "ProductName": "Google Chrome",
                                    "FileDescription": "Google Chrome Update", "OriginalFilename": "chrome.exe",
                                    "LegalCopyright": "Copyright 2024 Google LLC. All rights reserved."}, None),
    "lures/pe/windows_hotfix_helper.exe": ({"CompanyName": "Microsoft Corporation",
                                            "ProductName": "Microsoft Windows Operating System",
                                            "FileDescription": "Windows Hotfix Helper",
                                            "OriginalFilename": "hotfixhelper.exe"}, None),
    "lures/pe/Invoice_2024-07.pdf": ({"CompanyName": "Example Tools Ltd", "ProductName": "Example Hello"}, None),
}
C_SOURCE = r"""/* scamscan test sample: harmless, it prints one line and exits. */
#include <stdio.h>

int main(void)
{
    puts("scamscan synthetic sample - harmless program, not malware.");
    return 0;
}
"""
OPENSSL_CNF = """[ca]
default_ca = test_ca
[test_ca]
dir = {dir}
database = $dir/index.txt
serial = $dir/serial
new_certs_dir = $dir/new
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
organizationName = optional
countryName = optional
[v3_ca]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_code]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_tsa]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""
SUBJECTS = {"ca": ("/CN=Scamscan Test Root CA/O=scamscan tests", "v3_ca", None),
            "brand": ("/CN=CrowdStrike, Inc./O=CrowdStrike, Inc./C=US", "v3_code", "ca"),
            "other": ("/CN=Northwind Traders Ltd/O=Northwind Traders Ltd/C=GB", "v3_code", "ca"),
            "selfsig": ("/CN=CrowdStrike, Inc./O=CrowdStrike, Inc./C=US", "v3_code", None),
            "tsa": ("/CN=Scamscan Test Timestamping/O=scamscan tests", "v3_tsa", "ca")}


def run(*argv: str | Path, cwd: Path | None = None) -> None:
    subprocess.run([str(a) for a in argv], check=True, cwd=cwd, stdout=subprocess.DEVNULL)


def make_keys() -> None:
    """Create the test CA and certificates once (committed afterwards)."""
    if all((KEYS / f"{name}.pem").is_file() for name in SUBJECTS):
        return
    KEYS.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp())
    (work / "new").mkdir()
    (work / "index.txt").write_text("")
    (work / "serial").write_text("1000\n")
    cnf = work / "openssl.cnf"
    cnf.write_text(OPENSSL_CNF.format(dir=work))
    for name, (subject, ext, issuer) in SUBJECTS.items():
        key, csr = KEYS / f"{name}.key", work / f"{name}.csr"
        run("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-subj", subject,
            "-out", csr, "-config", cnf)
        sign = ["-selfsign", "-keyfile", key] if issuer is None else [
            "-cert", KEYS / f"{issuer}.pem", "-keyfile", KEYS / f"{issuer}.key"]
        run("openssl", "ca", "-batch", "-config", cnf, "-extensions", ext, "-startdate", "20240101000000Z",
            "-enddate", "20991231000000Z", "-notext", "-in", csr, "-out", KEYS / f"{name}.pem", *sign)
    shutil.rmtree(work)


def rc_text(fields: dict[str, str]) -> str:
    values = "\n".join(f'            VALUE "{k}", "{v}"' for k, v in fields.items())
    return f"""1 VERSIONINFO
FILEVERSION 7,11,0,0
PRODUCTVERSION 7,11,0,0
FILEOS 0x40004
FILETYPE 0x1
BEGIN
    BLOCK "StringFileInfo"
    BEGIN
        BLOCK "040904b0"
        BEGIN
            VALUE "FileVersion", "7.11.0.0"
            VALUE "ProductVersion", "7.11.0.0"
{values}
        END
    END
    BLOCK "VarFileInfo"
    BEGIN
        VALUE "Translation", 0x409, 1200
    END
END
"""


def same_unsigned(a: Path, b: Path, work: Path) -> bool:
    """Equal once their signatures are removed (the built-in TSA puts a random serial in each timestamp)."""
    if not b.is_file():
        return False
    outs = []
    for i, src in enumerate((a, b)):
        dst = work / f"unsigned{i}.exe"
        dst.unlink(missing_ok=True)
        run("osslsigncode", "remove-signature", "-in", src, "-out", dst)
        outs.append(dst)
    return filecmp.cmp(outs[0], outs[1], shallow=False)


def build_program(work: Path, out: Path, fields: dict[str, str], key: str | None, previous: Path) -> None:
    (work / "hello.c").write_text(C_SOURCE)
    (work / "version.rc").write_text(rc_text(fields))
    run(WINDRES, "version.rc", "-O", "coff", "-o", "version.res", cwd=work)
    run(CC, "-Os", "-s", "-Wl,--no-insert-timestamp", "-o", "prog.exe", "hello.c", "version.res", cwd=work)
    out.parent.mkdir(parents=True, exist_ok=True)
    if key is None:
        shutil.copyfile(work / "prog.exe", out)
        return
    chain = ["-ac", KEYS / "ca.pem"] if SUBJECTS[key][2] else []
    (work / "signed.exe").unlink(missing_ok=True)
    run("osslsigncode", "sign", "-certs", KEYS / f"{key}.pem", "-key", KEYS / f"{key}.key", *chain,
        "-n", "Falcon Sensor", "-h", "sha256", "-time", SIGN_TIME,
        "-TSA-certs", KEYS / "tsa.pem", "-TSA-key", KEYS / "tsa.key", "-TSA-time", SIGN_TIME,
        "-in", work / "prog.exe", "-out", work / "signed.exe")
    # Idempotent: keep the committed file when only its timestamp serial would change.
    keep = previous if same_unsigned(work / "signed.exe", previous, work) else work / "signed.exe"
    if keep != out:
        shutil.copyfile(keep, out)


def derived(root: Path) -> None:
    """Samples made from the built programs: tampered, truncated, zipped."""
    signed = (root / "lures/pe/falcon_sensor_testca.exe").read_bytes()
    tampered = bytearray(signed)
    pos = tampered.find(b"harmless program")
    tampered[pos] ^= 0x20  # "Harmless": one byte of the signed code changed after signing
    (root / "lures/pe/falcon_sensor_tampered.exe").write_bytes(bytes(tampered))
    hello = (root / "clean/pe/hello.exe").read_bytes()
    (root / "bad/pe").mkdir(parents=True, exist_ok=True)
    (root / "bad/pe/truncated.exe").write_bytes(hello[:len(hello) // 2])
    for name, member in (("lures/pe/falcon_hotfix.zip", "lures/pe/CrowdStrike_Falcon_Hotfix.exe"),
                         ("lures/pe/windows_hotfix.zip", "lures/pe/windows_hotfix_helper.exe")):
        with zipfile.ZipFile(root / name, "w", zipfile.ZIP_DEFLATED) as zf:
            info = zipfile.ZipInfo(Path(member).name, date_time=(2024, 7, 19, 4, 9, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, (root / member).read_bytes())


def build(root: Path) -> list[str]:
    make_keys()
    with tempfile.TemporaryDirectory() as tmp:
        for rel, (fields, key) in PROGRAMS.items():
            build_program(Path(tmp), root / rel, fields, key, HERE / rel)
    derived(root)
    return [*PROGRAMS, "lures/pe/falcon_sensor_tampered.exe", "bad/pe/truncated.exe",
            "lures/pe/falcon_hotfix.zip", "lures/pe/windows_hotfix.zip"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="rebuild into a temp dir and compare")
    args = parser.parse_args()
    for tool in (CC, WINDRES, "osslsigncode", "openssl"):
        if shutil.which(tool) is None:
            print(f"{tool} not found: apt-get install mingw-w64 osslsigncode openssl", file=sys.stderr)
            return 2
    return build_or_check(build, HERE, args.check)


if __name__ == "__main__":
    sys.exit(main())
