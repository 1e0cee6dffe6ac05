"""`probe.holds` answers exactly as ``any(w in data[:limit].lower() for w in words)`` did, for
every registered word, across its search chunks, within each caller's limit, item by item."""

from __future__ import annotations

import hashlib
import random

import pytest

from scanner.extract import deobfuscate, probe, script, smuggling
from scanner.filetypes import identify
from scanner.models import Item

ALL = (*script._PROBE_WORDS, *deobfuscate.PROBES, *smuggling._WORDS)


def item(data: bytes) -> Item:
    return Item(data=data, name="t.txt", lineage=("t.txt",), filetype=identify(data, "t.txt"),
                sha256=hashlib.sha256(data).hexdigest())


def naive(data: bytes, words: tuple[bytes, ...], limit: int) -> bool:
    return any(w in data[:limit].lower() for w in words)


@pytest.mark.parametrize("chunk", [7, 64, probe.CHUNK])
def test_same_answers_as_substring_search(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(probe, "CHUNK", chunk)
    rng = random.Random(13)
    pieces = [w.upper() if rng.random() < 0.5 else w for w in ALL] + [b"lorem ", b"ipsum\n", b'"', b"'", b"("]
    for _ in range(300):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        probe._memo.clear()
        for word in ALL:
            for limit in (0, 5, len(data) // 2, len(data)):
                assert probe.holds(item(data), (word,), limit) is naive(data, (word,), limit), (data, word, limit)


def test_a_word_split_by_a_chunk_boundary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(probe, "CHUNK", 16)
    for offset in range(0, 40):
        data = b"x" * offset + b"FromBase64String" + b"y" * 20
        probe._memo.clear()
        assert script.wants(item(data)), offset


def test_each_item_gets_its_own_answer() -> None:
    plain, page = item(b"just a letter\n" * 100), item(b"<script>new Blob([x])</script>")
    assert not smuggling.wants(plain) and smuggling.wants(page) and not smuggling.wants(plain)


def test_words_must_be_lower_case() -> None:
    with pytest.raises(ValueError):
        probe.register(b"Blob", limit=10)
