"""Builders shared by the tests: archives, a minimal PE, a ZIP64 bomb, rule folders, CLI runners.

Everything is built in memory or under a test's `tmp_path`; nothing here touches the user's files.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = REPO_ROOT / "samples"
MANIFEST = SAMPLES / "manifest.toml"
# Florian Roth's signature-base (8.5 MB, Detection Rule License): too large to ship with the tests.
SIGNATURE_BASE = Path(os.environ.get("SCAMSCAN_SIGNATURE_BASE") or (
    REPO_ROOT / ".." / "shared" / "data" / "rulesets" / "signature-base" / "yara")).resolve()
SIGNATURE_BASE_HOWTO = ("git clone https://github.com/Neo23x0/signature-base and set "
                        "SCAMSCAN_SIGNATURE_BASE=signature-base/yara")

MiB = 1024 * 1024
GiB = 1024 * MiB

# Content our own test rules react to (see TEST_RULES).
MARKER = b"SCAMSCAN-TEST-MARKER"          # TEST_Marker, score 80 (malicious)
SUSPICIOUS = b"SCAMSCAN-TEST-SUSPICIOUS"  # TEST_Suspicious, score 40 (suspicious)
ALLOW = b"SCAMSCAN-TEST-ALLOW"            # TEST_Allow, score -50 (lowers the item score)
PROBE = b"SCAMSCAN-EXTERNALS-PROBE"       # the externals rules only look at items holding this

TEST_RULES = r"""
rule TEST_Marker
{
    meta:
        description = "test marker string"
        author = "tests"
        severity = "high"
        score = 80
        reference = "tests/helpers.py"
    strings:
        $m = "SCAMSCAN-TEST-MARKER"
    condition:
        $m
}

rule TEST_Suspicious
{
    meta:
        description = "test suspicious string"
        score = 40
    strings:
        $s = "SCAMSCAN-TEST-SUSPICIOUS"
    condition:
        $s
}

rule TEST_Allow
{
    meta:
        description = "test allow-list string (negative score)"
        score = -50
    strings:
        $a = "SCAMSCAN-TEST-ALLOW"
    condition:
        $a
}

rule TEST_Many
{
    meta:
        description = "many string instances"
        score = 1
    strings:
        $r = "REPEATME"
    condition:
        #r > 0
}
"""

EXTERNALS_RULES = r"""
rule EXT_filename
{
    meta: score = 1
    strings: $p = "SCAMSCAN-EXTERNALS-PROBE"
    condition: $p and filename == "probe-name.bin"
}

rule EXT_extension
{
    meta: score = 1
    strings: $p = "SCAMSCAN-EXTERNALS-PROBE"
    condition: $p and extension == ".xyzext"
}

rule EXT_filetype_EXE
{
    meta: score = 1
    strings: $p = "SCAMSCAN-EXTERNALS-PROBE"
    condition: $p and filetype == "EXE"
}

rule EXT_filetype_ZIP
{
    meta: score = 1
    condition: filetype == "ZIP" and filename == "probe-container.zip"
}

rule EXT_depth_2
{
    meta: score = 1
    strings: $p = "SCAMSCAN-EXTERNALS-PROBE"
    condition: $p and depth == 2
}

rule EXT_in_archive
{
    meta: score = 1
    strings: $p = "SCAMSCAN-EXTERNALS-PROBE"
    condition: $p and in_archive
}

rule EXT_not_in_archive
{
    meta: score = 1
    strings: $p = "SCAMSCAN-EXTERNALS-PROBE"
    condition: $p and not in_archive
}
"""


def make_zip(members: dict[str, bytes] | list[tuple[str, bytes]],
             compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A ZIP archive (stdlib zipfile) of `members`, in order."""
    buf = io.BytesIO()
    items = list(members.items()) if isinstance(members, dict) else list(members)
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in items:
            zf.writestr(name, data)
    return buf.getvalue()


def nested_zips(names: list[str], leaf_name: str, leaf_data: bytes) -> bytes:
    """names = ["l1.zip", "l2.zip"] -> bytes of l0 holding l1.zip holding l2.zip holding leaf."""
    data = make_zip({leaf_name: leaf_data})
    for name in reversed(names):
        data = make_zip({name: data})
    return data


def minimal_pe(extra: bytes = b"") -> bytes:
    """The smallest thing `identify` calls a PE: DOS header, e_lfanew -> "PE\\0\\0", then `extra`."""
    dos = bytearray(0x40)
    dos[0:2] = b"MZ"
    dos[0x3C:0x40] = struct.pack("<I", 0x40)
    # A COFF header for i386 with no sections, then padding and the payload.
    coff = b"PE\x00\x00" + struct.pack("<HHIIIHH", 0x14C, 0, 0, 0, 0, 0, 0x0102)
    return bytes(dos) + coff + b"\x00" * 64 + extra


def set_encrypted_flag(archive: bytes) -> bytes:
    """Set general-purpose flag bit 0 (encrypted) in every local and central header."""
    data = bytearray(archive)
    for sig, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = data.find(sig)
        while pos >= 0:
            flags = struct.unpack_from("<H", data, pos + flag_offset)[0]
            struct.pack_into("<H", data, pos + flag_offset, flags | 0x1)
            pos = data.find(sig, pos + 4)
    return bytes(data)


# --- a ZIP64 member of N GiB of zeros, built without ever holding N GiB ---------------------

def zero_deflate_stream(total: int, chunk: int = 16 * MiB) -> tuple[bytes, int]:
    """A raw deflate stream that inflates to `total` zero bytes, and the CRC-32 of those bytes.

    One chunk compressed and ended with a full flush is a byte-aligned block sequence that does
    not refer to earlier data, so it can simply be repeated; a final empty fixed block ends it.
    """
    assert total % chunk == 0
    zeros = bytes(chunk)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = co.compress(zeros) + co.flush(zlib.Z_FULL_FLUSH)
    reps = total // chunk
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(reps):
        crc = zlib.crc32(zeros, crc)
    return block * reps + final, crc


def zip64_single_member(name: str, deflated: bytes, crc: int, file_size: int) -> bytes:
    """A ZIP64 archive with one deflated member, assembled by hand (sizes in zip64 extras).

    `file_size` is what the headers declare (a test may make it lie)."""
    fname = name.encode()
    csize = len(deflated)
    dos_time, dos_date = 0, (2024 - 1980) << 9 | 7 << 5 | 19
    local_extra = struct.pack("<HHQQ", 0x0001, 16, file_size, csize)
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 45, 0, 8, dos_time, dos_date, crc,
                        0xFFFFFFFF, 0xFFFFFFFF, len(fname), len(local_extra)) + fname + local_extra
    cd_offset = len(local) + csize
    central_extra = struct.pack("<HHQQ", 0x0001, 16, file_size, csize)
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 45, 45, 0, 8, dos_time, dos_date, crc,
                          0xFFFFFFFF, 0xFFFFFFFF, len(fname), len(central_extra), 0, 0, 0, 0, 0
                          ) + fname + central_extra
    zip64_eocd_offset = cd_offset + len(central)
    zip64_eocd = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, 1, 1, len(central), cd_offset)
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, zip64_eocd_offset, 1)
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central), cd_offset, 0)
    return local + deflated + central + zip64_eocd + locator + eocd


def zip64_zero_bomb(name: str = "zeros.bin", size: int = 3 * GiB) -> bytes:
    stream, crc = zero_deflate_stream(size)
    return zip64_single_member(name, stream, crc, size)


# --- rule folders ----------------------------------------------------------------------------

def write_rules_dir(root: Path, yara_sources: dict[str, str] | None = None,
                    domains: list[tuple[str, str, str]] | None = None,
                    hashes: list[tuple[str, str, str, str]] | None = None) -> Path:
    """A `--rules` folder: yara/*.yar plus optional iocs/domains.csv and iocs/hashes.csv."""
    (root / "yara").mkdir(parents=True, exist_ok=True)
    for fname, text in (yara_sources if yara_sources is not None else {"test.yar": TEST_RULES}).items():
        (root / "yara" / fname).write_text(text, encoding="utf-8")
    if domains is not None or hashes is not None:
        (root / "iocs").mkdir(exist_ok=True)
    if domains is not None:
        lines = ["# test domains", "domain,campaign,reference", *(",".join(r) for r in domains)]
        (root / "iocs" / "domains.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if hashes is not None:
        lines = ["hash,type,campaign,reference", *(",".join(r) for r in hashes)]
        (root / "iocs" / "hashes.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def digest(kind: str, data: bytes) -> str:
    return hashlib.new(kind, data).hexdigest()


# --- running the CLI as a real process -------------------------------------------------------

def scamscan_command() -> list[str]:
    """The installed `scamscan` script next to this interpreter, else `python -m scanner.cli`."""
    script = Path(sys.executable).parent / "scamscan"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    found = shutil.which("scamscan")
    if found and Path(found).resolve().parent == Path(sys.executable).resolve().parent:
        return [found]
    return [sys.executable, "-m", "scanner.cli"]


def run_scamscan(args: list[str | os.PathLike[str]] | list[str], *, input: bytes | None = None,
                 cwd: Path | None = None, timeout: float = 120, env: dict[str, str] | None = None,
                 ) -> subprocess.CompletedProcess[bytes]:
    """Run the CLI in a subprocess (inherits XDG_CACHE_HOME set by conftest). `timeout` is a hang guard."""
    return subprocess.run([*scamscan_command(), *map(os.fsdecode, args)], input=input, capture_output=True,
                          cwd=cwd, timeout=timeout, env=env,
                          stdin=None if input is not None else subprocess.DEVNULL)


def finding_keys(report: Any) -> set[str]:
    """{"check:id", ...} of an ItemReport."""
    return {f"{f.check}:{f.id}" for f in report.findings}


def reasons(report: Any) -> set[str]:
    return {i.reason for i in report.incomplete}
