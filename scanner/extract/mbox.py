"""mbox mailboxes: each message (split at its `From ` line) is a child e-mail.

stdlib `mailbox` needs a file on disk; scanning writes nothing, so the split is
done here on the bytes (mboxo/mboxrd: a `From ` line after a blank line or at the start).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..filetypes.textview import mail_view
from ..models import Incomplete, Item
from .base import Budget, Child, LimitExceeded

_FROM_LINE = re.compile(rb"(?:\A|(?<=\n\n)|(?<=\n\r\n))From [^\n]*\n")


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    data = mail_view(item.data)  # NULs, UTF-16, blank lines: as for one message (mailparse)
    starts = [m.end() for m in _FROM_LINE.finditer(data)]
    limit = budget.settings.max_children
    if len(starts) > limit:
        yield item.incomplete("max_children", f"{len(starts)} messages, only the first {limit} scanned "
                                              "(max_children)", "email")
    ends = [*(m.start() for m in _FROM_LINE.finditer(data)), len(data)][1:]
    for n, (start, end) in enumerate(zip(starts[:limit], ends, strict=False), 1):
        name = f"message-{n}.eml"
        try:
            budget.check_declared(name, end - start)
        except LimitExceeded as exc:
            yield item.incomplete(exc.reason, exc.message, "email")
            continue
        budget.total_left -= end - start
        yield Child(name, data[start:end])
