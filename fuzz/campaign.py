"""Run the fuzz targets for a while and report executions, coverage and findings per target.

    python -m fuzz.campaign --seconds 600 [--targets zip,pdf] [--corpus DIR] [--smoke]

Each target runs in its own process (one at a time: one core), with its corpus kept
under `--corpus` between runs and seeded from samples/.  libFuzzer's `-timeout` is off
(the engine's SIGALRM deadline would fight it; `harness.py` measures hangs instead) and a
wall clock of `--seconds` + `HANG_GRACE` catches a hang no signal interrupts.  Totals
across runs are kept in `<corpus>/ledger.json`, so "10^6 executions per target" adds up
over several campaigns.  Exit status 1 when any target had a finding.
"""

from __future__ import annotations

import argparse
import json
import re
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
HANG_GRACE = 120        # seconds past --seconds before the process is a hang (startup, last input)
_COV = re.compile(r"cov: (\d+) ft: (\d+)")
_EXECS = re.compile(r"stat::number_of_executed_units: (\d+)")


@dataclass
class Result:
    target: str
    seconds: float
    executions: int
    coverage: int
    features: int
    crashes: int
    hangs: int
    detail: str = ""


def _seed_dir(corpus: Path, name: str) -> Path:
    out = corpus / name / "seeds"
    out.mkdir(parents=True, exist_ok=True)
    for sha, data in seeds(TARGETS[name].seeds).items():
        path = out / sha[:20]
        if not path.exists():
            path.write_bytes(data)
    return out


def run_target(name: str, seconds: int, corpus: Path) -> Result:
    seed_dir = _seed_dir(corpus, name)
    work = corpus / name / "corpus"
    findings = corpus / name / "findings"
    work.mkdir(parents=True, exist_ok=True)
    findings.mkdir(parents=True, exist_ok=True)
    before = set(findings.iterdir())
    cmd = [sys.executable, "-m", "fuzz.target", name, str(work), str(seed_dir),
           f"-max_total_time={seconds}", "-timeout=0", f"-rss_limit_mb={RSS_LIMIT_MB}", f"-max_len={MAX_LEN}",
           "-print_final_stats=1", f"-artifact_prefix={findings}/", "-close_fd_mask=1"]
    started = time.monotonic()
    hang, log = 0, ""
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, errors="replace",
                              timeout=seconds + HANG_GRACE)
        log = proc.stderr
    except subprocess.TimeoutExpired as exc:
        hang = 1
        log = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
    elapsed = time.monotonic() - started
    (corpus / name / "last.log").write_text(log)
    cov = _COV.findall(log)
    execs = _EXECS.search(log)
    new = sorted(set(findings.iterdir()) - before)
    hangs = hang + sum(1 for p in new if "Hang:" in log)
    crashes = len(new) - (hangs - hang)
    detail = ""
    if new or hang:
        tail = [ln for ln in log.splitlines() if "Error" in ln or "Exception" in ln or "Hang" in ln]
        detail = "; ".join(tail[-3:]) + "; " + ", ".join(p.name for p in new)
    return Result(name, round(elapsed, 1), int(execs.group(1)) if execs else 0,
                  int(cov[-1][0]) if cov else 0, int(cov[-1][1]) if cov else 0, max(crashes, 0), hangs, detail)


def _ledger(corpus: Path, results: list[Result]) -> dict[str, dict[str, int]]:
    path = corpus / "ledger.json"
    totals: dict[str, dict[str, int]] = json.loads(path.read_text()) if path.exists() else {}
    for r in results:
        t = totals.setdefault(r.target, {"executions": 0, "seconds": 0, "crashes": 0, "hangs": 0, "coverage": 0})
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
    parser.add_argument("--smoke", action="store_true", help="CI smoke test: no ledger, fail on any finding")
    args = parser.parse_args(argv)
    names = [n for n in args.targets.split(",") if n]
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        parser.error(f"unknown targets {unknown}; known: {', '.join(TARGETS)}")
    results = []
    print(f"{'target':<8} {'secs':>6} {'execs':>9} {'exec/s':>7} {'cov':>6} {'ft':>7} {'crash':>5} {'hang':>4}")
    for name in names:
        r = run_target(name, args.seconds, args.corpus)
        results.append(r)
        rate = r.executions / r.seconds if r.seconds else 0
        print(f"{r.target:<8} {r.seconds:>6.0f} {r.executions:>9} {rate:>7.0f} {r.coverage:>6} {r.features:>7} "
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
