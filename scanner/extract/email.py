"""RFC 5322 messages (.eml) and Outlook .msg: every body and attachment becomes a child.

Bodies are decoded (transfer encoding and charset) so rules match the text a
person reads; attachments keep their file name in the lineage
(`mail.eml > hotfix.zip > Setup.exe`); an attached message is a child e-mail,
extracted in turn.  Passwords found in the subject and bodies travel with the
children, so an encrypted archive below can be opened (see `unlock.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..models import Incomplete, Item
from .base import Budget, Child

if TYPE_CHECKING:
    from .mailparse import Mail


def children(item: Item, mail: Mail, budget: Budget) -> Iterator[Child | Incomplete]:
    """Children of a parsed message, each charged to the budget (shared with .msg)."""
    for reason, message in mail.problems:
        yield item.incomplete(reason, message, "email")
    passwords = tuple(dict.fromkeys(mail.passwords + item.passwords))
    for part in mail.parts:
        refused = budget.take(part.name, len(part.data))
        if refused is not None:
            yield item.incomplete(refused.reason, refused.message, "email")
            continue
        yield Child(part.name, part.data, passwords)


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    from .mailparse import parse_eml  # stdlib email and html.parser load on the first message (start time)

    yield from children(item, parse_eml(item.data, item.sha256, budget.settings.max_children), budget)


def extract_msg(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    from .msg import parse_msg  # extract-msg and its RTF/HTML libraries load on the first .msg

    yield from children(item, parse_msg(item.data, item.sha256, budget.settings.max_children), budget)
