"""Container extractors, one module each, registered here by file type.

Adding a container: write `extract/<name>.py` with ``extract(item, budget)`` and
add one line to `EXTRACTORS`.
"""

from __future__ import annotations

from ..filetypes import FileType
from . import gzip, zip
from .base import Budget, Child, Extractor, LimitExceeded

EXTRACTORS: dict[FileType, Extractor] = {
    FileType.ZIP: zip.extract,
    FileType.OOXML: zip.extract,
    FileType.GZIP: gzip.extract,
}

__all__ = ["EXTRACTORS", "Budget", "Child", "Extractor", "LimitExceeded"]
