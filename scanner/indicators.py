"""Pull URLs and host names out of text, including defanged forms.

Analysts and lures alike write `hxxps://evil[.]com`, `evil(.)com` or
`evil[dot]com`; these are refanged before matching.  Only names that end in a
plausible TLD (letters, 2-63) are returned, lower-cased, without a trailing dot.
"""

from __future__ import annotations

import re

from .filetypes import BytesLike

_DOT = r"(?:\.|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\s\[\.\]\s)"
_LABEL = r"[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?"
HOST_RE = re.compile(rf"(?<![a-z0-9_.-])((?:{_LABEL}{_DOT})+[a-z]{{2,63}})(?![a-z0-9_-])", re.IGNORECASE)
URL_RE = re.compile(r"\b(?:h[tx]{2}ps?|fxp|ftp)(?:\[:\]|:)//[^\s\"'<>()]+", re.IGNORECASE)
_REFANG = [(re.compile(p, re.IGNORECASE), r) for p, r in (
    (r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", "."),
    (r"\[:\]", ":"),
    (r"^hxxp", "http"),
    (r"^fxp", "ftp"),
)]
# Common file extensions that look like TLDs in running text ("setup.exe").
_NOT_TLDS = frozenset({
    "exe", "dll", "sys", "bat", "cmd", "ps1", "vbs", "js", "txt", "zip", "rar", "doc", "docx", "docm",
    "xls", "xlsx", "xlsm", "pdf", "png", "jpg", "gif", "iso", "img", "msi", "lnk", "hta", "html", "htm",
    "php", "asp", "aspx", "jsp", "css", "json", "xml", "yar", "yara", "log", "ini", "dat", "bin", "tmp",
})


def decode_text(data: BytesLike, limit: int = 16 * 1024 * 1024) -> str:
    """Best-effort text of an item (UTF-16 by BOM, else UTF-8, else Latin-1)."""
    raw = bytes(memoryview(data)[:limit])
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def refang(text: str) -> str:
    for pattern, repl in _REFANG:
        text = pattern.sub(repl, text)
    return text


def extract_urls(text: str) -> list[str]:
    return list(dict.fromkeys(refang(u).rstrip(".,;:!?]") for u in URL_RE.findall(text)))


def extract_hosts(text: str) -> set[str]:
    hosts: set[str] = set()
    for raw in HOST_RE.findall(text):
        host = re.sub(r"\s", "", refang(raw)).lower().rstrip(".")
        if host.rsplit(".", 1)[-1] not in _NOT_TLDS:
            hosts.add(host)
    return hosts


def parent_domains(host: str) -> list[str]:
    """`a.b.example.com` -> [a.b.example.com, b.example.com, example.com, com]."""
    parts = host.split(".")
    return [".".join(parts[i:]) for i in range(len(parts))]
