"""One visible form for characters that would act on a terminal instead of being shown.

A file or member name, a path or a piece of evidence is attacker text.  Printed raw,
``\\x1b[2K\\r`` wipes the line before it and a newline forges a report line (``CLEAN
harmless.txt``, ``Verdict: CLEAN``); U+202E turns ``recovery_steps_\\u202efdp.scr`` into
``...rcs.pdf`` on screen.  `visible()` shows each such character as an escape instead:
C0/C1 controls, DEL and line/paragraph separators as ``\\xNN``/``\\uNNNN``, format
characters (bidi overrides and isolates, zero-width joiners, BOM) as ``\\uNNNN``, and
undecodable bytes (surrogate escapes) as ``\\xNN``.  Only the text renderer uses it:
JSON and SARIF carry the exact strings, escaped by their own syntax.
"""

from __future__ import annotations

import re
import unicodedata

# Categories that never print as themselves: controls, format characters, line/paragraph separators.
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_CANDIDATES = re.compile(r"[^\x20-\x7e]")  # ASCII printables are always shown as they are


def _escape(ch: str) -> str:
    cp = ord(ch)
    if 0xDC80 <= cp <= 0xDCFF:  # surrogateescape of an undecodable byte
        return f"\\x{cp - 0xDC00:02x}"
    if unicodedata.category(ch) not in _HIDDEN:
        return ch
    if cp < 0x100:
        return f"\\x{cp:02x}"
    return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"


def visible(s: str) -> str:
    """`s` with every control, format and separator character shown as an escape."""
    if s.isascii() and s.isprintable():
        return s
    return _CANDIDATES.sub(lambda m: _escape(m.group(0)), s)
