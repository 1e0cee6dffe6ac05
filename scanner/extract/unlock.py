"""Open encrypted ZIP, 7z and RAR archives with passwords found next to them.

A lure encrypts its archive so that gateways cannot look inside, and puts the
password in the same e-mail.  Candidates travel on `Item.passwords` (set by the
e-mail extractors); each is verified on the archive's smallest encrypted member
(ZipCrypto check byte + CRC, AES verifier + HMAC, 7z CRC, RAR check value + CRC).  The result is memoised
per archive so the `archive` check (which reports it) and the extractor (which
opens the members) try the passwords once.

Dependencies: `pyzipper` reads WinZip AES ZIPs (stdlib zipfile reads only
ZipCrypto); `py7zr` is the maintained pure-Python 7z reader.
"""

from __future__ import annotations

import zipfile
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import IO, Any, cast

from ..models import Item
from .view import ViewReader

MAX_7Z_TRIES = 8          # each 7z try derives an AES key (2^19 SHA-256 rounds)
VERIFY_CAP = 4 * 1024 * 1024
_cache: OrderedDict[tuple[str, tuple[str, ...]], Unlock] = OrderedDict()


@dataclass(frozen=True)
class Unlock:
    encrypted: bool
    password: str | None = None
    tried: int = 0
    method: str = ""      # "zipcrypto", "aes", "7z"


def _encodings(password: str) -> list[bytes]:
    out = [password.encode("utf-8")]
    for enc in ("cp437", "cp1252"):
        try:
            alt = password.encode(enc)
        except UnicodeEncodeError:
            continue
        if alt not in out:
            out.append(alt)
    return out


def _memo(item: Item, kind: str, compute: Any) -> Unlock:
    key = (f"{kind}:{item.sha256}", item.passwords)
    hit = _cache.get(key)
    if hit is None:
        hit = compute(item)
        _cache[key] = hit
        while len(_cache) > 32:
            _cache.popitem(last=False)
    return hit


def _zip(item: Item) -> Unlock:
    import pyzipper  # lazily: only archives with encrypted members and candidates get here
    # pyzipper.BadZipFile is pyzipper's own copy of zipfile's class, not a subclass: both are caught
    try:
        archive = pyzipper.AESZipFile(ViewReader(item.data))
    except (zipfile.BadZipFile, pyzipper.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return Unlock(False)
    with archive:
        locked = [i for i in archive.infolist() if i.flag_bits & 0x1 and not i.filename.endswith("/")]
        if not locked:
            return Unlock(False)
        probe = min(locked, key=lambda i: i.file_size)
        method = "aes" if probe.compress_type == 99 or b"\x01\x99" in probe.extra else "zipcrypto"
        tried = 0
        for password in item.passwords:
            tried += 1
            for raw in _encodings(password):
                try:
                    with archive.open(probe, pwd=raw) as stream:
                        while stream.read(VERIFY_CAP if probe.file_size > VERIFY_CAP else -1):
                            if probe.file_size > VERIFY_CAP:
                                break
                    return Unlock(True, password, tried, method)
                except (RuntimeError, zipfile.BadZipFile, pyzipper.BadZipFile, zlib.error, ValueError, OSError,
                        EOFError, NotImplementedError):
                    continue
        return Unlock(True, None, tried, method)


def zip_unlock(item: Item) -> Unlock:
    """Whether the ZIP `item` has encrypted members, and which candidate opens them."""
    return _memo(item, "zip", _zip)


def sevenzip_needs_password(item: Item) -> bool:
    import py7zr
    try:
        with py7zr.SevenZipFile(cast(IO[bytes], ViewReader(item.data))) as archive:
            return bool(archive.needs_password())
    except py7zr.PasswordRequired:
        return True
    except Exception:  # noqa: BLE001 - a corrupt 7z is the extractor's business
        return False


def _sevenzip(item: Item) -> Unlock:
    import py7zr
    from py7zr.io import NullIOFactory

    if not sevenzip_needs_password(item):
        return Unlock(False)
    tried = 0
    for password in item.passwords[:MAX_7Z_TRIES]:
        tried += 1
        try:
            with py7zr.SevenZipFile(cast(IO[bytes], ViewReader(item.data)), password=password,
                                    max_extract_size=VERIFY_CAP) as archive:
                files = [f for f in archive.list() if f.is_file]
                if files:
                    probe = min(files, key=lambda f: f.uncompressed)
                    archive.extract(targets=[probe.filename], factory=NullIOFactory())  # type: ignore[no-untyped-call]
            return Unlock(True, password, tried, "7z")
        except py7zr.DecompressionBombError:  # VERIFY_CAP bytes decrypted and decoded: the key is right
            return Unlock(True, password, tried, "7z")
        except Exception:  # noqa: BLE001 - a wrong key shows as CRC, LZMA, header or password errors
            continue
    return Unlock(True, None, tried, "7z")


def sevenzip_unlock(item: Item) -> Unlock:
    return _memo(item, "7z", _sevenzip)


def rar_open(item: Item, password: str | None = None) -> Any:
    """A `rarfile.RarFile` over the item's bytes (headers parsed in Python; members decoded by `unar`,
    the free RAR reader Debian ships, since libarchive cannot decrypt RAR)."""
    import io

    import rarfile

    rarfile.tool_setup(unrar=False, unar=True, bsdtar=False, sevenzip=False, sevenzip2=False)
    archive = rarfile.RarFile(io.BytesIO(bytes(item.data)))
    if password is not None:
        archive.setpassword(password)
    return archive


def rar_needs_password(item: Item) -> bool:
    try:
        return bool(rar_open(item).needs_password())
    except Exception:  # noqa: BLE001 - a corrupt RAR is the extractor's business
        return False


def _rar(item: Item) -> Unlock:
    if not rar_needs_password(item):
        return Unlock(False)
    tried = 0
    for password in item.passwords[:MAX_7Z_TRIES]:  # RAR keys are slow to derive too (2^15+ rounds)
        tried += 1
        try:
            archive = rar_open(item, password)
            files = [i for i in archive.infolist() if i.is_file() and i.file_size]  # empty ones verify nothing
            if not files:
                break
            if files:
                probe = min(files, key=lambda i: i.file_size)
                with archive.open(probe) as stream:
                    while stream.read(VERIFY_CAP if probe.file_size > VERIFY_CAP else -1):
                        if probe.file_size > VERIFY_CAP:
                            break
            return Unlock(True, password, tried, "rar")
        except Exception:  # noqa: BLE001 - wrong password shows as RarWrongPassword, CRC or header errors
            continue
    return Unlock(True, None, tried, "rar")


def rar_unlock(item: Item) -> Unlock:
    return _memo(item, "rar", _rar)
