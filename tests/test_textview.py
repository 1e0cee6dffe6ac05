"""`needs_view` says exactly when `view` changes the text (it gates the decoded-text child and the
mail parser's input), at any offset, across its copy chunks, and only within `limit`."""

from __future__ import annotations

import mmap

import pytest

from scanner.filetypes import textview
from scanner.filetypes.textview import needs_view, view

KEEP = b"\t\n\r\x0c\x1b\x0e\x0f"


def test_each_byte_value_agrees_with_view() -> None:
    for value in range(256):
        data = b"plain text line\r\n" * 8 + bytes([value]) + b" tail"
        assert needs_view(data) is (view(data) != data), value


@pytest.mark.parametrize("offset", [0, 63, 64, 65, 128, 299])
def test_a_drop_byte_past_a_chunk_boundary_is_found(monkeypatch: pytest.MonkeyPatch, offset: int) -> None:
    monkeypatch.setattr(textview, "_CHUNK", 64)
    data = bytearray(b"x" * 300)
    data[offset] = 0
    assert needs_view(bytes(data))
    assert not needs_view(bytes(data), limit=offset)  # beyond the limit: not looked at
    assert needs_view(bytes(data), limit=offset + 1)


def test_kept_controls_bom_and_utf16() -> None:
    assert not needs_view(b"a" + KEEP * 100)
    assert needs_view(b"\xef\xbb\xbfSubject: x\r\n")
    assert needs_view("Subject: x\r\n".encode("utf-16-le"))
    assert not needs_view(b"")


def test_an_mmap_is_read_in_place(tmp_path: object) -> None:
    path = tmp_path / "big.txt"  # type: ignore[operator]
    path.write_bytes(b"y" * 3_000_000 + b"\x00")
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as m:
        assert needs_view(m)
        assert not needs_view(m, limit=3_000_000)
