"""Password-protected Office documents, opened with Excel's default password or the mail's candidates.

Encrypted OOXML (an OLE file holding `EncryptedPackage`) and legacy RC4/XOR-encrypted .xls/.doc/.ppt
are opaque to every other check.  Malware encrypts workbooks with `VelvetSweatshop`, the password
Excel tries by itself (the victim sees no prompt), and lures send the password in the mail.  Each
candidate is verified by msoffcrypto-tool (the maintained implementation of MS-OFFCRYPTO: ECMA-376
agile/standard, RC4, RC4 CryptoAPI, XOR obfuscation) with its password verifier; the decrypted
document becomes a child, and which password opened it is recorded (`office` check).
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from dataclasses import dataclass

from ..models import Item
from ..timeouts import CheckTimeout
from . import olesize

DEFAULT_PASSWORD = "VelvetSweatshop"
MAX_TRIES = 8  # an agile key costs 100,000 SHA-512 rounds
# Hash rounds spent on one document over all its candidates.  An agile document names its own
# spinCount (Office writes 100,000; the format allows 10,000,000), and msoffcrypto derives the key
# and the verifier separately, so each candidate costs 2 x spinCount rounds: Excel's default and
# MAX_TRIES candidates fit (1.8 million, ~2.5 s), while a hostile spinCount would have cost 13 s a
# candidate, 4 minutes of a gateway worker per document.  What is not tried is said in the report.
MAX_KEY_ROUNDS = 2_000_000
_LEGACY_STREAMS = frozenset({"workbook", "book", "worddocument", "powerpoint document"})


@dataclass(frozen=True)
class Decryption:
    encrypted: bool
    password: str | None = None
    data: bytes = b""
    tried: int = 0
    error: str = ""
    capped: str = ""  # why candidates were left untried (MAX_KEY_ROUNDS)


_cache: OrderedDict[tuple[str, tuple[str, ...]], Decryption] = OrderedDict()
_lock = threading.Lock()


def may_be_encrypted(streams: tuple[str, ...]) -> bool:
    """Worth asking msoffcrypto: an EncryptedPackage, or a legacy document stream (whose
    encryption is a flag inside it: FILEPASS record, fEncrypted bit)."""
    names = {s.split("/")[-1].lower() for s in streams}
    return "encryptedpackage" in names or bool(names & _LEGACY_STREAMS)


def _decrypt(item: Item) -> Decryption:
    import msoffcrypto

    raw = bytes(item.data)
    refused = olesize.refuse(raw)  # msoffcrypto reads EncryptedPackage whole: a looping chain is GBs
    if refused:
        return Decryption(False, error=refused)
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(raw))
        if not office.is_encrypted():
            return Decryption(False)
    except CheckTimeout:
        raise
    except Exception as exc:  # noqa: BLE001 - msoffcrypto raises many types on odd OLE files
        return Decryption(False, error=f"{type(exc).__name__}: {exc}")
    tried = 0
    last = ""
    candidates = list(dict.fromkeys((DEFAULT_PASSWORD, *item.passwords[:MAX_TRIES])))
    cost = _rounds_per_try(office)
    for password in candidates:
        if cost * (tried + 1) > MAX_KEY_ROUNDS:
            spin = cost // 2
            return Decryption(True, None, b"", tried, last,
                              f"the document asks for {spin:,} hash rounds per password: {len(candidates) - tried} "
                              f"of {len(candidates)} candidates not tried (limit {MAX_KEY_ROUNDS:,} rounds)")
        tried += 1
        try:
            office = msoffcrypto.OfficeFile(io.BytesIO(raw))
            office.load_key(password=password, verify_password=True)
            out = io.BytesIO()
            office.decrypt(out)
            return Decryption(True, password, out.getvalue(), tried)
        except CheckTimeout:
            raise
        except Exception as exc:  # noqa: BLE001 - wrong password (InvalidKeyError) and damaged streams alike
            last = f"{type(exc).__name__}: {exc}"
    return Decryption(True, None, b"", tried, last)


def _rounds_per_try(office: object) -> int:
    """Hash rounds msoffcrypto spends on one candidate: 2 x the agile spinCount (key and verifier are
    derived separately); 0 for the other schemes (standard's 50,000 rounds are fixed, RC4 has none)."""
    info = getattr(office, "info", None)
    if getattr(office, "type", "") != "agile" or not isinstance(info, dict):
        return 0
    try:
        return 2 * max(0, int(info.get("spinValue", 0)))
    except (TypeError, ValueError):
        return 0


def decrypt(item: Item) -> Decryption:
    """Memoised per (document, candidates): the `office` check and the extractor both ask."""
    key = (item.sha256, item.passwords)
    with _lock:
        hit = _cache.get(key)
    if hit is None:
        hit = _decrypt(item)
        with _lock:
            _cache[key] = hit
            while len(_cache) > 8:
                _cache.popitem(last=False)
    return hit
