"""Split a TNEF stream ([MS-OXTNEF]) into the groups tnefparse reads one at a time.

Each attribute is: level (1 message, 2 attachment), id (type in the high word), length,
data, checksum (sum of the data bytes mod 65536).  attAttachRendData starts an
attachment; attachment-level attributes after it belong to it.  Only the attributes
`tnef.py` uses are kept (code page, bodies, attachment names, bytes and MAPI
properties); dates, recipients and the like are metadata.  A repeated attribute
counts once (the last, which is what tnefparse keeps) and is reported; a cut one keeps
what is left of it.  MAPI property lists are walked the way tnefparse walks them, so a
count that claims more values than the bytes hold is refused here instead of looping
there, and attached messages (TNEF streams inside PR_ATTACH_DATA_OBJ) are taken out to
be extracted as children.
"""

from __future__ import annotations

import struct

MAX_VALUES = 10_000  # MAPI values per property list (tnefparse makes an object of each); Outlook: a few hundred
MAX_PROBLEMS = 50  # listed per stream (a flood of bad attributes must not become a flood of entries)
MAX_ATTRIBUTES = 100_000  # per stream, ~0.2 s of walking; Outlook writes about 10 per attachment

# The attributes read, by the low word of their id (the high word is the data type).
MESSAGE_ATTRS = {0x9007: "attOemCodepage", 0x800C: "attBody", 0x9003: "attMsgProps"}
ATTACHMENT_ATTRS = {0x9002: "attAttachRendData", 0x8010: "attAttachTitle", 0x800F: "attAttachData",
                    0x9005: "attAttachment"}
_RANK = {name: n for n, name in enumerate([*MESSAGE_ATTRS.values(), *ATTACHMENT_ATTRS.values()])}
_REND_DATA = 0x9002
_MAPI_LISTS = (0x9003, 0x9005)
_HEADER = struct.Struct("<BII")
_U32 = struct.Struct("<I")
_PROP = struct.Struct("<HH")
# MAPI value sizes as tnefparse reads them: fixed-size types, then length-prefixed ones.
_FIXED = {0x0002: 2, 0x000B: 2, 0x0003: 4, 0x0004: 4, 0x000A: 4, 0x0005: 8, 0x0006: 8, 0x0007: 8, 0x0014: 8,
          0x0040: 8, 0x0048: 16}
_VARIABLE = frozenset({0x0000, 0x000D, 0x001E, 0x001F, 0x0102})
_ATTACH_DATA_OBJ = 0x3701
_IMESSAGE = b"\x07\x03\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"  # IID_IMessage


class Attr:
    """An attribute under its name; `raw` is all of it as written: header, data, checksum."""

    __slots__ = ("name", "raw")

    def __init__(self, name: str, raw: bytes) -> None:
        self.name, self.raw = name, raw


def _u32(blob: bytes, pos: int) -> int:
    return int(_U32.unpack_from(blob, pos)[0])


def _padded(length: int) -> int:
    return length + (-length % 4)


def attached_messages(blob: bytes) -> list[bytes]:
    """Walk a MAPI property list (2.1.3.4) as tnefparse will and return its attached messages.
    Raises ValueError or struct.error where it runs past its bytes or holds more than MAX_VALUES."""
    end, pos, seen = len(blob), 4, 0
    messages = []
    for _ in range(_u32(blob, 0)):  # each property reads at least 4 bytes: a false count ends in struct.error
        ptype, pid = _PROP.unpack_from(blob, pos)
        pos += 4
        if pid >= 0x8000:  # named property: GUID, kind, then a number or a padded UTF-16 name
            pos += 20
            pos += 4 if _u32(blob, pos - 4) == 0 else 4 + _padded(_u32(blob, pos))
        multi = _u32(blob, pos) if ptype & 0x1000 else None
        pos += 4 if multi is not None else 0
        ptype &= 0xEFFF
        values = multi or 1  # as tnefparse: a multi-value count of 0 still reads one value
        seen += values
        if seen > MAX_VALUES:
            raise ValueError(f"more than {MAX_VALUES} MAPI values")
        if ptype in _FIXED:
            if values * _FIXED[ptype] > end - pos:
                raise ValueError(f"MAPI property {pid:#06x} claims {values} values in {end - pos} bytes")
            pos += values * _FIXED[ptype] + (2 if values % 2 and _FIXED[ptype] == 2 else 0)
        elif ptype in _VARIABLE:
            for _ in range(values):
                items = 1 if multi else _u32(blob, pos)
                pos += 0 if multi else 4
                seen += items - 1
                if seen > MAX_VALUES:
                    raise ValueError(f"more than {MAX_VALUES} MAPI values")
                for _ in range(items):
                    length = _u32(blob, pos)
                    if pid == _ATTACH_DATA_OBJ and blob.startswith(_IMESSAGE, pos + 4):
                        messages.append(blob[pos + 4 + len(_IMESSAGE):pos + 4 + length])
                    pos += 4 + _padded(length)
        else:
            raise ValueError(f"MAPI property {pid:#06x} has unknown type {ptype:#06x}")
        if pos > end:
            raise ValueError(f"MAPI property {pid:#06x} runs past the end of its attribute")
    return messages


def split(data: bytes, problems: list[tuple[str, str]],
          limit: int) -> tuple[list[Attr], list[list[Attr]], dict[int, list[bytes]]]:
    """The message's used attributes, each attachment's (at most `limit` attachments), and the
    attached messages taken out of them (by attachment number, from 1); what is wrong goes to
    `problems` as (incomplete reason, message).  A repeated attribute counts once, the last
    (as in tnefparse), so no group holds more than four."""
    message: dict[str, Attr] = {}
    groups: list[dict[str, Attr]] = []
    embedded: dict[int, list[bytes]] = {}
    found: dict[str, None] = {}
    more = 0

    def note(problem: str) -> None:  # a `corrupt` entry
        nonlocal more
        if len(found) < MAX_PROBLEMS:
            found[problem] = None
        elif problem not in found:
            more += 1

    pos, count = 6, 0
    while pos + 9 <= len(data):
        count += 1
        if count > MAX_ATTRIBUTES:
            note(f"more than {MAX_ATTRIBUTES} attributes, the rest not read")
            break
        start, (level, attr_id, length) = pos, _HEADER.unpack_from(data, pos)
        kind, body = attr_id & 0xFFFF, data[pos + 9:pos + 9 + length]
        checksum, pos = data[pos + 9 + length:pos + 11 + length], pos + 11 + length
        if kind == _REND_DATA:
            if len(groups) >= limit:
                problems.append(("max_children", f"more than {limit} attachments, the rest not scanned "
                                                 "(max_children)"))
                break
            groups.append({})
        in_attachment = level == 2 or kind == _REND_DATA  # as tnefparse reads them
        name = (ATTACHMENT_ATTRS if in_attachment else MESSAGE_ATTRS).get(kind)
        label = f"{f'attachment {len(groups)}' if in_attachment else 'message'} {name or f'attribute {attr_id:#x}'}"
        if len(checksum) < 2:
            note(f"{label} truncated: {len(body)} of {length} bytes")
        elif name and sum(body) & 0xFFFF != int.from_bytes(checksum, "little"):
            note(f"{label}: checksum mismatch (damaged)")
        if name is None:
            continue
        if in_attachment and not groups:
            note(f"{name} before any attachment: not read")
            continue
        target = groups[-1] if in_attachment else message
        if kind in _MAPI_LISTS:
            try:
                inner = attached_messages(body)
            except (ValueError, struct.error) as exc:
                why = exc if isinstance(exc, ValueError) else "MAPI properties run past its end"
                note(f"{label} not read: {why}")
                continue
            if inner and in_attachment:
                embedded.setdefault(len(groups), []).extend(inner)  # extracted as children, not by tnefparse
                continue
        if name in target:
            note(f"{label} repeated: only the last one read")
        target[name] = Attr(name, data[start:pos] if len(checksum) == 2 else  # a cut one: what is left of it
                            _HEADER.pack(level, attr_id, len(body)) + body + b"\0\0")
    else:
        if pos < len(data) or pos == 6:
            note(f"{len(data) - pos} bytes after the last attribute: truncated" if pos < len(data)
                 else "no attributes: truncated")
    problems.extend(("corrupt", p) for p in [*found, *([f"{more} more problems not listed"] if more else [])])
    return _ordered(message), [_ordered(g) for g in groups], embedded


def _ordered(group: dict[str, Attr]) -> list[Attr]:
    """In the order tnefparse needs: code page before what it decodes, attAttachRendData first."""
    return sorted(group.values(), key=lambda a: _RANK[a.name])
