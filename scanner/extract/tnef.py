"""Outlook TNEF (winmail.dat, application/ms-tnef): attachments and bodies become children.

Outlook sends rich-text mail to other clients as one opaque `winmail.dat` that
holds every attachment and the rich body: unopened, a lure ZIP inside is never
scanned (`mail.eml > winmail.dat > hotfix.zip > fix.bat`).  Attachments are named
by their long file name, else the 8.3 title; bodies become `body.txt`,
`body.html` and `body.rtf` (decompressed); an attached Outlook message is a TNEF
stream itself, the child `<name>.tnef`, extracted in turn.  Passwords found in
the enclosing e-mail, and in winmail.dat's own bodies (Outlook puts the whole
rich body there), travel on to the archives.

Dependency: tnefparse, the maintained pure-Python TNEF reader (MAPI properties,
code pages, compressed RTF through compressed-rtf).  It was not written for
hostile input: it parses the whole stream in its constructor (one exception
loses everything), copies the rest of the stream for every attribute, and
trusts MAPI counts (a 30-byte list claiming 2**32 values keeps it busy for
hours).  So `tnefwalk` splits the stream first and tnefparse reads one small
group at a time (the message's attributes, then each attachment's: at most
four), only the attributes used here, after their MAPI counts were checked
against their bytes.  An attribute it raises on is left out and the group read
again.  What cannot be read is reported `corrupt`; the rest is still scanned.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

from ..models import Incomplete, Item
from ..timeouts import CheckTimeout
from .base import Budget, Child
from .tnefwalk import Attr, split

MAX_RETRIES = 4  # attributes tnefparse raised on, left out of one group before the rest of it is given up
_LONG_FILENAME = 0x3707

_log = logging.getLogger("tnefparse")  # what it logs and swallows is reported as `corrupt` (below)


class _Swallowed(logging.Handler):
    """Errors tnefparse logs instead of raising (a MAPI property list it gave up on) in this thread."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.thread = threading.get_ident()
        self.errors: list[str] = []
        self.timeout = False

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return
        if isinstance(record.args, tuple) and any(isinstance(a, CheckTimeout) for a in record.args):
            self.timeout = True  # our deadline fired inside its `except Exception`
        else:
            self.errors.append(record.getMessage()[:200])


def _parse(head: bytes, attrs: list[Attr], where: str, problems: list[tuple[str, str]]) -> Any:
    """tnefparse's reading of `attrs`; an attribute it raises on is left out and the rest read again."""
    from tnefparse import TNEF  # imported on the first winmail.dat (start-up time)

    for attempt in range(MAX_RETRIES + 1):
        parsed = TNEF.__new__(TNEF)  # __init__ called apart: after an exception `objects` shows how far it got
        log = _Swallowed()
        _log.addHandler(log)
        try:
            # Checksums are checked in tnefwalk; the 2 bytes at the end let tnefparse, which stops 12
            # bytes before the end, read a last attribute with less than 2 bytes of data.
            parsed.__init__(head + b"".join(a.raw for a in attrs) + b"\0\0", do_checksum=False)
            return parsed
        except CheckTimeout:
            raise
        except Exception as exc:  # noqa: BLE001 - tnefparse raises struct, Unicode, Lookup, Assertion errors ...
            bad = len(getattr(parsed, "objects", ())) - 1
            gave_up = attempt == MAX_RETRIES or not 0 <= bad < len(attrs)
            problems.append(("corrupt", f"{where} {attrs[bad].name if 0 <= bad < len(attrs) else 'stream'} unreadable "
                                        f"({type(exc).__name__}: {str(exc)[:120]})"
                                        + ("; the rest of it not read" if gave_up else "")))
            if gave_up:
                return parsed
            del attrs[bad]
        finally:
            _log.removeHandler(log)
            if log.timeout:
                raise CheckTimeout()  # our deadline fired inside tnefparse, which swallowed it
            problems.extend(("corrupt", f"{where}: {e}") for e in log.errors)
    return None  # not reached


def _text(value: Any, codepage: str | None) -> str:
    from .mailparse import decode_text  # stdlib email loads on the first message (start time)

    return decode_text(bytes(value), codepage) if isinstance(value, bytes | bytearray) else str(value or "")


def _name(att: Any, codepage: str | None) -> str:
    """Long file name (MAPI), else the attAttachTitle short name (raw bytes in the code page:
    tnefparse's `name` decodes them as strict UTF-8 and raises on a cp1252 name)."""
    from .mailparse import safe_name

    long = [a.data for a in getattr(att, "mapi_attrs", ()) if a.name == _LONG_FILENAME]
    for value in (*long[:1], getattr(att, "_name", "")):
        name = safe_name(_text(value, codepage).split("\x00", 1)[0])  # a C string: Windows stops at NUL
        if name:
            return name
    return ""


def _bodies(msg: Any, problems: list[tuple[str, str]]) -> Iterator[tuple[str, bytes]]:
    if msg is None:
        return
    codepage = msg.codepage
    for name, value in (("body.txt", msg.body), ("body.html", msg.htmlbody)):
        if value:
            yield name, _text(value, codepage if name == "body.txt" else None).rstrip("\x00").encode("utf-8")
    try:
        rtf = msg.rtfbody  # decompressed by compressed-rtf (a dependency of ours)
    except CheckTimeout:
        raise
    except Exception as exc:  # noqa: BLE001 - compressed_rtf raises bare Exceptions on bad streams
        problems.append(("corrupt", f"compressed RTF body unreadable ({type(exc).__name__}: {exc})"))
        return
    if rtf and bytes(rtf).lstrip().startswith(b"{\\rtf"):
        yield "body.rtf", bytes(rtf)
    elif rtf:
        problems.append(("unsupported", "compressed RTF body not decompressed (is compressed-rtf installed?)"))


def _children(data: bytes, limit: int, problems: list[tuple[str, str]]) -> Iterator[tuple[str, bytes, bool]]:
    """(name, bytes, is a body): the bodies first, then the attachments and attached messages."""
    head = data[:6]
    message, groups, embedded = split(data, problems, limit)
    msg = _parse(head, message, "message", problems) if message else None
    yield from ((name, body, True) for name, body in _bodies(msg, problems))
    codepage = msg.codepage if msg is not None else None
    prefix = [a for a in message if a.name == "attOemCodepage"][:1] if codepage else []
    for n, group in enumerate(groups, 1):
        parsed = _parse(head, prefix + group, f"attachment {n}", problems)
        att = parsed.attachments[0] if parsed is not None and getattr(parsed, "attachments", None) else None
        name = _name(att, codepage) if att is not None else ""
        payload = att.data if att is not None and isinstance(att.data, bytes | bytearray) else b""
        if att is not None and (payload or not embedded.get(n)):
            yield name or f"attachment-{n}.bin", bytes(payload), False
        for k, inner in enumerate(embedded.get(n, ()), 1):
            yield f"{name or f'attached-{n}'}{f'-{k}' if k > 1 else ''}.tnef", inner, False


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    from ..domains.htmllinks import html_text
    from .mailparse import may_hold_encrypted
    from .passwords import candidates

    problems: list[tuple[str, str]] = []
    reported: set[tuple[str, str]] = set()
    limit, count = budget.settings.max_children, 0
    # Bodies come first: a password written in them is offered to the archives after them (as for a mail).
    texts: list[str] = []
    passwords, searched = item.passwords, False
    for name, payload, is_body in _children(bytes(item.data), limit, problems):
        yield from _report(item, problems, reported)
        if count >= limit:
            yield item.incomplete("max_children", f"more than {limit} attachments and bodies, the rest not "
                                                  "scanned (max_children)", "archive")
            return
        count += 1
        refused = budget.take(name, len(payload))
        if refused is not None:
            yield item.incomplete(refused.reason, refused.message, "archive")
            continue
        if is_body and name != "body.rtf":
            text = payload.decode("utf-8", "replace")
            texts.append(html_text(text) if name == "body.html" else text)
        elif not searched and texts and may_hold_encrypted(payload):
            passwords, searched = tuple(dict.fromkeys(item.passwords + candidates(*texts))), True
        yield Child(name, payload, passwords)
    yield from _report(item, problems, reported)


def _report(item: Item, problems: list[tuple[str, str]], reported: set[tuple[str, str]]) -> Iterator[Incomplete]:
    for reason, message in problems:
        if (reason, message) not in reported:
            reported.add((reason, message))
            yield item.incomplete(reason, message, "archive")
    problems.clear()
