from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from scanner.walk import Skip, Target, classify, walk


def rel(entries: list[Target | Skip], root: Path) -> list[str]:
    return [os.path.relpath(e.path, root) for e in entries]


def test_recursive_sorted_order(tmp_path: Path) -> None:
    for name in ("b.txt", "a.txt", "sub/z.txt", "sub/c.txt", "a_dir/x.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    entries = list(walk([str(tmp_path)]))
    assert all(isinstance(e, Target) for e in entries)
    assert rel(entries, tmp_path) == ["a.txt", "b.txt", "a_dir/x.txt", "sub/c.txt", "sub/z.txt"]


def test_files_and_stdin_pass_through(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("x")
    assert list(walk([str(f), "-"])) == [Target(str(f)), Target("-")]


def test_fifo_is_skipped_not_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "a.txt").write_text("x")
    entries = list(walk([str(tmp_path)]))  # would block forever if the FIFO were opened
    skip = next(e for e in entries if isinstance(e, Skip))
    assert skip.reason == "special_file" and "FIFO" in skip.message
    assert classify(str(tmp_path / "pipe")) == skip


def test_socket_and_device(tmp_path: Path) -> None:
    sock_path = tmp_path / "s.sock"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(sock_path))
        entry = classify(str(sock_path))
    finally:
        sock.close()
    assert isinstance(entry, Skip) and entry.reason == "special_file" and "socket" in entry.message
    dev = classify("/dev/null")
    assert isinstance(dev, Skip) and dev.reason == "special_file" and "device" in dev.message


def test_missing_path(tmp_path: Path) -> None:
    [entry] = list(walk([str(tmp_path / "gone")]))
    assert isinstance(entry, Skip) and entry.reason == "unreadable"


def test_symlinked_directories_are_not_followed(tmp_path: Path) -> None:
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text("x")
    (d / "loop").symlink_to(d, target_is_directory=True)
    (d / "parent").symlink_to(tmp_path, target_is_directory=True)
    assert rel(list(walk([str(d)])), d) == ["a.txt"]


def test_symlink_loop_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "x").symlink_to(tmp_path / "y")
    (tmp_path / "y").symlink_to(tmp_path / "x")
    entries = list(walk([str(tmp_path)]))
    assert {e.reason for e in entries if isinstance(e, Skip)} == {"unreadable"}
    assert len(entries) == 2


def test_symlink_to_file_is_scanned(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("x")
    d = tmp_path / "d"
    d.mkdir()
    (d / "link.txt").symlink_to(real)
    assert list(walk([str(d)])) == [Target(str(d / "link.txt"))]


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root: directory permissions do not block listing")
def test_unlistable_directory(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.txt").write_text("x")
    locked.chmod(0)
    try:
        entries = list(walk([str(tmp_path)]))
    finally:
        locked.chmod(0o755)
    assert any(isinstance(e, Skip) and e.reason == "unreadable" for e in entries)
