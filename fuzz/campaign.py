"""Run the fuzz targets for a while and report executions, coverage and findings per target.

    python -m fuzz.campaign --seconds 600 [--targets zip,pdf] [--corpus DIR]
    python -m fuzz.campaign --smoke --corpus /tmp/fuzz-smoke      # CI: each target briefly

Each target runs in its own process (one at a time: one core), with its corpus kept
under `--corpus` between runs and seeded from samples/.  A slow input is a finding when its
CPU time passes `harness.HANG_CPU`; one that never returns is caught by libFuzzer's
`-timeout` (`UNIT_TIMEOUT`) or, failing that, by a wall clock of `--seconds` + `HANG_GRACE`.
Totals across runs are kept in `<corpus>/ledger.json`, so "10^6 executions per target" adds up
over several campaigns.  Exit status 1 when any target had a finding.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .seeds import seeds
from .targets import TARGETS

ROOT = Path(__file__).resolve().parent.parent
RSS_LIMIT_MB = 2048     # memory bound: an input that makes the process grow past it is a finding
MAX_LEN = 256 * 1024    # largest input libFuzzer makes
HANG_GRACE = 600        # seconds past --seconds before the process is a hang (startup, last input)
UNIT_TIMEOUT = 300      # libFuzzer's wall clock per input: one that never returns (harness.py: CPU time)
SMOKE_RUNS = 150        # --smoke: inputs per target (seeds first), uninstrumented
# libFuzzer's entropic scheduler, told to weigh a corpus input's energy by its execution time: a
# 300 ms input (a PDF whose broken xref makes pypdf search the file per object, an agile-encrypted
# document's 100,000 SHA-512 rounds) is then mutated less often than a 3 ms one.  Side by side, 90 s
# from the same corpus: pdf 65 -> 104, mail 100 -> 210, ole 225 -> 770 executions per CPU second,
# coverage equal or higher.  Slow inputs are still run and mutated, only less often.
SCHEDULE = ("-entropic_scale_per_exec_time=1",)
_COV = re.compile(r"cov: (\d+) ft: (\d+)")
_EXECS = re.compile(r"stat::number_of_executed_units: (\d+)")
_LAST = re.compile(r"(?s).*^#(\d+)\s", re.MULTILINE)  # last status line, when the process was killed


@dataclass
class Result:
    target: str
    seconds: float
    executions: int
    coverage: int
    features: int
    crashes: int
    hangs: int
    cpu: float = 0.0     # CPU seconds of the fuzzing process: exec/CPU-s compares runs on a loaded machine
    detail: str = ""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _seed_dir(corpus: Path, name: str) -> Path:
    out = corpus / name / "seeds"
    out.mkdir(parents=True, exist_ok=True)
    for sha, data in seeds(TARGETS[name].seeds).items():
        path = out / sha[:20]
        if not path.exists():
            path.write_bytes(data)
    return out


def run_target(name: str, seconds: int, corpus: Path, smoke: bool = False) -> Result:
    seed_dir = _seed_dir(corpus, name)
    work = corpus / name / "corpus"
    findings = corpus / name / "findings"
    work.mkdir(parents=True, exist_ok=True)
    findings.mkdir(parents=True, exist_ok=True)
    before = set(findings.iterdir())
    current = corpus / name / "current.bin"
    budget = f"-runs={SMOKE_RUNS} -seed=1" if smoke else f"-max_total_time={seconds}"  # smoke: reproducible
    cmd = [sys.executable, "-m", "fuzz.target", name, str(work), str(seed_dir), *budget.split(),
           f"-timeout={UNIT_TIMEOUT}", f"-rss_limit_mb={RSS_LIMIT_MB}", f"-max_len={MAX_LEN}",
           "-print_final_stats=1", f"-artifact_prefix={findings}/", "-close_fd_mask=1", *SCHEDULE]
    started = time.monotonic()
    cpu_before = _children_cpu()
    hang, log = 0, ""
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, errors="replace",
                              timeout=seconds + HANG_GRACE, env={**os.environ, "FUZZ_SMOKE": "1" if smoke else "0",
                                                                  "FUZZ_CURRENT": str(current)})
        log = proc.stderr
    except subprocess.TimeoutExpired as exc:
        hang = 1  # the process outlived its time by HANG_GRACE: the input it was on is kept
        log = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        if current.exists():
            current.rename(findings / f"hang-{int(time.time())}")
    elapsed = time.monotonic() - started
    cpu = _children_cpu() - cpu_before
    (corpus / name / "last.log").write_text(log)
    cov = _COV.findall(log)
    execs = _EXECS.search(log) or _LAST.search(log)
    new = sorted(set(findings.iterdir()) - before)
    # libFuzzer's slow-unit-* files are wall-clock reports (-report_slow_units); a niced campaign on a
    # loaded machine makes many.  Slowness is judged by CPU time in the harness (`harness.Hang`).
    new = [p for p in new if not p.name.startswith("slow-unit-")]
    hangs = sum(1 for p in new if p.name.startswith(("hang-", "timeout-")))
    hangs += 1 if "fuzz.harness.Hang" in log or "Hang: " in log else 0  # harness.Hang (CPU time)
    crashes = len(new) - hangs
    detail = ""
    if new or hang:
        tail = [ln for ln in log.splitlines() if "Error" in ln or "Exception" in ln or "Hang" in ln]
        detail = "; ".join(tail[-3:]) + "; " + ", ".join(p.name for p in new)
    return Result(name, round(elapsed, 1), int(execs.group(1)) if execs else 0,
                  int(cov[-1][0]) if cov else 0, int(cov[-1][1]) if cov else 0, max(crashes, 0), hangs,
                  round(cpu, 1), detail)


def _ledger(corpus: Path, results: list[Result]) -> dict[str, dict[str, int]]:
    path = corpus / "ledger.json"
    totals: dict[str, dict[str, int]] = json.loads(path.read_text()) if path.exists() else {}
    for r in results:
        t = totals.setdefault(r.target, {"executions": 0, "seconds": 0, "crashes": 0, "hangs": 0, "coverage": 0})
        t["cpu_seconds"] = t.get("cpu_seconds", 0) + int(r.cpu)
        t["executions"] += r.executions
        t["seconds"] += int(r.seconds)
        t["crashes"] += r.crashes
        t["hangs"] += r.hangs
        t["coverage"] = max(t["coverage"], r.coverage)
    path.write_text(json.dumps(totals, indent=1, sort_keys=True))
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="fuzzing time per target")
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated target names")
    parser.add_argument("--corpus", type=Path, default=ROOT / "fuzz" / "work", help="corpora, findings, ledger")
    parser.add_argument("--smoke", action="store_true",
                        help=f"CI smoke test: {SMOKE_RUNS} uninstrumented inputs per target, no ledger, "
                             "fail on any finding")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # pypdf & co. complain about broken samples while seeds are gathered
    names = [n for n in args.targets.split(",") if n]
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        parser.error(f"unknown targets {unknown}; known: {', '.join(TARGETS)}")
    results = []
    print(f"{'target':<8} {'secs':>6} {'cpu s':>6} {'execs':>9} {'exec/s':>7} {'/cpu s':>7} {'cov':>6} {'ft':>7} "
          f"{'crash':>5} {'hang':>4}")
    for name in names:
        r = run_target(name, args.seconds, args.corpus, args.smoke)
        results.append(r)
        rate = r.executions / r.seconds if r.seconds else 0
        per_cpu = r.executions / r.cpu if r.cpu else 0
        print(f"{r.target:<8} {r.seconds:>6.0f} {r.cpu:>6.0f} {r.executions:>9} {rate:>7.0f} {per_cpu:>7.0f} "
              f"{r.coverage:>6} {r.features:>7} "
              f"{r.crashes:>5} {r.hangs:>4} {r.detail}", flush=True)
    if not args.smoke:
        totals = _ledger(args.corpus, results)
        print("\ntotals across campaigns (ledger.json):")
        for name, t in sorted(totals.items()):
            print(f"  {name:<8} {t['executions']:>10} execs  {t['seconds']:>7} s  cov {t['coverage']:>6}  "
                  f"crashes {t['crashes']}  hangs {t['hangs']}")
        print(json.dumps([asdict(r) for r in results]))
    return 1 if any(r.crashes or r.hangs for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
