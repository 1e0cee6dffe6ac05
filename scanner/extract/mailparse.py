"""One parsed e-mail (RFC 5322 or Outlook .msg): headers, decoded bodies, attachments.

The extractors (children) and the `email` check (headers, links) both need the
parse; `parse_eml` is memoised on the bytes' hash so a message is parsed once per
scan.  stdlib `email` splits the MIME tree and decodes transfer encodings and
RFC 2231 file names; RFC 2047 words in subjects and names are decoded here.  It
parses with `policy.compat32`: `policy.default` gives the same parts but builds
a header object for every header lookup, which made parsing 2-3x slower on the
mail benchmark (bench/mail.py) without finding anything more.  Parser defects
(broken boundaries, broken base64) become `corrupt` problems: what could not be
split was not scanned.  The parser reads `textview.mail_view` of the bytes: a NUL, a
UTF-16 encoding or blank lines before the headers do not hide the MIME tree.
"""

from __future__ import annotations

import email
import email.errors
import io
import mimetypes
import re
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.header import decode_header, make_header
from email.message import Message

from ..domains.htmllinks import MAX_HTML_CHARS, html_text
from ..filetypes import TNEF_MAGIC, BytesLike
from ..filetypes.textview import mail_view
from .passwords import candidates

MAX_NESTING = 64   # multipart inside multipart
_CACHE_SIZE = 8
_CORRUPTING = (
    email.errors.StartBoundaryNotFoundDefect, email.errors.CloseBoundaryNotFoundDefect,
    email.errors.MultipartInvariantViolationDefect, email.errors.NoBoundaryInMultipartDefect,
    email.errors.InvalidBase64PaddingDefect, email.errors.InvalidBase64CharactersDefect,
    email.errors.InvalidBase64LengthDefect, email.errors.MissingHeaderBodySeparatorDefect,
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Part:
    name: str
    data: bytes
    kind: str            # "body" (decoded text, UTF-8), "attachment", "message" (an attached e-mail)
    content_type: str


@dataclass(frozen=True)
class Mail:
    headers: tuple[tuple[str, str], ...]      # (name, unfolded raw value), top to bottom
    subject: str
    parts: tuple[Part, ...]
    problems: tuple[tuple[str, str], ...] = ()  # (incomplete reason, message)
    passwords: tuple[str, ...] = ()

    def get_all(self, name: str) -> list[str]:
        low = name.lower()
        return [v for k, v in self.headers if k.lower() == low]

    def get(self, name: str) -> str:
        values = self.get_all(name)
        return values[0] if values else ""

    def bodies(self, content_type: str) -> list[str]:
        return [p.data.decode("utf-8", "replace") for p in self.parts
                if p.kind == "body" and p.content_type == content_type]


def safe_name(name: str, limit: int = 200) -> str:
    """A member name fit for a report line: control and bidi-override characters shown
    as U+FFFD (a CRLF in a file name must not forge a report line), length capped."""
    return _CONTROL.sub("\ufffd", name.strip())[:limit]


def decode_text(payload: bytes, charset: str | None) -> str:
    """Declared charset first, then UTF-8, then cp1252: a wrong or unknown charset
    label must not lose the text."""
    for cs in (charset, "utf-8"):
        if cs:
            try:
                return payload.decode(cs)
            except (LookupError, UnicodeError):  # punycode, idna...: plain UnicodeError
                continue
    return payload.decode("cp1252", "replace")


def _unfold(value: str) -> str:
    text = str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")  # raw 8-bit headers
    return re.sub(r"\r?\n[ \t]*", " ", text).strip()


def decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded; the raw value when they are malformed."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeError, TypeError, email.errors.HeaderParseError):
        return value


def _payload(part: Message) -> bytes:
    raw = part.get_payload(decode=True)
    return raw if isinstance(raw, bytes) else b""


class _Walker:
    def __init__(self, max_parts: int) -> None:
        self.max_parts = max_parts
        self.parts: list[Part] = []
        self.problems: list[tuple[str, str]] = []
        self.texts: list[str] = []
        self._names: set[str] = set()
        self._skipped = 0

    def _unique(self, name: str) -> str:
        base, n = name, 1
        while name in self._names:
            n += 1
            stem, dot, ext = base.rpartition(".")
            name = f"{stem}-{n}.{ext}" if dot and stem else f"{base}-{n}"
        self._names.add(name)
        return name

    def _add(self, name: str, data: bytes, kind: str, ctype: str) -> None:
        if len(self.parts) >= self.max_parts:
            self._skipped += 1
            return
        self.parts.append(Part(self._unique(name), data, kind, ctype))

    def walk(self, root: Message) -> None:
        stack: list[tuple[Message, int]] = [(root, 0)]
        while stack:
            part, depth = stack.pop()
            if part.is_multipart() and part.get_content_maintype() == "multipart":
                if depth >= MAX_NESTING:
                    self.problems.append(("corrupt", f"multipart nested deeper than {MAX_NESTING}: rest not scanned"))
                    continue
                sub = part.get_payload()
                if isinstance(sub, list):
                    stack.extend((p, depth + 1) for p in reversed(sub) if isinstance(p, Message))
            else:
                self._leaf(part)  # decoding the payload records base64 defects on the part
            for defect in part.defects:
                if isinstance(defect, _CORRUPTING):
                    self.problems.append(("corrupt", f"malformed MIME: {type(defect).__name__}"))
        if self._skipped:
            self.problems.append(("max_children", f"{self._skipped} more MIME parts not scanned "
                                                  f"(max_children {self.max_parts})"))

    def _leaf(self, part: Message) -> None:
        ctype = part.get_content_type()
        try:
            filename = part.get_filename()
        except Exception:  # noqa: BLE001 - malformed RFC 2231 parameters
            filename = None
        name = safe_name(decode_words(str(filename or "")))
        if part.get_content_maintype() == "message" and ctype in ("message/rfc822", "message/global"):
            inner = part.get_payload()
            data = _payload(part)
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                try:
                    data = inner[0].as_bytes(policy=policy.compat32)
                except (UnicodeError, LookupError, ValueError, TypeError) as exc:
                    self.problems.append(("corrupt", f"attached message cannot be re-serialised: {exc}"))
            self._add(name or f"attached-{len(self.parts) + 1}.eml", data, "message", ctype)
            return
        payload = _payload(part)
        disposition = part.get_content_disposition()
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            text = decode_text(payload, part.get_content_charset())
            if ctype == "text/html" and len(text) > MAX_HTML_CHARS:
                self.problems.append(("max_text_size", f"only the first {MAX_HTML_CHARS} characters of an HTML "
                                                       "body searched for passwords"))
            self.texts.append(html_text(text) if ctype == "text/html" else text)
            ext = "html" if ctype == "text/html" else "txt"
            self._add(f"body.{ext}", text.encode("utf-8"), "body", ctype)
            return
        if not name:
            ext = mimetypes.guess_extension(ctype) or ".bin"
            name = f"part-{len(self.parts) + 1}{ext}"
        self._add(name, payload, "attachment", ctype)


def _parse(data: bytes, max_parts: int) -> Mail:
    try:
        msg = email.message_from_bytes(data, policy=policy.compat32)
    except RecursionError:  # the stdlib parser recurses once per nested multipart
        return Mail((), "", (), (("corrupt", "MIME structure too deep to parse"),))
    walker = _Walker(max_parts)
    try:
        walker.walk(msg)
    except RecursionError:
        walker.problems.append(("corrupt", "MIME structure too deep to parse"))
    headers = tuple((k, _unfold(v)) for k, v in msg.raw_items())
    subject = decode_words(next((v for k, v in headers if k.lower() == "subject"), ""))
    return Mail(headers, subject, tuple(walker.parts), tuple(dict.fromkeys(walker.problems)),
                candidates(subject, *walker.texts) if may_need_passwords(walker.parts) else ())


# Containers that may hold an encrypted archive: only then are password candidates worth collecting
# (searching the bodies for them costs more than parsing the message).
# A TNEF winmail.dat is one: it carries an Outlook mail's attachments (an encrypted ZIP among them).
_ARCHIVE_MAGIC = (b"7z\xbc\xaf\x27\x1c", b"Rar!", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\xd0\xcf\x11\xe0",
                  TNEF_MAGIC)
# ZIP members that are, or may hold, an archive a password would open.
_NESTED_EXT = (".zip", ".7z", ".rar", ".gz", ".tgz", ".bz2", ".tbz2", ".xz", ".txz", ".tar", ".iso", ".img",
               ".udf", ".cab", ".eml", ".msg", ".mbox", ".jar")


def _zip_may_need_passwords(data: bytes) -> bool:
    """An encrypted member, or a member that may be an archive itself; a ZIP whose central
    directory cannot be read is given the benefit of the doubt."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return True
    return any(m.flag_bits & 0x1 or m.filename.lower().endswith(_NESTED_EXT) for m in members)


def may_hold_encrypted(data: bytes) -> bool:
    """Whether an attachment is, or may hold, an archive that a password opens."""
    if data.startswith(b"PK\x03\x04"):
        return _zip_may_need_passwords(data)
    return data.startswith(_ARCHIVE_MAGIC) or data[0x8001:0x8006] == b"CD001"


def may_need_passwords(parts: list[Part] | tuple[Part, ...]) -> bool:
    return any(p.kind == "message" or (p.kind == "attachment" and may_hold_encrypted(p.data)) for p in parts)


_cache: OrderedDict[tuple[str, int], Mail] = OrderedDict()


def memoised(sha256: str, max_parts: int, parse: Callable[[], Mail]) -> Mail:
    """`parse()` once per (content hash, part limit): the check and the extractor share it."""
    key = (sha256, max_parts)
    hit = _cache.get(key)
    if hit is None:
        hit = parse()
        _cache[key] = hit
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return hit


def parse_eml(data: BytesLike, sha256: str, max_parts: int) -> Mail:
    return memoised(sha256, max_parts, lambda: _parse(mail_view(data), max_parts))
