"""Which probe words the start of a text item holds: one pass for every cheap probe of the text extractors.

Why: the script, deobfuscation and smuggling extractors (and the `script` check) decide whether to
work at all by looking for ~20 short words in the lower-cased text.  CPython's ``in`` is slow for
short needles (~80 µs per word per 100 KB), and the engine's child probe and the checks asked again
about the same item: a fifth of a mail gateway's scan time.  One Aho-Corasick pass (ahocorasick-rs,
Rust: all words at once) records where each word first ends, and the answer is kept for the last
few items.  The answers are those of ``word in data[:limit].lower()``, word by word.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from ahocorasick_rs import BytesAhoCorasick

from ..models import Item

CHUNK = 256 * 1024  # lower-cased and searched a piece at a time: bounded memory for the matches of hostile text
MEMO = 16           # items whose answers are kept
_words: dict[bytes, None] = {}
_scan = 0           # bytes searched: the largest limit registered
_automaton: tuple[BytesAhoCorasick, list[bytes]] | None = None
_memo: OrderedDict[tuple[str, int], dict[bytes, int]] = OrderedDict()
_lock = threading.Lock()


def register(*words: bytes, limit: int) -> tuple[bytes, ...]:
    """Add lower-case probe words, asked about within the first `limit` bytes, to the pass."""
    global _automaton, _scan
    if any(not w or w != w.lower() for w in words):
        raise ValueError("probe words are non-empty and lower case")
    with _lock:
        for w in words:
            _words.setdefault(w, None)
        _scan = max(_scan, limit)
        _automaton = None
        _memo.clear()
    return words


def holds(item: Item, words: tuple[bytes, ...], limit: int) -> bool:
    """Whether any of `words` (registered) occurs in the first `limit` bytes of the item, lower-cased."""
    ends = _first_ends(item)
    return any(ends.get(w, limit + 1) <= limit for w in words)


def _first_ends(item: Item) -> dict[bytes, int]:
    global _automaton
    key = (item.sha256, item.size)
    with _lock:
        hit = _memo.get(key)
        automaton, scan = _automaton, _scan
    if hit is not None:
        return hit
    if automaton is None:
        words = list(_words)
        automaton = (BytesAhoCorasick(words), words)
        with _lock:
            _automaton = automaton  # built once after the last registration, not per item
    ends = _search(memoryview(item.data)[:scan], *automaton)
    with _lock:
        _memo[key] = ends
        while len(_memo) > MEMO:
            _memo.popitem(last=False)
    return ends


def _search(data: memoryview, automaton: BytesAhoCorasick, words: list[bytes]) -> dict[bytes, int]:
    """Offset just past the first occurrence of each word found (chunks overlap by a word's length)."""
    ends: dict[bytes, int] = {}
    overlap = max(map(len, words), default=1) - 1
    for pos in range(0, len(data), CHUNK):
        start = max(0, pos - overlap)
        chunk = bytes(data[start:pos + CHUNK]).lower()
        for index, _, end in automaton.find_matches_as_indexes(chunk, overlapping=True):
            ends.setdefault(words[index], start + end)
        if len(ends) == len(words):
            break
    return ends
