"""Encoded payloads inside scripts and pages (.bat/.cmd/.ps1/.vbs/.js/.hta/.html and any text).

Fake "fix" scripts and ClickFix clipboard commands hide what they run in a
PowerShell ``-EncodedCommand`` (base64 of UTF-16LE; PowerShell accepts any
prefix of the switch: ``-e``, ``-en``, ``-enc`` ... and the alias ``-ec``) or in
``[Convert]::FromBase64String('...')``.  Each decoded payload becomes a child
item (``fix.ps1 > encoded-command-1.ps1``) so the same YARA rules that judge
the outer script judge what it really runs; a payload that itself holds an
encoded layer is decoded again one level down (bounded by ``max_depth``).

Scripts that build their words from pieces (``"MSXML2.XML" + "HTTP"``, ``Chr(87) & ...``,
``String.fromCharCode``, ``[char]`` and ``-join``, ``atob``) get one more child, the text with
those constructions rewritten (`deobfuscate`; ``update.js > deobfuscated.txt``).

Bounds: the first `MAX_SCAN` bytes of an item are searched, at most
`MAX_PAYLOADS` payloads of at most `MAX_DECODED` bytes each are kept, and
FromBase64String blobs are kept only when they decode to printable text (a
base64 image or certificate is not code).  An -EncodedCommand that does not
decode is an `incomplete` entry: what the script runs was not seen.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..domains.indicators import decode_text
from ..models import Incomplete, Item
from . import deobfuscate, probe
from .base import Budget, Child, LimitExceeded

MAX_SCAN = 4 * 1024 * 1024
MAX_PAYLOADS = 20
SHELL_SUFFIXES = (".ps1", ".psm1", ".bat", ".cmd")
MAX_DECODED = 1024 * 1024

_PROBE_WORDS = probe.register(b"frombase64string", b"powershell", b"pwsh", limit=MAX_SCAN)
_DEOBFUSCATE_WORDS = probe.register(*deobfuscate.PROBES, limit=MAX_SCAN)
_SHELL = re.compile(r"\b(?:powershell|pwsh)(?:\.exe)?\b", re.IGNORECASE)
_ENC = re.compile(r"""[\s"'](?:-|/|\u2013|\u2014)(e[a-z]{0,13})\s*[:\s]\s*["']?"""
                  r"""([A-Za-z0-9+/]{16,}={0,2})(?![A-Za-z0-9+/=])""", re.IGNORECASE)
_B64CALL = re.compile(r"""FromBase64String\s*\(\s*["']([A-Za-z0-9+/\s]{16,}={0,2})["']\s*\)""", re.IGNORECASE)


@dataclass(frozen=True)
class Payload:
    kind: str  # "encoded_command" or "base64_string"
    flag: str  # the switch as written (-enc, -EncodedCommand) or "FromBase64String"
    text: str  # decoded text, "" when it did not decode
    encoding: str  # utf-16le, utf-8, or "" when undecodable
    offset: int


def _printable(text: str) -> bool:
    if not text.strip():
        return False
    bad = sum(1 for ch in text if not (ch.isprintable() or ch in "\r\n\t"))
    return bad <= len(text) // 50


def _decode(blob: str) -> tuple[str, str]:
    """(text, encoding) of a base64 blob, or ("", "") when it is not base64 of printable text."""
    compact = re.sub(r"\s+", "", blob)
    try:
        raw = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        return "", ""
    raw = raw[:MAX_DECODED]
    if len(raw) >= 2 and raw[1::2].count(0) >= len(raw) // 4:
        text = raw.decode("utf-16-le", "replace")
        if _printable(text):
            return text.lstrip("\ufeff"), "utf-16le"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "", ""
    return (text, "utf-8") if _printable(text) else ("", "")


DEOBFUSCATED = "deobfuscated.txt"


def _is_view(item: Item) -> bool:
    """A deobfuscated view made by `extract` (already rewritten to a fixed point)."""
    return item.depth > 0 and item.name == DEOBFUSCATED


def wants(item: Item) -> bool:
    """Cheap probe (`probe`: one pass for all words), so text without a PowerShell or base64 call
    or an obfuscation construction costs next to nothing."""
    return _has_payload_words(item) or (not _is_view(item) and _wants_deobfuscation(item))


def _wants_deobfuscation(item: Item) -> bool:
    # A .ps1/.bat/.cmd is deobfuscated whatever its words: its shell's escapes (i`e`x, m^s^h^t^a) hide
    # exactly the words the probe looks for.  Renamed, it needs a launcher that names the shell.
    return item.name.lower().endswith(SHELL_SUFFIXES) or probe.holds(item, _DEOBFUSCATE_WORDS, MAX_SCAN)


def _has_payload_words(item: Item) -> bool:
    return probe.holds(item, _PROBE_WORDS, MAX_SCAN)


def find_payloads(text: str) -> list[Payload]:
    """Encoded commands (after a powershell/pwsh word on the same line) and base64 string calls."""
    found: list[Payload] = []
    seen: set[str] = set()
    scanned = 0  # end of the last line window searched: each line is searched once, not once per shell word
    for shell in _SHELL.finditer(text):
        if shell.end() < scanned:
            continue
        end = text.find("\n", shell.end())
        line = text[shell.end():end if end >= 0 else len(text)][:8192]
        scanned = shell.end() + len(line)
        for m in _ENC.finditer(line):
            flag = m.group(1).lower()
            if not (flag == "ec" or "encodedcommand".startswith(flag)) or m.group(2) in seen:
                continue
            seen.add(m.group(2))
            decoded, encoding = _decode(m.group(2))
            found.append(Payload("encoded_command", "-" + m.group(1), decoded, encoding, shell.end() + m.start(2)))
    for m in _B64CALL.finditer(text):
        if m.group(1) in seen:
            continue
        seen.add(m.group(1))
        decoded, encoding = _decode(m.group(1))
        if decoded:
            found.append(Payload("base64_string", "FromBase64String", decoded, encoding, m.start(1)))
    found.sort(key=lambda p: p.offset)
    return found


def payloads(item: Item) -> list[Payload]:
    if not _has_payload_words(item):
        return []
    return find_payloads(decode_text(item.data, MAX_SCAN))


def child_name(payload: Payload, index: int) -> str:
    return f"encoded-command-{index}.ps1" if payload.kind == "encoded_command" else f"base64-string-{index}.txt"


def _deobfuscated(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    """The script with concatenations, character codes and atob() layers rewritten (`deobfuscate`),
    as one child the same rules judge; not for a view itself (it is rewritten to a fixed point)."""
    if _is_view(item):
        return
    if not _wants_deobfuscation(item):
        return
    text = deobfuscate.deobfuscate(decode_text(item.data, deobfuscate.MAX_INPUT))
    if text is None:
        return
    data = text.encode("utf-8", "surrogatepass")
    try:
        budget.check_declared(DEOBFUSCATED, len(data))
        yield Child(DEOBFUSCATED, budget.read_capped(DEOBFUSCATED, io.BytesIO(data).read))
    except LimitExceeded as exc:
        yield item.incomplete(exc.reason, exc.message, "script")


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    yield from _deobfuscated(item, budget)
    found = payloads(item)
    if len(found) > MAX_PAYLOADS:
        yield item.incomplete("max_children", f"{len(found)} encoded payloads, only the first {MAX_PAYLOADS} decoded",
                              "script")
    counts = {"encoded_command": 0, "base64_string": 0}
    for payload in found[:MAX_PAYLOADS]:
        counts[payload.kind] += 1
        if not payload.text:
            yield item.incomplete("undecodable", f"PowerShell {payload.flag} payload at offset {payload.offset} is "
                                  "not base64 of text: what it runs was not scanned", "script")
            continue
        name = child_name(payload, counts[payload.kind])
        data = payload.text.encode("utf-8", "surrogatepass")
        try:
            budget.check_declared(name, len(data))
            yield Child(name, budget.read_capped(name, io.BytesIO(data).read))
        except LimitExceeded as exc:
            yield item.incomplete(exc.reason, exc.message, "script")
