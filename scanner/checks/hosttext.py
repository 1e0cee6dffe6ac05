"""The text whose host names the `ioc` and `lookalike` checks examine.

An e-mail's decoded bodies and attachments are its children and are examined as
such.  Searched raw as well, a 7-bit body was examined twice (one finding at two
locations, and the message's largest cost at a mail gateway) and a base64 body
gave nothing at all.  So for a message whose MIME tree parsed cleanly, and whose
children will be scanned (below max_depth), only the header block is searched.
Anything else (a message that did not parse, or has no parts) is searched whole.

The `ioc` and `lookalike` checks ask in turn about the same item: the last answer is kept, so
they get the same string (decoded once; the host and URL caches keyed by it hit at once).
"""

from __future__ import annotations

import re

from ..config import Settings
from ..domains.indicators import decode_text
from ..filetypes import FileType
from ..filetypes.textview import mail_view
from ..models import Item

_HEADER_END = re.compile(rb"\r?\n\r?\n")


_last: tuple[tuple[object, ...], tuple[str, bool]] | None = None


def host_text(item: Item, settings: Settings) -> tuple[str, bool]:
    """(decoded text for host extraction, whether it was cut at `max_text_size`): an e-mail's header
    block, else the whole text."""
    global _last
    key = (item.sha256, item.size, item.filetype, item.depth < settings.max_depth, settings.max_text_size,
           settings.max_children)
    last = _last
    if last is not None and last[0] == key:
        return last[1]
    answer = _host_text(item, settings)
    _last = (key, answer)
    return answer


def _host_text(item: Item, settings: Settings) -> tuple[str, bool]:
    limit = settings.max_text_size
    if item.filetype == FileType.EMAIL and item.depth < settings.max_depth:
        from ..extract.mailparse import parse_eml  # stdlib email loads on the first message (start time)

        mail = parse_eml(item.data, item.sha256, settings.max_children)
        if mail.parts and not mail.problems:
            data = mail_view(item.data)  # the bytes the parser read (the same object for ordinary mail)
            end = _HEADER_END.search(data, 0, limit)  # headers come first
            if end is not None:
                return decode_text(memoryview(data)[:end.start()]), False
    return decode_text(item.data, limit), item.size > limit
