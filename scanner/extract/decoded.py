"""The decoded text of a text item that needs it: UTF-16, NULs or stray control bytes.

YARA matches bytes: ``hot<NUL>fix`` or UTF-16 ``h.o.t.f.i.x`` is no match for a rule
written for ``hotfix``, yet a shell, a browser or an editor shows the reader the word.
So such an item gets one child, `DECODED_NAME`, holding `textview.view()` of its first
`max_text_size` bytes, and every check and extractor runs on that as on any item (it is
identified again: a page, a script, a mail).  Its encoded payloads and smuggled files
are decoded there, not in the parent; findings the child repeats from its parent are dropped by the engine.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Settings
from ..filetypes.textview import needs_view, view
from ..models import Incomplete, Item
from .base import Budget, Child

DECODED_NAME = "decoded-text.txt"
_DEFAULT_LIMIT = Settings().max_text_size


def wants(item: Item, limit: int = _DEFAULT_LIMIT) -> bool:
    return item.name != DECODED_NAME and item.size > 0 and needs_view(item.data, limit)


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    limit = budget.settings.max_text_size
    text = view(item.data, limit)
    if item.size > limit:
        yield item.incomplete("max_text_size", f"only the first {limit} bytes decoded as text", "archive")
    refused = budget.take(DECODED_NAME, len(text))
    if refused is not None:
        yield item.incomplete(refused.reason, refused.message, "archive")
        return
    yield Child(DECODED_NAME, text)
