"""Renderers: pure functions from a `ScanReport` (or one `ItemReport`) to text.

`RENDERERS` maps a `--format` name to a function of the whole report;
`STREAMERS` maps formats that can be written file by file as results arrive.
"""

from __future__ import annotations

from collections.abc import Callable

from ..models import ItemReport, ScanReport
from . import html, json, sarif, text

RENDERERS: dict[str, Callable[[ScanReport], str]] = {
    "text": text.render,
    "json": json.render,
    "jsonl": json.render_lines,
    "sarif": sarif.render,
    "html": html.render,
}

STREAMERS: dict[str, Callable[[ItemReport], str]] = {
    "jsonl": json.render_file_line,
}

__all__ = ["RENDERERS", "STREAMERS"]
