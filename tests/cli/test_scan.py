from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from helpers import (
    MARKER,
    REPO_ROOT,
    SAMPLES,
    SUSPICIOUS,
    make_zip,
    nested_zips,
    run_scamscan,
    scamscan_command,
    set_encrypted_flag,
)

from scanner import __version__
from scanner.cli import main
from scanner.models import ScanReport

FILE_KEYS = {"path", "sha256", "type", "verdict", "score", "findings", "incomplete"}
FINDING_KEYS = {"check", "id", "severity", "score", "message", "evidence", "location"}


def cli(*args: str | os.PathLike[str], input: bytes | None = None) -> Result:
    return CliRunner().invoke(main, [os.fspath(a) for a in args], input=input)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Small inputs for the exit-code and format tests (matched by the TEST_* rules)."""
    d = tmp_path / "in"
    d.mkdir()
    out = {
        "clean": d / "clean.txt",
        "lure": d / "lure.txt",
        "suspicious": d / "suspicious.txt",
        "nested": d / "a.zip",
        "encrypted": d / "locked.zip",
    }
    out["clean"].write_text("an ordinary note\n")
    out["lure"].write_bytes(b"run this " + MARKER + b"\n")
    out["suspicious"].write_bytes(b"hmm " + SUSPICIOUS + b"\n")
    out["nested"].write_bytes(make_zip({"b.txt": b"inside " + MARKER}))
    out["encrypted"].write_bytes(set_encrypted_flag(make_zip({"secret.txt": b"x"})))
    return out


def rules_args(rules_dir: Path) -> list[str]:
    return ["--no-bundled-rules", "--rules", str(rules_dir)]


# --- exit codes -------------------------------------------------------------------------------

def test_exit_0_clean(files: dict[str, Path], rules_dir: Path) -> None:
    r = cli("scan", *rules_args(rules_dir), files["clean"])
    assert r.exit_code == 0, r.output
    assert "CLEAN" in r.stdout


def test_exit_1_lure(files: dict[str, Path], rules_dir: Path) -> None:
    r = cli("scan", *rules_args(rules_dir), files["lure"])
    assert r.exit_code == 1 and "MALICIOUS" in r.stdout


def test_exit_1_bundled_sample() -> None:
    r = cli("scan", SAMPLES / "lures" / "crowdstrike_fix.bat")
    assert r.exit_code == 1, r.output


def test_exit_1_suspicious_by_default(files: dict[str, Path], rules_dir: Path) -> None:
    r = cli("scan", *rules_args(rules_dir), files["suspicious"])
    assert r.exit_code == 1 and "SUSPICIOUS" in r.stdout
    assert cli("scan", *rules_args(rules_dir), "--fail-on", "suspicious", files["suspicious"]).exit_code == 1


def test_fail_on_malicious_still_fails_on_malicious(files: dict[str, Path], rules_dir: Path) -> None:
    assert cli("scan", *rules_args(rules_dir), "--fail-on", "malicious", files["lure"]).exit_code == 1


def test_fail_on_malicious_ignores_suspicious(files: dict[str, Path], rules_dir: Path) -> None:
    r = cli("scan", *rules_args(rules_dir), "--fail-on", "malicious", files["suspicious"])
    assert r.exit_code == 0


def test_fail_on_malicious_with_incomplete_gives_3(files: dict[str, Path], rules_dir: Path) -> None:
    r = cli("scan", *rules_args(rules_dir), "--jobs", "1", "--fail-on", "malicious", files["clean"],
            files["encrypted"])
    assert r.exit_code == 3


def test_exit_3_incomplete(files: dict[str, Path], rules_dir: Path) -> None:
    r = cli("scan", *rules_args(rules_dir), "--format", "json", files["encrypted"])
    assert r.exit_code == 3
    doc = json.loads(r.stdout)
    assert doc["verdict"] == "incomplete"
    assert doc["files"][0]["verdict"] == "incomplete"
    assert doc["files"][0]["incomplete"][0]["reason"] == "encrypted"


def test_exit_3_limit_option(files: dict[str, Path], rules_dir: Path) -> None:
    # The marker sits (deflated) inside a.zip: with --max-depth 0 it is not reached, so only the limit remains.
    r = cli("scan", *rules_args(rules_dir), "--max-depth", "0", "--format", "json", files["nested"])
    assert r.exit_code == 3
    entry = json.loads(r.stdout)["files"][0]
    assert entry["verdict"] == "incomplete" and entry["findings"] == []
    assert [i["reason"] for i in entry["incomplete"]] == ["max_depth"]
    text = cli("scan", *rules_args(rules_dir), "--max-depth", "0", files["nested"])
    assert text.exit_code == 3 and "INCOMPLETE" in text.stdout and "max_depth" in text.stdout


def test_flagged_beats_incomplete(files: dict[str, Path], rules_dir: Path) -> None:
    r = cli("scan", *rules_args(rules_dir), "--jobs", "1", files["encrypted"], files["lure"])
    assert r.exit_code == 1


@pytest.mark.parametrize("args", [
    ["scan", "--bogus-option", "x"],
    ["scan"],
    ["scan", "--format", "xml", "."],
    ["scan", "--max-file-size", "big", "."],
    ["scan", "--fail-on", "clean", "."],
    ["scan", "--max-depth", "-1", "."],
    ["scan", "--timeout", "0", "."],
    ["scan", "--jobs", "-2", "."],
    ["no-such-command"],
])
def test_exit_2_usage(args: list[str]) -> None:
    r = cli(*args)
    assert r.exit_code == 2, r.output


def test_exit_2_missing_path(tmp_path: Path) -> None:
    r = cli("scan", tmp_path / "does-not-exist.zip")
    assert r.exit_code == 2
    assert "does-not-exist.zip" in r.output


@pytest.mark.parametrize("content", ["max_depth = \n", "no_such_setting = 1\n", 'max_file_size = "lots"\n'])
@pytest.mark.parametrize("where", ["before", "after"])
def test_exit_2_bad_config(tmp_path: Path, files: dict[str, Path], content: str, where: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(content)
    args: list[str | Path] = (["--config", cfg, "scan", files["clean"]] if where == "before"
                              else ["scan", "--config", cfg, files["clean"]])
    r = cli(*args)
    assert r.exit_code == 2
    assert "bad.toml" in r.stderr or "max_file_size" in r.stderr
    assert "Traceback" not in r.output


def test_exit_2_missing_rules_dir(tmp_path: Path, files: dict[str, Path]) -> None:
    assert cli("scan", "--rules", tmp_path / "nope", files["clean"]).exit_code == 2


def test_exit_2_no_rules_at_all(files: dict[str, Path]) -> None:
    r = cli("scan", "--no-bundled-rules", files["clean"])
    assert r.exit_code == 2 and "rule" in r.stderr


# --- the settings file, before and after the subcommand --------------------------------------

@pytest.mark.parametrize("where", ["before", "after", "env"])
def test_config_file_positions(tmp_path: Path, files: dict[str, Path], rules_dir: Path, where: str,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text(f"max_depth = 0\nuse_bundled_rules = false\nrules_dirs = [{json.dumps(str(rules_dir))}]\n")
    target = files["encrypted"].parent / "plain.zip"
    target.write_bytes(make_zip({"x.txt": b"fine"}))
    assert cli("scan", *rules_args(rules_dir), target).exit_code == 0  # without the file: clean
    if where == "before":
        r = cli("--config", cfg, "scan", "--format", "json", target)
    elif where == "after":
        r = cli("scan", "--config", cfg, "--format", "json", target)
    else:
        monkeypatch.setenv("SCAMSCAN_CONFIG", str(cfg))
        r = cli("scan", "--format", "json", target)
    assert r.exit_code == 3, r.output
    assert json.loads(r.stdout)["files"][0]["incomplete"][0]["reason"] == "max_depth"


def test_option_overrides_config(tmp_path: Path, rules_dir: Path) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text("max_depth = 0\n")
    target = tmp_path / "plain.zip"
    target.write_bytes(make_zip({"x.txt": b"fine"}))
    assert cli("--config", cfg, "scan", *rules_args(rules_dir), "--max-depth", "3", target).exit_code == 0


# --- formats --------------------------------------------------------------------------------

def check_file_entry(entry: dict[str, Any]) -> None:
    assert set(entry) >= FILE_KEYS
    assert entry["verdict"] in ("clean", "incomplete", "suspicious", "malicious")
    assert isinstance(entry["score"], int) and isinstance(entry["findings"], list)
    for f in entry["findings"]:
        assert set(f) >= FINDING_KEYS
        assert isinstance(f["location"], list) and f["location"]
        assert isinstance(f["evidence"], dict)
    for i in entry["incomplete"]:
        assert {"reason", "message", "location"} <= set(i)


def test_json_format(files: dict[str, Path], rules_dir: Path) -> None:
    r = cli("scan", *rules_args(rules_dir), "--format", "json", "--jobs", "1", files["clean"].parent)
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert doc["schema_version"] == "1.0.0"
    assert doc["tool_version"] == __version__ and doc["rules_version"]
    by_name = {Path(e["path"]).name: e for e in doc["files"]}
    assert set(by_name) == {"clean.txt", "lure.txt", "suspicious.txt", "a.zip", "locked.zip"}
    for entry in doc["files"]:
        check_file_entry(entry)
    lure = by_name["lure.txt"]
    assert lure["verdict"] == "malicious" and lure["score"] == 80
    f = lure["findings"][0]
    assert (f["check"], f["id"], f["severity"], f["location"]) == ("yara", "TEST_Marker", "high", ["lure.txt"])
    assert f["evidence"]["strings"][0]["offset"] == len(b"run this ")
    assert by_name["a.zip"]["findings"][0]["location"] == ["a.zip", "b.txt"]
    assert doc["summary"] == {"clean": 1, "incomplete": 1, "suspicious": 1, "malicious": 2}
    assert ScanReport.from_dict(doc).to_dict()["files"] == doc["files"]


def test_jsonl_format(files: dict[str, Path], rules_dir: Path) -> None:
    r = cli("scan", *rules_args(rules_dir), "--format", "jsonl", "--jobs", "1", files["clean"].parent)
    lines = r.stdout.splitlines()
    assert len(lines) == len(files)
    objs = [json.loads(line) for line in lines]
    for o in objs:
        assert o["schema_version"] == "1.0.0"
        check_file_entry(o)
    assert {Path(o["path"]).name for o in objs} == {p.name for p in files.values()}


def test_output_file(tmp_path: Path, files: dict[str, Path], rules_dir: Path) -> None:
    out = tmp_path / "report.json"
    r = cli("scan", *rules_args(rules_dir), "--format", "json", "--output", out, files["lure"])
    assert r.exit_code == 1
    assert r.stdout == ""
    assert json.loads(out.read_text())["files"][0]["verdict"] == "malicious"
    out_txt = tmp_path / "report.txt"
    assert cli("scan", *rules_args(rules_dir), "-o", out_txt, files["clean"]).exit_code == 0
    assert "CLEAN" in out_txt.read_text()


def test_quiet_hides_clean_files(files: dict[str, Path], rules_dir: Path) -> None:
    r = cli("scan", *rules_args(rules_dir), "--quiet", "--jobs", "1", files["clean"], files["lure"])
    assert "lure.txt" in r.stdout
    assert "clean.txt" not in r.stdout
    assert "Scanned 2 files" in r.stdout  # the summary still counts it
    loud = cli("scan", *rules_args(rules_dir), "--jobs", "1", files["clean"], files["lure"])
    assert "clean.txt" in loud.stdout


def test_text_shows_location_chain(files: dict[str, Path], rules_dir: Path) -> None:
    r = cli("scan", *rules_args(rules_dir), files["nested"])
    assert "a.zip > b.txt" in r.stdout
    assert "TEST_Marker" in r.stdout


def test_text_deep_location_chain(tmp_path: Path, rules_dir: Path) -> None:
    p = tmp_path / "mail.zip"
    p.write_bytes(nested_zips(["hotfix.zip"], "Setup.exe", MARKER))
    r = cli("scan", *rules_args(rules_dir), p)
    assert "mail.zip > hotfix.zip > Setup.exe" in r.stdout


def test_stdin(rules_dir: Path) -> None:
    r = cli("scan", *rules_args(rules_dir), "--format", "json", "-", input=b"piped " + MARKER)
    assert r.exit_code == 1
    entry = json.loads(r.stdout)["files"][0]
    assert entry["path"] == "<stdin>" and entry["verdict"] == "malicious"
    clean = cli("scan", *rules_args(rules_dir), "-", input=b"harmless")
    assert clean.exit_code == 0


def test_stdin_zip(rules_dir: Path) -> None:
    r = cli("scan", *rules_args(rules_dir), "--format", "json", "-", input=make_zip({"x.txt": MARKER}))
    f = json.loads(r.stdout)["files"][0]["findings"][0]
    assert f["location"] == ["<stdin>", "x.txt"]


def test_version() -> None:
    r = cli("version")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0] == f"scamscan {__version__}"
    assert any(line.startswith("rules ") and len(line.split()[1]) >= 8 for line in lines)
    assert any(line.startswith("yara-python ") and "libyara" in line for line in lines)


def test_version_option() -> None:
    r = cli("--version")
    assert r.exit_code == 0 and __version__ in r.stdout


def test_empty_file_cli(tmp_path: Path, rules_dir: Path) -> None:
    p = tmp_path / "empty"
    p.touch()
    r = cli("scan", *rules_args(rules_dir), "--format", "json", p)
    assert r.exit_code == 0
    entry = json.loads(r.stdout)["files"][0]
    assert (entry["verdict"], entry["type"], entry["incomplete"]) == ("clean", "empty", [])


def test_empty_directory(tmp_path: Path, rules_dir: Path) -> None:
    d = tmp_path / "nothing"
    d.mkdir()
    r = cli("scan", *rules_args(rules_dir), d)
    assert r.exit_code == 0 and "Scanned 0 files" in r.stdout


def test_cached_rescan_via_cli(tmp_path: Path, files: dict[str, Path], rules_dir: Path) -> None:
    first = cli("scan", *rules_args(rules_dir), "--format", "json", files["lure"])
    second = cli("scan", *rules_args(rules_dir), "--format", "json", files["lure"])
    a, b = json.loads(first.stdout)["files"][0], json.loads(second.stdout)["files"][0]
    assert (a["cached"], b["cached"]) == (False, True)
    assert a["findings"] == b["findings"] and second.exit_code == 1
    third = cli("scan", *rules_args(rules_dir), "--format", "json", "--no-cache", files["lure"])
    assert json.loads(third.stdout)["files"][0]["cached"] is False


# --- as a real process ---------------------------------------------------------------------

def test_subprocess_exit_codes(files: dict[str, Path], rules_dir: Path) -> None:
    base = rules_args(rules_dir)
    assert run_scamscan(["scan", *base, files["clean"]]).returncode == 0
    assert run_scamscan(["scan", *base, files["lure"]]).returncode == 1
    assert run_scamscan(["scan", *base, files["encrypted"]]).returncode == 3
    bad = run_scamscan(["scan", *base, "--nope", files["clean"]])
    assert bad.returncode == 2 and b"--nope" in bad.stderr
    assert run_scamscan(["scan", *base, files["clean"].parent / "missing"]).returncode == 2


def test_subprocess_module_entry_point(files: dict[str, Path], rules_dir: Path) -> None:
    import subprocess

    p = subprocess.run([sys.executable, "-m", "scanner.cli", "scan", *rules_args(rules_dir), str(files["lure"])],
                       capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    assert p.returncode == 1 and b"MALICIOUS" in p.stdout


def test_subprocess_stdin(rules_dir: Path) -> None:
    p = run_scamscan(["scan", *rules_args(rules_dir), "--format", "json", "-"], input=b"x " + MARKER)
    assert p.returncode == 1
    assert json.loads(p.stdout)["files"][0]["path"] == "<stdin>"


def test_subprocess_version() -> None:
    p = run_scamscan(["version"])
    out = p.stdout.decode()
    assert p.returncode == 0
    assert f"scamscan {__version__}" in out and "\nrules " in out and "yara-python" in out


def _normalised(doc: dict[str, Any]) -> list[dict[str, Any]]:
    files = []
    for f in doc["files"]:
        f = dict(f)
        f.pop("duration_ms")
        files.append(f)
    return files


def test_jobs_2_equals_jobs_1(tmp_path: Path, files: dict[str, Path], rules_dir: Path) -> None:
    (files["clean"].parent / "deep.zip").write_bytes(nested_zips(["l1.zip", "l2.zip"], "x.txt", MARKER))
    args = ["scan", "--rules", str(rules_dir), "--format", "json", "--no-cache", str(SAMPLES),
            str(files["clean"].parent)]
    one = run_scamscan([*args, "--jobs", "1"])
    two = run_scamscan([*args, "--jobs", "2"])
    assert one.returncode == two.returncode == 1
    a, b = json.loads(one.stdout), json.loads(two.stdout)
    assert len(a["files"]) > 10
    assert _normalised(a) == _normalised(b)
    assert a["summary"] == b["summary"]


def test_fifo_in_directory_does_not_hang(tmp_path: Path, rules_dir: Path) -> None:
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text("fine")
    os.mkfifo(d / "pipe")
    p = run_scamscan(["scan", *rules_args(rules_dir), "--format", "json", d], timeout=60)
    assert p.returncode == 3
    by_name = {Path(f["path"]).name: f for f in json.loads(p.stdout)["files"]}
    assert by_name["pipe"]["incomplete"][0]["reason"] == "special_file"
    assert by_name["pipe"]["verdict"] == "incomplete"
    assert by_name["a.txt"]["verdict"] == "clean"


def test_fifo_given_directly(tmp_path: Path, rules_dir: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    p = run_scamscan(["scan", *rules_args(rules_dir), fifo], timeout=60)
    assert p.returncode == 3 and b"special_file" in p.stdout


def test_dev_null_directly(rules_dir: Path) -> None:
    p = run_scamscan(["scan", *rules_args(rules_dir), "--format", "json", "/dev/null"], timeout=60)
    assert p.returncode == 3
    entry = json.loads(p.stdout)["files"][0]
    assert entry["path"] == "/dev/null" and entry["incomplete"][0]["reason"] == "special_file"


def test_non_utf8_name_text_and_json(tmp_path: Path, rules_dir: Path) -> None:
    d = tmp_path / "d"
    d.mkdir()
    with open(os.path.join(os.fsencode(d), b"caf\xe9.txt"), "wb") as fh:
        fh.write(b"harmless")
    text = run_scamscan(["scan", *rules_args(rules_dir), d])
    assert text.returncode in (0, 3), text.stderr
    assert b"Traceback" not in text.stderr
    assert b"caf" in text.stdout
    text.stdout.decode("utf-8")  # valid UTF-8 on the terminal
    js = run_scamscan(["scan", *rules_args(rules_dir), "--format", "json", d])
    assert b"Traceback" not in js.stderr
    doc = json.loads(js.stdout)
    assert os.fsencode(doc["files"][0]["path"]).endswith(b"caf\xe9.txt")
    jl = run_scamscan(["scan", *rules_args(rules_dir), "--format", "jsonl", d])
    assert json.loads(jl.stdout.splitlines()[0])["type"] == "text"
    runner = cli("scan", *rules_args(rules_dir), d)  # in-process too
    assert runner.exception is None or isinstance(runner.exception, SystemExit)


def test_symlink_loop_directory_cli(tmp_path: Path, rules_dir: Path) -> None:
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text("fine")
    (d / "loop").symlink_to(d, target_is_directory=True)
    p = run_scamscan(["scan", *rules_args(rules_dir), "--format", "json", d], timeout=60)
    assert p.returncode == 0
    assert [Path(f["path"]).name for f in json.loads(p.stdout)["files"]] == ["a.txt"]


def test_nothing_written_next_to_files_cli(tmp_path: Path, files: dict[str, Path], rules_dir: Path) -> None:
    d = files["clean"].parent
    before = sorted(os.listdir(d))
    run_scamscan(["scan", *rules_args(rules_dir), d], cwd=d)
    run_scamscan(["scan", *rules_args(rules_dir), "--format", "json", d], cwd=d)
    assert sorted(os.listdir(d)) == before


# --- the compression bomb, end to end ---------------------------------------------------------

RSS_LIMIT = 300 * 1024 * 1024

_MEASURE = (
    "import json, resource, subprocess, sys\n"
    "p = subprocess.run(sys.argv[1:], capture_output=True, stdin=subprocess.DEVNULL, timeout=300)\n"
    "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024\n"
    "print(json.dumps({'rc': p.returncode, 'rss': rss, 'out': p.stdout.decode('utf-8', 'replace')}))\n"
)


def test_bomb_subprocess_exit_3_and_small_memory(bomb_zip: Path) -> None:
    # A wrapper process whose only child is scamscan, so RUSAGE_CHILDREN measures just that scan.
    import subprocess

    p = subprocess.run([sys.executable, "-c", _MEASURE, *scamscan_command(), "scan", "--format", "json",
                        str(bomb_zip)], capture_output=True, timeout=320)
    assert p.returncode == 0, p.stderr
    result = json.loads(p.stdout)
    assert result["rc"] == 3
    doc = json.loads(result["out"])
    entry = doc["files"][0]
    assert entry["verdict"] == "incomplete"
    assert {i["reason"] for i in entry["incomplete"]} & {"max_file_size", "max_ratio"}
    assert 0 < result["rss"] < RSS_LIMIT, f"peak RSS {result['rss'] / 2**20:.0f} MiB"


def test_bomb_stored_outer_subprocess(bomb_zip_stored: Path) -> None:
    p = run_scamscan(["scan", "--format", "json", bomb_zip_stored], timeout=300)
    assert p.returncode == 3
    entry = json.loads(p.stdout)["files"][0]
    reasons = {(i["reason"], tuple(i["location"])) for i in entry["incomplete"]}
    assert ("max_file_size", ("bomb.zip", "inner.zip")) in reasons


def test_stdin_over_max_file_size(rules_dir: Path) -> None:
    data = b"x" * 5000
    r = cli("scan", *rules_args(rules_dir), "--max-file-size", "1000", "--format", "json", "-", input=data)
    assert r.exit_code == 3
    entry = json.loads(r.stdout)["files"][0]
    assert entry["incomplete"][0]["reason"] == "max_file_size"
    assert entry["sha256"] == __import__("hashlib").sha256(data).hexdigest()


def test_unwritable_output_is_a_usage_error(tmp_path: Path, files: dict[str, Path], rules_dir: Path) -> None:
    p = run_scamscan(["scan", *rules_args(rules_dir), "--output", tmp_path / "no" / "such" / "dir" / "r.json",
                      files["clean"]])
    assert p.returncode == 2
    assert b"Traceback" not in p.stderr
    assert b"r.json" in p.stderr


def test_verbose_scan_shows_debug_logs(tmp_path: Path) -> None:
    target = tmp_path / "note.txt"
    target.write_text("hello")
    quiet = run_scamscan(["scan", "--no-cache", target])
    assert b"DEBUG" not in quiet.stderr
    loud = run_scamscan(["scan", "--no-cache", "-v", target])
    assert loud.returncode == 0
    assert b"DEBUG scanner.engine: note.txt: text" in loud.stderr, loud.stderr


def test_the_library_leaves_other_libraries_loggers_alone() -> None:
    import logging

    from scanner.api import Scanner
    from scanner.config import Settings

    names = ("pypdf", "olevba", "extract_msg", "tnefparse")
    before = {n: (logging.getLogger(n).level, logging.getLogger(n).propagate) for n in names}
    scanner = Scanner(Settings(result_cache=False, jobs=1))
    for sample in ("samples/lures", "samples/clean"):
        list(scanner.scan_paths([str(REPO_ROOT / sample)], jobs=1))
    assert {n: (logging.getLogger(n).level, logging.getLogger(n).propagate) for n in names} == before
    assert all(level == logging.NOTSET and propagate for level, propagate in before.values())


def test_exclude_globs_skip_files_and_folders(tmp_path: Path) -> None:
    (tmp_path / "a" / "node_modules").mkdir(parents=True)
    (tmp_path / "a" / "keep.txt").write_text("fine")
    (tmp_path / "a" / "node_modules" / "dep.txt").write_bytes(MARKER)
    (tmp_path / "image.iso").write_bytes(MARKER)
    r = run_scamscan(["scan", "--no-cache", "--format", "jsonl", "--exclude", "node_modules", "--exclude", "*.iso",
                      tmp_path])
    assert r.returncode == 0, r.stdout
    assert [json.loads(line)["path"] for line in r.stdout.splitlines()] == [str(tmp_path / "a" / "keep.txt")]
    cfg = tmp_path / "c.toml"
    cfg.write_text('exclude = ["*.iso", "*/node_modules/*"]\n')
    r = run_scamscan(["--config", cfg, "scan", "--no-cache", "--format", "jsonl", tmp_path / "a",
                      tmp_path / "image.iso"])
    paths = [json.loads(line)["path"] for line in r.stdout.splitlines()]
    assert paths == [str(tmp_path / "a" / "keep.txt")]


def test_stdin_gets_a_name(tmp_path: Path) -> None:
    exe = b"MZ" + b"\0" * 62
    r = run_scamscan(["scan", "--no-cache", "--format", "json", "-", "--name", "invoice.pdf"], input=b"%PDF-1.4 x")
    doc = json.loads(r.stdout)
    assert doc["files"][0]["path"] == "invoice.pdf"
    named = run_scamscan(["scan", "--no-cache", "--format", "json", "-", "--name", "hotfix.exe"], input=exe)
    assert json.loads(named.stdout)["files"][0]["path"] == "hotfix.exe"
    misuse = run_scamscan(["scan", "--name", "x.txt", tmp_path])
    assert misuse.returncode == 2 and b"--name names standard input" in misuse.stderr
