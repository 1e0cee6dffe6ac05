"""PDF contents as child items: link targets, JavaScript, embedded files and page text.

Parsing is in `pdf_analysis` (pypdf; why that library is said there).  The
children are text items so the existing checks see them: ``links.txt`` (one URL
per line) goes to the IOC and lookalike-domain checks, ``page-text.txt`` and
``javascript-N.js`` to the YARA lure rules; embedded files are scanned like any
other file.  What could not be read is an `incomplete` entry (``corrupt``,
``encrypted``, or the limit that was hit).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from ..models import Incomplete, Item
from ..timeouts import CheckTimeout
from .base import Budget, Child, LimitExceeded
from .pdf_analysis import PdfLimits, analyse

_MAX_NAME = 200


def _text_child(name: str, text: str, item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    data = text.encode("utf-8", "surrogateescape")
    try:
        budget.check_declared(name, len(data))
        yield Child(name, budget.read_capped(name, io.BytesIO(data).read))
    except LimitExceeded as exc:
        yield item.incomplete(exc.reason, exc.message, "pdf")


def _safe_name(name: str, number: int) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip().replace("\x00", "")[:_MAX_NAME]
    return base or f"embedded-{number}.bin"


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    s = budget.settings
    result = analyse(item.data, item.sha256, PdfLimits(s.max_objects, s.max_pages, s.max_text))
    if result.encrypted:
        yield item.incomplete("encrypted", "encrypted PDF (needs a password): contents not scanned", "pdf")
        return
    if result.error:
        yield item.incomplete("corrupt", f"PDF only partly readable ({result.error})", "pdf")
    for reason, message in dict.fromkeys(result.limits):
        yield item.incomplete(reason, message, "pdf")
    if result.urls:
        yield from _text_child("links.txt", "\n".join(result.urls) + "\n", item, budget)
    if result.text.strip():
        yield from _text_child("page-text.txt", result.text, item, budget)
    for index, script in enumerate(result.scripts[:budget.settings.max_children], 1):
        yield from _text_child(f"javascript-{index}.js", script, item, budget)
    for count, (name, number) in enumerate(result.embedded):
        if count >= budget.settings.max_children:
            yield item.incomplete("max_children", f"more than {count} embedded files (max_children)", "pdf")
            return
        child = _safe_name(name, number)
        try:
            data = result.embedded_data(number)
            budget.check_declared(child, len(data))
            yield Child(child, budget.read_capped(child, io.BytesIO(data).read))
        except LimitExceeded as exc:
            yield item.incomplete(exc.reason, exc.message, "pdf")
        except CheckTimeout:
            raise
        except Exception as exc:  # noqa: BLE001 - pypdf: broken filter, LimitReachedError (75 MB cap)
            reason = "max_file_size" if type(exc).__name__ == "LimitReachedError" else "corrupt"
            yield item.incomplete(reason, f"{child}: embedded file unreadable ({type(exc).__name__})", "pdf")
