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
Forged and broken certificate paths (issue 12), each a "CrowdStrike, Inc." leaf:
    via_leaf      issued by `other`, a code-signing leaf that is no CA
    int_nokcs     an intermediate CA (from ca) whose keyUsage lacks keyCertSign; via_nokcs its leaf
    int_len0      an intermediate CA with pathLenConstraint 0; int_sub a CA below it; via_sub its leaf
    tls           issued by the test CA with the serverAuth EKU only (a TLS certificate)
    short         issued by the test CA, valid 2024-01-01 .. 2024-12-31 only (expired now)
    rogue_tsa     a self-signed timestamping certificate (an untrusted TSA)
    int_ok        a proper intermediate CA (keyCertSign, pathLen 0); via_int its leaf
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
    # Forged or broken paths: each must be flagged, never clean, even when the test CA is trusted.
    "lures/pe/falcon_hotfix_issued_by_leaf.exe": (CRWD, "via_leaf"),
    "lures/pe/falcon_hotfix_no_keycertsign.exe": (CRWD, "via_nokcs"),
    "lures/pe/falcon_hotfix_pathlen_exceeded.exe": (CRWD, "via_sub"),
    "lures/pe/falcon_hotfix_tls_certificate.exe": (CRWD, "tls"),
    "lures/pe/falcon_hotfix_expired_no_timestamp.exe": (CRWD, "short-notsa"),
    "lures/pe/falcon_hotfix_expired_rogue_tsa.exe": (CRWD, "short-rogue"),
    # Controls: trusted once the test CA is.
    "lures/pe/falcon_sensor_expired_trusted_tsa.exe": (FALCON, "short"),
    "lures/pe/falcon_sensor_intermediate_ca.exe": (FALCON, "via_int"),
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
[v3_int]
basicConstraints = critical,CA:true,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_ca_sub]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_ca_nokcs]
basicConstraints = critical,CA:true
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_tls]
basicConstraints = CA:false
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_tsa]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""
CROWDSTRIKE = "/CN=CrowdStrike, Inc./O=CrowdStrike, Inc./C=US"
# name -> (subject, extensions, issuer or None for self-signed); serials 0x1000 + position
SUBJECTS = {"ca": ("/CN=Scamscan Test Root CA/O=scamscan tests", "v3_ca", None),
            "brand": (CROWDSTRIKE, "v3_code", "ca"),
            "other": ("/CN=Northwind Traders Ltd/O=Northwind Traders Ltd/C=GB", "v3_code", "ca"),
            "selfsig": (CROWDSTRIKE, "v3_code", None),
            "tsa": ("/CN=Scamscan Test Timestamping/O=scamscan tests", "v3_tsa", "ca"),
            "via_leaf": (CROWDSTRIKE, "v3_code", "other"),
            "int_nokcs": ("/CN=Scamscan Test Issuing CA without keyCertSign/O=scamscan tests", "v3_ca_nokcs", "ca"),
            "via_nokcs": (CROWDSTRIKE, "v3_code", "int_nokcs"),
            "int_len0": ("/CN=Scamscan Test Policy CA pathlen 0/O=scamscan tests", "v3_int", "ca"),
            "int_sub": ("/CN=Scamscan Test Sub CA/O=scamscan tests", "v3_ca_sub", "int_len0"),
            "via_sub": (CROWDSTRIKE, "v3_code", "int_sub"),
            "tls": (CROWDSTRIKE, "v3_tls", "ca"),
            "short": (CROWDSTRIKE, "v3_code", "ca"),
            "rogue_tsa": ("/CN=Rogue Timestamping Authority/O=nobody", "v3_tsa", None),
            "int_ok": ("/CN=Scamscan Test Code Signing CA/O=scamscan tests", "v3_int", "ca"),
            "via_int": (CROWDSTRIKE, "v3_code", "int_ok")}
VALIDITY = {"short": ("20240101000000Z", "20241231000000Z")}  # default 2024-01-01 .. 2099-12-31
# signing profile -> (key, timestamping key or None); "name-variant" profiles reuse the key `name`
PROFILES = {"short-notsa": ("short", None), "short-rogue": ("short", "rogue_tsa")}


def run(*argv: str | Path, cwd: Path | None = None) -> None:
    subprocess.run([str(a) for a in argv], check=True, cwd=cwd, stdout=subprocess.DEVNULL)


def make_keys() -> None:
    """Create the test CA and certificates that are missing (committed afterwards)."""
    if all((KEYS / f"{name}.pem").is_file() for name in SUBJECTS):
        return
    KEYS.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp())
    (work / "new").mkdir()
    (work / "index.txt").write_text("")
    cnf = work / "openssl.cnf"
    cnf.write_text(OPENSSL_CNF.format(dir=work))
    for index, (name, (subject, ext, issuer)) in enumerate(SUBJECTS.items()):
        if (KEYS / f"{name}.pem").is_file():
            continue
        (work / "serial").write_text(f"{0x1000 + index:04X}\n")  # unique per issuer: signers are found by it
        start, end = VALIDITY.get(name, ("20240101000000Z", "20991231000000Z"))
        key, csr = KEYS / f"{name}.key", work / f"{name}.csr"
        run("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-subj", subject,
            "-out", csr, "-config", cnf)
        sign = ["-selfsign", "-keyfile", key] if issuer is None else [
            "-cert", KEYS / f"{issuer}.pem", "-keyfile", KEYS / f"{issuer}.key"]
        run("openssl", "ca", "-batch", "-config", cnf, "-extensions", ext, "-startdate", start,
            "-enddate", end, "-notext", "-in", csr, "-out", KEYS / f"{name}.pem", *sign)
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
    key, tsa = PROFILES.get(key, (key, "tsa"))
    issuers, up = [], SUBJECTS[key][2]
    while up is not None:  # the whole chain up to the root goes into the signature
        issuers.append((KEYS / f"{up}.pem").read_text())
        up = SUBJECTS[up][2]
    chain: list[str | Path] = []
    if issuers:
        (work / "chain.pem").write_text("".join(issuers))
        chain = ["-ac", work / "chain.pem"]
    stamp: list[str | Path] = [] if tsa is None else [
        "-TSA-certs", KEYS / f"{tsa}.pem", "-TSA-key", KEYS / f"{tsa}.key", "-TSA-time", SIGN_TIME]
    (work / "signed.exe").unlink(missing_ok=True)
    run("osslsigncode", "sign", "-certs", KEYS / f"{key}.pem", "-key", KEYS / f"{key}.key", *chain,
        "-n", "Falcon Sensor", "-h", "sha256", "-time", SIGN_TIME, *stamp,
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
