"""Outlook .msg files (OLE compound files of MAPI properties), via extract-msg.

Dependency: `extract-msg` is the maintained reader of the [MS-OXMSG] format
(property streams, named properties, embedded messages, RTF-encapsulated HTML
bodies); re-implementing that is far more code than this module.  The parse is
turned into the same `Mail` as an .eml so the `email` check and the children
are identical; an embedded message becomes a child .msg.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..domains.htmllinks import html_text
from . import olesize
from .mailparse import Mail, Part, decode_text, may_need_passwords, memoised, safe_name
from .passwords import candidates


def _try(get: Callable[[], Any], problems: list[tuple[str, str]], what: str) -> Any:
    try:
        return get()
    except Exception as exc:  # noqa: BLE001 - extract-msg raises many types on corrupt input
        problems.append(("corrupt", f"{what} unreadable: {type(exc).__name__}: {exc}"))
        return None


def _parse(data: bytes, max_parts: int) -> Mail:
    import extract_msg  # imported on first .msg: it pulls in RTF and HTML libraries

    problems: list[tuple[str, str]] = []
    refused = olesize.refuse(data)  # extract-msg reads property streams whole (olesize.py)
    if refused:
        return Mail((), "", (), (("corrupt", f"unreadable Outlook message: {refused}"),))
    try:
        msg: Any = extract_msg.openMsg(data, strict=False, delayAttachments=False)
    except Exception as exc:  # noqa: BLE001
        return Mail((), "", (), (("corrupt", f"unreadable Outlook message: {type(exc).__name__}: {exc}"),))
    try:
        header = _try(lambda: msg.header, problems, "transport headers")
        headers = tuple((str(k), " ".join(str(v).split())) for k, v in header.items()) if header else ()
        subject = str(_try(lambda: msg.subject, problems, "subject") or "")
        parts: list[Part] = []
        texts: list[str] = []
        body = _try(lambda: msg.body, problems, "text body")
        if body:
            texts.append(str(body))
            parts.append(Part("body.txt", str(body).encode("utf-8"), "body", "text/plain"))
        html = _try(lambda: msg.htmlBody, problems, "HTML body")
        if html:
            text = decode_text(html, "utf-8") if isinstance(html, bytes) else str(html)
            texts.append(html_text(text))
            parts.append(Part("body.html", text.encode("utf-8"), "body", "text/html"))
        atts = _try(lambda: msg.attachments, problems, "attachments") or []
        if len(atts) > max_parts:
            problems.append(("max_children", f"{len(atts)} attachments, only {max_parts} scanned (max_children)"))
        for n, att in enumerate(atts[:max_parts], 1):
            name = safe_name(str(_try(att.getFilename, problems, "attachment name") or ""))
            payload = _try(lambda a=att: a.data, problems, f"attachment {n}")  # type: ignore[misc]
            if payload is not None and not isinstance(payload, bytes | bytearray):
                payload = _try(lambda p=payload: p.exportBytes(allowBadEmbed=True),  # type: ignore[misc]
                               problems, f"embedded message {n}")
                name = name if name.lower().endswith(".msg") else f"{name or f'attached-{n}'}.msg"
                kind = "message"
            else:
                kind = "attachment"
            if payload is None:
                problems.append(("corrupt", f"attachment {n} ({name or 'unnamed'}) has no readable data"))
                continue
            parts.append(Part(name or f"attachment-{n}.bin", bytes(payload), kind, "application/octet-stream"))
    finally:
        _try(msg.close, problems, "close")
    return Mail(headers, subject, tuple(parts), tuple(dict.fromkeys(problems)),
                candidates(subject, *texts) if may_need_passwords(parts) else ())


def parse_msg(data: bytes | bytearray | memoryview | Any, sha256: str, max_parts: int) -> Mail:
    return memoised(sha256, max_parts, lambda: _parse(bytes(data), max_parts))

