#!/usr/bin/env python3
"""scamscan's gateways, two or more revisions side by side: `bench/gateway.py`'s measurements (no clamd).

    python bench/gateway_compare.py --source old=/tmp/old-checkout --source new=. [--rounds 3]
        [--messages 200] [--signature-base DIR | --no-signature-base] [--json FILE]

Each ``--source LABEL=DIR`` is a checkout (``git worktree add --detach DIR REV``) whose ``scanner``
the daemons import (PYTHONPATH), with this venv's packages.  The machine is shared and its load
varies, so the sources are alternated round by round (same messages, same order) and the table
gives the median of the rounds per source, rule set and path, with the load average seen.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gateway

PATHS = {"scamscan_instream": "INSTREAM", "postfix_scamscan_milter": "milter"}


def one_round(sources: list[tuple[str, str]], sets: list[tuple[str, list[str]]], msgs: list[bytes],
              runs: list[dict[str, Any]]) -> None:
    for label, source in sources:
        gateway.SOURCE = str(Path(source).resolve())
        for name, rules in sets:
            with tempfile.TemporaryDirectory(prefix="scamscan-bench-cmp-") as t:
                load = os.getloadavg()[0]
                res = gateway.run_set(name, rules, msgs, Path(t), clamav=False)
            for key, path in PATHS.items():
                runs.append({"source": label, "rules": name, "path": path, "load": round(load, 2), **res[key]})
                print(json.dumps(runs[-1]), flush=True)


def table(runs: list[dict[str, Any]], labels: list[str]) -> str:
    rows = ["| rules, path | " + " | ".join(f"{x} p50 / p99 ms, msgs/s" for x in labels) + " | load |",
            "|---|" + "---|" * (len(labels) + 1)]
    for name in dict.fromkeys(r["rules"] for r in runs):
        for path in PATHS.values():
            cells, loads = [], []
            for label in labels:
                mine = [r for r in runs if (r["source"], r["rules"], r["path"]) == (label, name, path)]
                loads += [r["load"] for r in mine]
                med = {k: statistics.median(r[k] for r in mine) for k in ("p50_ms", "p99_ms", "msgs_per_s")}
                cells.append(f"{med['p50_ms']:.1f} / {med['p99_ms']:.1f}, {med['msgs_per_s']:.1f}")
            rows.append(f"| {name}, {path} | " + " | ".join(cells) + f" | {min(loads):.1f}-{max(loads):.1f} |")
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", action="append", required=True, metavar="LABEL=DIR")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--messages", type=int, default=200)
    ap.add_argument("--signature-base", default=str(gateway.SIGNATURE_BASE))
    ap.add_argument("--no-signature-base", action="store_true")
    ap.add_argument("--json")
    args = ap.parse_args()
    sources = [tuple(s.split("=", 1)) if "=" in s else (s, s) for s in args.source]
    sets: list[tuple[str, list[str]]] = [("bundled", [])]
    if not args.no_signature_base:
        if not Path(args.signature_base).is_dir():
            ap.error(f"no signature-base at {args.signature_base}: give --signature-base DIR or --no-signature-base")
        sets.append(("signature-base", [args.signature_base]))
    msgs = gateway.messages(2 * args.messages)
    os.environ["XDG_CACHE_HOME"] = cache = tempfile.mkdtemp(prefix="scamscan-bench-cmp-cache-")
    runs: list[dict[str, Any]] = []
    try:
        for n in range(args.rounds):
            print(f"round {n + 1}/{args.rounds}", file=sys.stderr, flush=True)
            one_round(sources if n % 2 == 0 else sources[::-1], sets, msgs, runs)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    print(table(runs, [label for label, _ in sources]))
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
