"""`json` (one document per run) and `jsonl` (one object per scanned file).

Both are exactly `to_dict()` of the report types, so `ScanReport.from_dict`
reads them back.  ``ensure_ascii`` keeps names that are not valid UTF-8
(surrogate-escaped file names) representable.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from ..models import SCHEMA_VERSION, ItemReport, ScanReport


def render(report: ScanReport) -> str:
    return json.dumps(report.to_dict(), indent=2, sort_keys=False) + "\n"


def render_file_line(item: ItemReport) -> str:
    return json.dumps({"schema_version": SCHEMA_VERSION, **item.to_dict()}, separators=(",", ":")) + "\n"


def render_lines(report: ScanReport) -> str:
    return "".join(render_file_line(f) for f in report.files)


def parse(document: str) -> ScanReport:
    """Read a `json` document back into a ScanReport."""
    return ScanReport.from_dict(json.loads(document))


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the `json` document; `$defs/file_line` is a `jsonl` line."""
    text = resources.files("scanner").joinpath("schema", "report.schema.json").read_text(encoding="utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc
