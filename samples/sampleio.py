"""Writing built samples, shared by the samples/build_*.py scripts.

Only files whose bytes changed are written, so rebuilding is idempotent and
``--check`` can tell whether the committed samples match their sources.
"""

from __future__ import annotations

import argparse
import filecmp
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_samples(samples: dict[str, bytes], here: Path, check: bool) -> int:
    """Write (or with `check`, only compare) `samples` (paths relative to `here`); exit status."""
    changed = []
    for rel, data in sorted(samples.items()):
        path = here / rel
        if path.exists() and path.read_bytes() == data:
            continue
        changed.append(rel)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    for rel in changed:
        print(("differs: " if check else "wrote: ") + "samples/" + rel)
    if check:
        return 1 if changed else 0
    print(f"{len(samples)} samples, {len(changed)} written")
    return 0


def build_or_check(build: Callable[[Path], list[str]], here: Path, check: bool) -> int:
    """For scripts whose toolchain writes files itself: build into `here`, or with `check`
    into a temporary folder and report which files differ from the committed ones."""
    if not check:
        for rel in build(here):
            print(f"wrote samples/{rel}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        changed = [rel for rel in build(Path(tmp)) if not (here / rel).is_file()
                   or not filecmp.cmp(Path(tmp) / rel, here / rel, shallow=False)]
    for rel in changed:
        print(f"differs: samples/{rel}")
    return 1 if changed else 0


def main(build: Callable[[], dict[str, bytes]], here: Path, doc: str, argv: list[str] | None = None) -> int:
    """The command line of a build script whose `build()` returns the samples: ``[--check]``."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if a sample differs from a fresh build")
    return write_samples(build(), here, ap.parse_args(argv).check)
