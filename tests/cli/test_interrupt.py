"""Ctrl-C: the workers stop, the report of what finished is written, marked interrupted; exit 130."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import hostile
import pytest
from gateway_support import wait_for
from helpers import MARKER


@pytest.mark.parametrize("fmt", ["jsonl", "json", "text"])
def test_sigint_reports_what_finished_and_exits_130(tmp_path: Path, rules_dir: Path, fmt: str) -> None:
    root = tmp_path / "d"
    root.mkdir()
    (root / "a_lure.txt").write_bytes(b"x " + MARKER)
    (root / "b_ok.txt").write_bytes(b"fine")
    (root / "z_hang.txt").write_bytes(hostile.HANG)
    flag = tmp_path / "hanging"
    env = {**os.environ, hostile.HANG_FLAG_ENV: str(flag)}
    proc = subprocess.Popen([*hostile.COMMAND, "scan", "--no-cache", "--no-bundled-rules", "--rules",
                             str(rules_dir), "-j", "2", "--format", fmt, str(root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env,
                            start_new_session=True)  # its own process group, as a terminal's job
    assert proc.stdout is not None
    early: list[bytes] = []
    try:
        if fmt == "jsonl":  # results stream: wait until both files that can finish have
            early = [proc.stdout.readline(), proc.stdout.readline()]
        wait_for(flag.exists, 60, "the hanging scan to start")
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert b"Traceback" not in err
    assert b"interrupted" in err
    text = b"".join(early).decode() + out.decode()
    if fmt == "text":
        assert "z_hang.txt" in text and "not fully scanned (interrupted)" in text
        assert text.splitlines()[-1].startswith("INTERRUPTED: ")
        return
    lines = [json.loads(line) for line in text.splitlines()] if fmt == "jsonl" else json.loads(text)["files"]
    files = {Path(f["path"]).name: f for f in lines}
    assert set(files) == {"a_lure.txt", "b_ok.txt", "z_hang.txt"}  # every file is in the report
    assert [i["reason"] for i in files["z_hang.txt"]["incomplete"]] == ["interrupted"]
    assert files["z_hang.txt"]["verdict"] == "incomplete"
    if fmt == "jsonl":  # what finished before Ctrl-C keeps its result
        assert files["a_lure.txt"]["verdict"] == "malicious" and files["b_ok.txt"]["verdict"] == "clean"
