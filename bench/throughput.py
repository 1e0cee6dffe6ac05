#!/usr/bin/env python3
"""Throughput, memory and cold start of `scamscan scan` against the `yara` CLI, same rules, same corpus.

    python bench/throughput.py [--rules DIR] [--corpus DIR] [--jobs N] [--repeat K] [--json FILE]

Back to back, on a corpus already in the page cache:

1. ``yara -d filename= -d filepath= -d extension= -d filetype= -d owner= -p N -r RULE_FILE... CORPUS``
   (every .yar/.yara file of the rule folder; each file in its own namespace only if the CLI
   reports duplicate identifiers).  Before timing, the CLI's rule count is checked against
   yara-python's, and afterwards a positive control shows it does print matches.  When ``yarac``
   is installed, the same rules precompiled (``yara -C``) are timed too, for information: the
   source-rules CLI spends ~1 s compiling, which scamscan's compiled-rule cache skips.
2. ``scamscan scan --no-cache --rules DIR --format jsonl -o /dev/null --jobs N CORPUS`` with the
   compiled-rule cache warm (a one-file scan first, not timed).
3. The same without ``--no-cache`` twice: the first run fills the result cache, the second is the
   "rescan of unchanged files" figure.
4. Cold start: a one-file scan with the compiled-rule cache warm, median of 5 (signature-base plus
   bundled rules, then bundled rules only), with the yara CLI on the same file for reference.

scamscan gets an empty cache folder of its own (``XDG_CACHE_HOME`` in a temp dir) so that nothing
from earlier runs flatters it; only the libwine corpus itself comes from the user's cache
(tests/corpora.py).  Memory: "peak RSS" is the largest single process (``wait4`` rusage, what
``/usr/bin/time -v`` reports); "peak PSS" is the sampled sum over the whole process tree, the
honest total for scamscan's forked workers that share pages copy-on-write.

Targets: scamscan wall time <= 1.3 x yara's; cold start < 0.5 s.  Exit code 0 when both are met,
1 when a target is missed, 2 when the benchmark could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_RULES = REPO / ".." / "shared" / "data" / "rulesets" / "signature-base" / "yara"
RULE_SUFFIXES = (".yar", ".yara")
EXTERNALS = ("filename", "filepath", "extension", "filetype", "owner")
TARGET_RATIO = 1.3
TARGET_COLD_START = 0.5
SAMPLE_INTERVAL = 0.05
BUSY_LOAD = 0.5
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None

sys.path.insert(0, os.fspath(REPO / "tests"))
from corpora import libwine_dir, libwine_skip_reason  # noqa: E402


class BenchError(Exception):
    """The benchmark cannot produce honest figures (a tool is missing or failed)."""


@dataclass
class Run:
    label: str
    argv: list[str]
    wall: float
    returncode: int
    max_rss_kb: int  # largest single process of the tree (wait4 rusage)
    peak_pss_kb: int  # sampled sum over the process tree
    peak_rss_sum_kb: int  # sampled sum of RSS over the process tree (counts shared pages twice)
    cpu: float  # user + system seconds of the whole tree: steadier than wall time on a busy machine
    stdout: str = field(repr=False, default="")
    stderr: str = field(repr=False, default="")


# -- measuring ----------------------------------------------------------------

def _tree(root: int) -> list[int]:
    """`root` and all its descendants, from /proc/<pid>/stat parent links."""
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(parents.get(pid, []))
    return out


def _memory_kb(pid: int) -> tuple[int, int]:
    """(Rss, Pss) of one process in kB, (0, 0) when it is gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return rss, pss


class _Sampler(threading.Thread):
    def __init__(self, pid: int, skip_root: bool) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.skip_root = skip_root  # the GNU time wrapper is not part of the measured tool
        self.done = threading.Event()
        self.peak_pss = 0
        self.peak_rss_sum = 0

    def run(self) -> None:
        while not self.done.is_set():
            rss_sum = pss_sum = 0
            for pid in _tree(self.pid)[1 if self.skip_root else 0:]:
                rss, pss = _memory_kb(pid)
                rss_sum += rss
                pss_sum += pss
            self.peak_pss = max(self.peak_pss, pss_sum)
            self.peak_rss_sum = max(self.peak_rss_sum, rss_sum)
            self.done.wait(SAMPLE_INTERVAL)


def measure(label: str, argv: list[str], env: dict[str, str] | None = None) -> Run:
    """Run `argv` to completion: wall time, exit code, output and peak memory.

    The peak RSS of the largest process comes from GNU time when installed: Linux carries the
    pre-exec high-water mark of a forked child into its rusage, so ``wait4`` alone would report at
    least this (Python) process's own RSS.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(suffix=".time") as timing:
        wrapped = [GNU_TIME, "-f", "%M", "-o", timing.name, *argv] if GNU_TIME else argv
        started = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        sampler = _Sampler(proc.pid, skip_root=bool(GNU_TIME))
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
        sampler.done.set()
        sampler.join()
        max_rss = int(usage.ru_maxrss)
        if GNU_TIME:
            lines = Path(timing.name).read_text(encoding="ascii", errors="replace").split()
            max_rss = int(lines[-1]) if lines and lines[-1].isdigit() else max_rss
        out.seek(0)
        err.seek(0)
        return Run(label, argv, wall, proc.returncode, max_rss, sampler.peak_pss, sampler.peak_rss_sum,
                   usage.ru_utime + usage.ru_stime,
                   out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


def best_of(runs: list[Run]) -> Run:
    """The median run by wall time (the only run when --repeat 1)."""
    ordered = sorted(runs, key=lambda r: r.wall)
    return ordered[(len(ordered) - 1) // 2]


# -- the corpus and the tools ----------------------------------------------------

@dataclass
class Corpus:
    path: Path
    files: int
    bytes: int
    smallest: Path


def load_corpus(path: Path) -> Corpus:
    """Count the corpus and read it once, so every tool finds it in the page cache."""
    files, total, sizes = 0, 0, []
    for dirpath, _, names in os.walk(path):
        for name in names:
            p = Path(dirpath) / name
            if p.is_symlink() or not p.is_file():
                continue
            size = p.stat().st_size
            files += 1
            total += size
            sizes.append((size, p))
            with p.open("rb") as fh:
                while fh.read(1 << 20):
                    pass
    if not files:
        raise BenchError(f"corpus {path} holds no files")
    nonempty = [s for s in sizes if s[0] > 0] or sizes
    return Corpus(path, files, total, min(nonempty)[1])


def find_tool(name: str, hint: str, explicit: str | None = None) -> str:
    candidates = [explicit] if explicit else [os.fspath(Path(sys.executable).parent / name), name]
    for candidate in candidates:
        found = shutil.which(candidate) if candidate else None
        if found:
            return found
    raise BenchError(f"`{name}` not found: {hint}")


def rule_files(rules: Path) -> list[Path]:
    files: list[Path] = []
    for dirpath, dirnames, names in os.walk(rules):
        dirnames.sort()
        files.extend(Path(dirpath) / n for n in sorted(names) if n.lower().endswith(RULE_SUFFIXES))
    if not files:
        raise BenchError(f"no .yar/.yara files under {rules}")
    return files


def yara_defines(values: dict[str, str] | None = None) -> list[str]:
    values = values or {}
    out: list[str] = []
    for name in EXTERNALS:
        out += ["-d", f"{name}={values.get(name, '')}"]
    return out


def yara_rule_args(yara: str, files: list[Path], probe: Path) -> tuple[list[str], bool]:
    """The rule arguments for the CLI: plain paths, or NAMESPACE:FILE if plain ones clash."""
    plain = [os.fspath(f) for f in files]
    run = measure("yara-probe", [yara, *yara_defines(), *plain, os.fspath(probe)])
    if run.returncode == 0 and not run.stderr.strip():
        return plain, False
    if "duplicate" not in run.stderr.lower():
        raise BenchError(f"yara CLI failed to load the rules (exit {run.returncode}): {run.stderr.strip()[:2000]}")
    spaced = [f"ns{i}:{f}" for i, f in enumerate(files)]
    run = measure("yara-probe", [yara, *yara_defines(), *spaced, os.fspath(probe)])
    if run.returncode != 0 or run.stderr.strip():
        raise BenchError(f"yara CLI failed to load the rules (exit {run.returncode}): {run.stderr.strip()[:2000]}")
    return spaced, True


def yara_rule_count(yara: str, rule_args: list[str], probe: Path) -> int:
    """Public rules the CLI loaded: those it prints as matching plus (-n) as not matching `probe`."""
    base = [yara, *yara_defines(), *rule_args, os.fspath(probe)]
    lines = 0
    for argv in (base, [base[0], "-n", *base[1:]]):
        run = measure("yara-count", argv)
        if run.returncode != 0:
            raise BenchError(f"yara CLI failed (exit {run.returncode}): {run.stderr.strip()[:2000]}")
        lines += sum(1 for ln in run.stdout.splitlines() if ln.strip())
    return lines


def python_rule_count(files: list[Path]) -> int | None:
    """Public rules yara-python compiles from the same files (one namespace each), if it is installed.

    In a child process: loading the rules here would inflate every later child's peak RSS.
    """
    code = ("import sys, yara\n"
            "r = yara.compile(filepaths={f'ns{i}': f for i, f in enumerate(sys.argv[1:])},\n"
            f"                 externals=dict.fromkeys({EXTERNALS!r}, ''))\n"
            "print(sum(1 for x in r if not x.is_private))\n")
    proc = subprocess.run([sys.executable, "-c", code, *map(os.fspath, files)], capture_output=True, text=True,
                          check=False)
    out = proc.stdout.strip()
    return int(out) if proc.returncode == 0 and out.isdigit() else None


# -- the benchmark ------------------------------------------------------------------

def check_scamscan(run: Run) -> None:
    if run.returncode not in (0, 1, 3):  # 1 = something flagged, 3 = incomplete; 2 = error
        raise BenchError(f"`{' '.join(run.argv[:4])} ...` failed (exit {run.returncode}): {run.stderr.strip()[:2000]}")


def flagged(jsonl: Path) -> tuple[int, int, list[dict[str, Any]]]:
    """(files not clean, files answered from the cache, yara findings with their file)."""
    not_clean = cached = 0
    hits: list[dict[str, Any]] = []
    with jsonl.open(encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            not_clean += doc["verdict"] != "clean"
            cached += bool(doc.get("cached"))
            hits += [{"path": doc["path"], "rule": f["id"]} for f in doc["findings"] if f["check"] == "yara"]
    return not_clean, cached, hits


def positive_control(yara: str, rule_args: list[str], hits: list[dict[str, Any]]) -> dict[str, Any]:
    """Re-run the yara CLI on a file scamscan flagged, with the same externals scamscan set."""
    if not hits:
        return {"checked": False, "note": "scamscan flagged nothing with YARA: no file to cross-check"}
    hit = hits[0]
    path = Path(hit["path"])
    with path.open("rb") as fh:
        is_pe = fh.read(2) == b"MZ"
    values = {"filename": path.name, "filepath": os.fspath(path),
              "extension": path.suffix.lower(), "filetype": "EXE" if is_pe else ""}
    run = measure("yara-control", [yara, *yara_defines(values), *rule_args, os.fspath(path)])
    matched = sorted({ln.split()[0].split(":")[-1] for ln in run.stdout.splitlines() if ln.strip()})
    return {"checked": True, "file": os.fspath(path), "scamscan_rule": hit["rule"], "yara_matches": matched,
            "ok": run.returncode == 0 and hit["rule"] in matched}


def summarise(run: Run, corpus: Corpus) -> dict[str, Any]:
    return {
        "wall_s": round(run.wall, 3),
        "cpu_s": round(run.cpu, 3),
        "files_per_s": round(corpus.files / run.wall, 1),
        "mb_per_s": round(corpus.bytes / 1e6 / run.wall, 1),
        "peak_rss_mb": round(run.max_rss_kb / 1024, 1),
        "peak_pss_mb": round(run.peak_pss_kb / 1024, 1),
        "peak_rss_sum_mb": round(run.peak_rss_sum_kb / 1024, 1),
        "exit_code": run.returncode,
        "argv": [a if len(a) < 200 else a[:200] + "..." for a in run.argv[:12]] + (["..."] if len(run.argv) > 12
                                                                                   else []),
    }


def cold_start(label: str, argv: list[str], env: dict[str, str] | None, runs: int) -> dict[str, Any]:
    walls = []
    for _ in range(runs):
        run = measure(label, argv, env)
        if argv[0].endswith("scamscan"):
            check_scamscan(run)
        elif run.returncode != 0:
            raise BenchError(f"{label} failed (exit {run.returncode}): {run.stderr.strip()[:2000]}")
        walls.append(run.wall)
    return {"median_s": round(statistics.median(walls), 3), "runs_s": [round(w, 3) for w in walls],
            "peak_rss_mb": round(run.max_rss_kb / 1024, 1)}


def bench(args: argparse.Namespace) -> dict[str, Any]:
    rules: Path = args.rules.resolve()
    if not rules.is_dir():
        raise BenchError(f"rules folder not found: {rules}")
    if args.corpus is not None:
        corpus_path: Path = args.corpus.resolve()
    else:
        found = libwine_dir()
        if found is None:
            raise BenchError(f"libwine corpus unavailable: {libwine_skip_reason()}")
        corpus_path = found
    jobs: int = args.jobs or os.cpu_count() or 1
    yara = find_tool("yara", "install Debian's yara package (apt-get install yara)", args.yara)
    scamscan = find_tool("scamscan", "pip install -e . in this checkout (or pass --scamscan)", args.scamscan)
    yara_version = subprocess.run([yara, "--version"], capture_output=True, text=True, check=False).stdout.strip()

    load_start = list(os.getloadavg())
    if load_start[0] > BUSY_LOAD:
        print(f"warning: load average {load_start[0]:.2f}: other work is running, figures will be noisy "
              "(use --repeat)", file=sys.stderr)
    print(f"corpus   {corpus_path}", flush=True)
    corpus = load_corpus(corpus_path)
    print(f"         {corpus.files} files, {corpus.bytes / 1e6:.1f} MB (read once into the page cache)")
    files = rule_files(rules)
    print(f"rules    {rules}: {len(files)} files")

    with tempfile.TemporaryDirectory(prefix="scamscan-bench-") as tmp_name:
        tmp = Path(tmp_name)
        probe = tmp / "empty"
        probe.write_bytes(b"")
        # an empty cache of its own, and no SCAMSCAN_* settings leaking in from the caller
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCAMSCAN_")}
        env["XDG_CACHE_HOME"] = os.fspath(tmp / "cache")

        # -- yara CLI: do the rules load, all of them? ------------------------------------
        rule_args, namespaced = yara_rule_args(yara, files, probe)
        cli_rules = yara_rule_count(yara, rule_args, probe)
        py_rules = python_rule_count(files)
        print(f"yara     {yara_version}: CLI loaded {cli_rules} public rules"
              + (f" (yara-python compiles {py_rules})" if py_rules is not None else "")
              + (", one namespace per file" if namespaced else ""))
        if py_rules is not None and cli_rules != py_rules:
            raise BenchError(f"yara CLI loaded {cli_rules} rules but the files hold {py_rules}")

        # -- scamscan: warm the compiled-rule cache (not timed) ---------------------------
        scan = [scamscan, "scan", "--rules", os.fspath(rules)]
        if args.no_bundled_rules:
            scan.append("--no-bundled-rules")
        warm = measure("scamscan-warm", [*scan, "--no-cache", os.fspath(corpus.smallest)], env)
        check_scamscan(warm)
        warm_bundled = measure("scamscan-warm-bundled", [scamscan, "scan", "--no-cache", os.fspath(corpus.smallest)],
                               env)
        check_scamscan(warm_bundled)
        print(f"scamscan compiled-rule cache warmed in {warm.wall:.2f}s (not timed)\n", flush=True)

        # -- throughput, back to back ------------------------------------------------------
        yara_argv = [yara, *yara_defines(), "-p", str(jobs), "-r", *rule_args, os.fspath(corpus.path)]
        nocache_argv = [*scan, "--no-cache", "--format", "jsonl", "-o", os.devnull, "--jobs", str(jobs),
                        os.fspath(corpus.path)]
        compiled_argv: list[str] | None = None
        yarac = shutil.which(os.fspath(Path(yara).with_name("yarac"))) or shutil.which("yarac")
        if yarac:  # the same rules precompiled: yara's scan alone, as scamscan loads its compiled cache
            compiled = tmp / "rules.yarc"
            run = measure("yarac", [yarac, *yara_defines(), *rule_args, os.fspath(compiled)])
            if run.returncode != 0:
                raise BenchError(f"yarac failed (exit {run.returncode}): {run.stderr.strip()[:2000]}")
            compiled_argv = [yara, *yara_defines(), "-C", "-p", str(jobs), "-r", os.fspath(compiled),
                             os.fspath(corpus.path)]
        yara_runs: list[Run] = []
        compiled_runs: list[Run] = []
        nocache_runs: list[Run] = []
        for i in range(args.repeat):
            suffix = f" ({i + 1}/{args.repeat})" if args.repeat > 1 else ""
            print(f"running  yara -p {jobs} -r ...{suffix}", flush=True)
            run = measure("yara", yara_argv)
            if run.returncode != 0 or run.stderr.strip():
                raise BenchError(f"yara CLI failed (exit {run.returncode}): {run.stderr.strip()[:2000]}")
            yara_runs.append(run)
            if compiled_argv is not None:
                print(f"running  yara -C -p {jobs} -r (precompiled with yarac) ...{suffix}", flush=True)
                run = measure("yara -C", compiled_argv)
                if run.returncode != 0 or run.stderr.strip():
                    raise BenchError(f"yara CLI failed (exit {run.returncode}): {run.stderr.strip()[:2000]}")
                compiled_runs.append(run)
            print(f"running  scamscan scan --no-cache --jobs {jobs} ...{suffix}", flush=True)
            run = measure("scamscan --no-cache", nocache_argv, env)
            check_scamscan(run)
            nocache_runs.append(run)
        yara_run, nocache_run = best_of(yara_runs), best_of(nocache_runs)
        yara_matches = sum(1 for ln in yara_run.stdout.splitlines() if ln.strip())

        first_out, rescan_out = tmp / "populate.jsonl", tmp / "rescan.jsonl"
        cached_argv = [*scan, "--format", "jsonl", "--jobs", str(jobs), "-o"]
        print("running  scamscan scan (result cache: populate, then rescan) ...", flush=True)
        populate = measure("scamscan populate", [*cached_argv, os.fspath(first_out), os.fspath(corpus.path)], env)
        check_scamscan(populate)
        rescan = measure("scamscan rescan", [*cached_argv, os.fspath(rescan_out), os.fspath(corpus.path)], env)
        check_scamscan(rescan)
        not_clean, _, hits = flagged(first_out)
        _, cache_hits, _ = flagged(rescan_out)
        control = positive_control(yara, rule_args, hits)

        # -- cold start ---------------------------------------------------------------------
        one = os.fspath(corpus.smallest)
        print(f"running  cold start x{args.cold_runs} on {corpus.smallest.name} ...\n", flush=True)
        cold = {
            "scamscan_with_rules": cold_start("cold", [*scan, "--no-cache", one], env, args.cold_runs),
            "scamscan_bundled_only": cold_start("cold-bundled", [scamscan, "scan", "--no-cache", one], env,
                                                args.cold_runs),
            "yara_cli_source_rules": cold_start("cold-yara", [yara, *yara_defines(), *rule_args, one], None,
                                                args.cold_runs),
        }

    ratio = nocache_run.wall / yara_run.wall
    ratio_best = min(r.wall for r in nocache_runs) / min(r.wall for r in yara_runs)
    ratio_cpu = statistics.median(r.cpu for r in nocache_runs) / statistics.median(r.cpu for r in yara_runs)
    compiled_run = best_of(compiled_runs) if compiled_runs else None
    speedup = nocache_run.wall / rescan.wall
    return {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "corpus": {"path": os.fspath(corpus.path), "files": corpus.files, "bytes": corpus.bytes,
                   "small_file": os.fspath(corpus.smallest)},
        "rules": {"path": os.fspath(rules), "files": len(files), "public_rules_cli": cli_rules,
                  "public_rules_yara_python": py_rules, "namespaced": namespaced},
        "jobs": jobs,
        "scamscan_bundled_rules": not args.no_bundled_rules,
        "repeat": args.repeat,
        "yara_version": yara_version,
        "runs": {
            "yara": {**summarise(yara_run, corpus), "matches": yara_matches},
            **({"yara_precompiled": summarise(compiled_run, corpus)} if compiled_run else {}),
            "scamscan_no_cache": summarise(nocache_run, corpus),
            "scamscan_populate": {**summarise(populate, corpus), "files_not_clean": not_clean,
                                  "yara_findings": len(hits)},
            "scamscan_rescan": {**summarise(rescan, corpus), "cache_hits": cache_hits},
        },
        "all_cpu_s": {"yara": [round(r.cpu, 3) for r in yara_runs],
                      "yara_precompiled": [round(r.cpu, 3) for r in compiled_runs],
                      "scamscan_no_cache": [round(r.cpu, 3) for r in nocache_runs]},
        "all_walls_s": {"yara": [round(r.wall, 3) for r in yara_runs],
                        "yara_precompiled": [round(r.wall, 3) for r in compiled_runs],
                        "scamscan_no_cache": [round(r.wall, 3) for r in nocache_runs]},
        "positive_control": control,
        "ratio_scamscan_over_yara": round(ratio, 3),
        "ratio_scamscan_over_yara_precompiled": round(nocache_run.wall / compiled_run.wall, 3) if compiled_run
        else None,
        "ratio_scamscan_over_yara_best": round(ratio_best, 3),
        "ratio_scamscan_over_yara_cpu": round(ratio_cpu, 3),
        "ratio_target": TARGET_RATIO,
        "load_average": {"start": load_start, "end": list(os.getloadavg())},
        "rescan_speedup": round(speedup, 1),
        "cold_start": cold,
        "cold_start_target_s": TARGET_COLD_START,
    }


def render(result: dict[str, Any]) -> str:
    runs = result["runs"]
    rows = [("yara CLI", runs["yara"]),
            *([("yara CLI -C (yarac, no compile)", runs["yara_precompiled"])] if "yara_precompiled" in runs else []),
            ("scamscan --no-cache", runs["scamscan_no_cache"]),
            ("scamscan (fill result cache)", runs["scamscan_populate"]),
            ("scamscan rescan (unchanged)", runs["scamscan_rescan"])]
    load = result["load_average"]
    lines = [f"{result['corpus']['files']} files, {result['corpus']['bytes'] / 1e6:.0f} MB, jobs {result['jobs']}, "
             f"{result['machine']['cpus']} CPUs" + (f", median of {result['repeat']}" if result["repeat"] > 1 else ""),
             f"load average {load['start'][0]:.2f} at start, {load['end'][0]:.2f} at end",
             "",
             f"{'':32} {'wall s':>8} {'CPU s':>7} {'files/s':>9} {'MB/s':>8} {'peak RSS MB':>12} {'peak PSS MB':>12}"]
    for label, r in rows:
        lines.append(f"{label:32} {r['wall_s']:8.2f} {r['cpu_s']:7.1f} {r['files_per_s']:9.1f} {r['mb_per_s']:8.1f} "
                     f"{r['peak_rss_mb']:12.1f} {r['peak_pss_mb']:12.1f}")
    ratio, speedup = result["ratio_scamscan_over_yara"], result["rescan_speedup"]
    control = result["positive_control"]
    lines += [
        "",
        "peak RSS: largest single process; peak PSS: sum over the process tree (scamscan forks workers)",
        f"yara CLI matches on the corpus: {runs['yara']['matches']}; scamscan files not clean: "
        f"{runs['scamscan_populate']['files_not_clean']} ({runs['scamscan_populate']['yara_findings']} YARA findings)",
        (f"positive control: yara CLI on {Path(control['file']).name} with filename externals set matches "
         f"{', '.join(control['yara_matches']) or 'nothing'} ({'OK' if control['ok'] else 'MISMATCH'}: scamscan "
         f"found {control['scamscan_rule']})") if control["checked"] else f"positive control: {control['note']}",
        f"rescan cache hits: {runs['scamscan_rescan']['cache_hits']}/{result['corpus']['files']}",
        "",
        f"ratio scamscan/yara (wall):   {ratio:.2f}   target <= {result['ratio_target']}  "
        f"{'MET' if ratio <= result['ratio_target'] else 'MISSED'}"
        + (f"   (best-of-{result['repeat']} ratio {result['ratio_scamscan_over_yara_best']:.2f})"
           if result["repeat"] > 1 else ""),
        f"ratio scamscan/yara (CPU):    {result['ratio_scamscan_over_yara_cpu']:.2f}   (information; user+sys)",
        *([f"ratio vs yara -C precompiled: {result['ratio_scamscan_over_yara_precompiled']:.2f}   (information)"]
          if result["ratio_scamscan_over_yara_precompiled"] is not None else []),
        f"rescan speed-up:              {speedup:.1f}x (--no-cache run / rescan)",
    ]
    cold = result["cold_start"]
    target = result["cold_start_target_s"]
    for key, label in (("scamscan_with_rules", "cold start, +signature-base"),
                       ("scamscan_bundled_only", "cold start, bundled rules"),
                       ("yara_cli_source_rules", "yara CLI one file (compiles)")):
        c = cold[key]
        met = "MET" if c["median_s"] < target else "MISSED"
        verdict = "" if key.startswith("yara") else f"   target < {target}  {met}"
        lines.append(f"{label + ':':29} {c['median_s']:.3f} s median, {c['peak_rss_mb']:.0f} MB RSS{verdict}")
    return "\n".join(lines)


def targets_met(result: dict[str, Any]) -> bool:
    cold = result["cold_start"]
    return bool(result["ratio_scamscan_over_yara"] <= result["ratio_target"]
                and cold["scamscan_with_rules"]["median_s"] < result["cold_start_target_s"]
                and cold["scamscan_bundled_only"]["median_s"] < result["cold_start_target_s"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES, help="YARA rule folder (default: %(default)s)")
    parser.add_argument("--corpus", type=Path, default=None,
                        help="folder to scan (default: Debian's libwine PE files via tests/corpora.py)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="cores for both (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=1, help="throughput runs per tool, median reported")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold-start runs, median reported")
    parser.add_argument("--no-bundled-rules", action="store_true",
                        help="scamscan runs only --rules (exactly yara's rule set) instead of bundled + --rules")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to FILE as JSON")
    parser.add_argument("--yara", default=None, help="yara CLI to compare against (default: yara on PATH)")
    parser.add_argument("--scamscan", default=None, help="scamscan executable (default: next to this Python)")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.cold_runs < 1 or args.jobs < 1:
        parser.error("--repeat, --cold-runs and --jobs must be at least 1")
    try:
        result = bench(args)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    print(render(result))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return 0 if targets_met(result) else 1


if __name__ == "__main__":
    sys.exit(main())
