#!/usr/bin/env python3
"""What the `pe`, `signature` and `brand` checks add to a scan of the libwine corpus.

    python bench/pe_overhead.py [--rules DIR] [--jobs N] [--repeat K] [--corpus DIR]

Runs the same scan (``--no-cache``: result cache off, compiled-rule cache warm) with every
registered check and with those three removed from the registry, interleaved K times, in
fresh processes so each run forks its own workers.  Reports the median wall and CPU (user +
system of the whole process tree) of each and the overhead ratio; target: at most +15 %.
Bundled rules only by default; ``--rules ../shared/data/rulesets/signature-base/yara`` adds a
large third-party set.  Exit code 1 when the median wall overhead exceeds the target.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, os.fspath(REPO / "tests"))
from corpora import libwine_dir, libwine_skip_reason  # noqa: E402

TARGET = 0.15
MINE = ("PeCheck", "SignatureCheck", "BrandCheck")
CHILD = """
import json, sys, time
from scanner import checks
from scanner.api import Scanner
from scanner.config import Settings
if sys.argv[1] == "without":
    checks.CHECKS[:] = [c for c in checks.CHECKS if c.__name__ not in {mine!r}]
rules = tuple(a for a in sys.argv[4:])
s = Scanner(Settings(result_cache=False, rules_dirs=rules, jobs=int(sys.argv[3])))
t = time.perf_counter()
n = sum(1 for _ in s.scan_paths([sys.argv[2]], jobs=int(sys.argv[3])))
print(json.dumps({{"files": n, "wall": time.perf_counter() - t}}))
"""


def run(mode: str, corpus: Path, jobs: int, rules: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-c", CHILD.format(mine=MINE), mode, str(corpus), str(jobs), *rules],
                         capture_output=True, text=True, check=True, env=env, cwd=REPO)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return float(result["wall"]), cpu, int(result["files"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rules", action="append", default=[])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path)
    args = parser.parse_args()
    corpus = args.corpus or libwine_dir()
    if corpus is None:
        print(f"libwine corpus unavailable: {libwine_skip_reason()}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCAMSCAN_")}
        env["XDG_CACHE_HOME"] = cache
        for path in corpus.iterdir():  # page cache warm
            path.read_bytes() if path.is_file() else None
        run("with", corpus, args.jobs, args.rules, env)  # compiled-rule cache warm, not timed
        results: dict[str, list[tuple[float, float]]] = {"with": [], "without": []}
        files = 0
        start = time.time()
        for _ in range(args.repeat):
            for mode in ("without", "with"):
                wall, cpu, files = run(mode, corpus, args.jobs, args.rules, env)
                results[mode].append((wall, cpu))
    med = {m: (statistics.median(w for w, _ in r), statistics.median(c for _, c in r)) for m, r in results.items()}
    wall_ratio = med["with"][0] / med["without"][0] - 1
    cpu_ratio = med["with"][1] / med["without"][1] - 1
    print(f"{files} files, jobs {args.jobs}, rules: bundled{' + ' + ', '.join(args.rules) if args.rules else ''}, "
          f"median of {args.repeat} ({time.time() - start:.0f} s)")
    for mode in ("without", "with"):
        print(f"  {mode + ' pe/signature/brand':<28} wall {med[mode][0]:7.2f} s   CPU {med[mode][1]:7.2f} s")
    print(f"  overhead: wall {wall_ratio:+.1%}, CPU {cpu_ratio:+.1%}   target <= +{TARGET:.0%}  "
          f"{'MET' if wall_ratio <= TARGET else 'MISSED'}")
    return 0 if wall_ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
