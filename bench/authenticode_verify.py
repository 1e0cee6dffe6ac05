#!/usr/bin/env python3
"""Time `trust.authenticode.verify` per signed file: the signature, path and timestamp checks.

    python bench/authenticode_verify.py [--repeat K] [FILE ...]

`bench/pe_overhead.py` scans libwine, whose PE files are unsigned, so it does not see the
cost of verifying a signature; this does.  Default files: every signed PE sample and, when
cached (tests/corpora.py), Debian's Microsoft-signed shimx64.efi.signed.  Prints the median
and the fastest of K verifications per file (trust store loaded and LIEF imported beforehand); on
a shared machine the fastest is the steadier figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, os.fspath(REPO / "tests"))
from corpora import shim_signed_file  # noqa: E402

from scanner.config import Settings  # noqa: E402
from scanner.executables import pe  # noqa: E402
from scanner.executables.facts import trust_store  # noqa: E402
from scanner.trust import authenticode  # noqa: E402


def default_files() -> list[Path]:
    files = [p for p in sorted((REPO / "samples/lures/pe").glob("*.exe")) if pe.parse(p.read_bytes()).signed]
    shim = shim_signed_file()
    return files + ([shim] if shim is not None else [])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    store = trust_store(Settings())
    total, best = [], []
    for path in args.files or default_files():
        data = path.read_bytes()
        security = pe.parse(data).security
        authenticode.verify(data, security, store)  # warm
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            authenticode.verify(data, security, store)
            times.append(time.perf_counter() - start)
        total.append(statistics.median(times))
        best.append(min(times))
        print(f"  {path.name:<48} median {total[-1] * 1000:7.2f} ms   fastest {best[-1] * 1000:7.2f} ms")
    print(f"{len(total)} files, {args.repeat} runs each: mean per file {statistics.mean(total) * 1000:.2f} ms "
          f"(median), {statistics.mean(best) * 1000:.2f} ms (fastest)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
