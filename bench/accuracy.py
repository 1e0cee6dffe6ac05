"""Precision and recall of scamscan on real data that the project did not make.

```
python bench/accuracy.py [--corpus NAME ...] [--limit N] [--jobs N] [--json FILE] [--list] [--config FILE]
```

Corpora (rows of the table; all by default):

* ``ham/easy_ham_2``, ``ham/hard_ham_2``, ``phish/vendor``, ``phish/other``, ``powershell``, ``office``:
  unpacked once from ``../shared/data/corpora/*.tar.xz`` (see the README there);
* ``debian-doc``: Debian documentation packages (HTML, PDF), ``apt-get download`` + ``dpkg -x``;
* ``tex-doc``: TeX package manuals (PDF) from a Debian texlive documentation package, the same way;
* ``npm-js``: popular npm packages, ``npm pack`` + ``tar -xzf``;
* ``usr-share-doc``: this machine's ``/usr/share/doc``;
* ``tranco``: the Tranco top 10k (``../shared/data/benign-domains``), each domain as a one-line text
  ``https://<domain>/``;
* ``samples:lures`` / ``samples:clean``: ``samples/manifest.toml`` (a lure must keep its expected verdict).

Downloads and unpacked trees are cached under ``$XDG_CACHE_HOME/scamscan-corpora`` (``~/.cache``),
so reruns need no network.  A corpus that cannot be fetched is a ``skipped`` row with the reason.
Files are scanned with the library (`Scanner`, result cache off) over ``--jobs`` worker processes.
``--limit N`` scans an evenly spaced subset of N files per corpus, for quick runs.

Columns: files, flagged (suspicious or malicious), malicious, the expectation ("clean": precision
corpus, "flag": recall corpus, "measure": no target), and the five finding ids ("check:id") seen on
most flagged files.  Exit code 0 always when it ran (it measures; the targets are in issue 14).
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import os
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scanner.api import Scanner  # noqa: E402
from scanner.config import Settings, load_settings  # noqa: E402
from scanner.models import ItemReport, Verdict  # noqa: E402
from scanner.walk import Target  # noqa: E402

# ../shared/data next to the repository (or next to the folder of git worktrees); SCAMSCAN_SHARED_DATA overrides
SHARED = Path(os.environ.get("SCAMSCAN_SHARED_DATA") or next(
    (p / "shared" / "data" for p in (REPO.parent, REPO.parent.parent) if (p / "shared" / "data").is_dir()),
    REPO.parent / "shared" / "data"))
CORPORA = SHARED / "corpora"
TRANCO = SHARED / "benign-domains" / "tranco-top10k.txt"
DEB_DOCS = ("git-doc", "debian-reference-en", "developers-reference", "debian-policy", "gnuplot-doc", "apt-doc")
TEX_DOCS = ("texlive-humanities-doc",)  # TeX package manuals: PDFs that link to archives on CTAN
NPM_PACKAGES = ("lodash", "jquery", "react-dom", "axios", "moment", "express", "chart.js", "bootstrap",
                "vue", "d3", "underscore", "commander")
FLAGGED = (Verdict.SUSPICIOUS, Verdict.MALICIOUS)


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "scamscan-corpora"


@dataclass
class Row:
    corpus: str
    expect: str                      # clean | flag | measure
    files: int = 0
    flagged: int = 0
    malicious: int = 0
    top: list[tuple[str, int]] = field(default_factory=list)
    note: str = ""
    skipped: str = ""
    flagged_files: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Unavailable(Exception):
    """A corpus that cannot be fetched or unpacked: reported as a skipped row."""


# -- fetching ------------------------------------------------------------------------------------

def _run(cmd: list[str], cwd: Path, timeout: float = 600) -> None:
    if shutil.which(cmd[0]) is None:
        raise Unavailable(f"{cmd[0]} not installed")
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Unavailable(f"`{' '.join(cmd)}` failed: {exc}") from exc
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.startswith(("E:", "Err", "npm ERR", "npm error"))]
        raise Unavailable(f"`{' '.join(cmd[:3])}` failed: {'; '.join(lines[:2]) or proc.stderr.strip()[-200:]}")


def _tarball(archive: str, member: str) -> Path:
    """``member`` of ``corpora/<archive>.tar.xz``, unpacked once into the cache."""
    root = cache_root()
    target = root / member
    marker = root / f".{archive}.complete"
    if marker.is_file() and target.is_dir():
        return target
    src = CORPORA / f"{archive}.tar.xz"
    if not src.is_file():
        raise Unavailable(f"{src} not present")
    root.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(src, "r:xz") as tf:
            tf.extractall(root, filter="data")
    except (OSError, tarfile.TarError) as exc:
        raise Unavailable(f"cannot unpack {src.name}: {exc}") from exc
    if not target.is_dir():
        raise Unavailable(f"{src.name} holds no {member}/")
    marker.write_text("ok\n", encoding="utf-8")
    return target


def _debian_docs(folder: str = "debian-doc", packages: tuple[str, ...] = DEB_DOCS) -> Path:
    base = cache_root() / folder
    (base / "debs").mkdir(parents=True, exist_ok=True)
    root = base / "root"
    for pkg in packages:
        if (base / f".{pkg}.complete").is_file():
            continue
        debs = sorted((base / "debs").glob(f"{pkg}_*.deb"))
        if not debs:
            _run(["apt-get", "download", pkg], base / "debs")
            debs = sorted((base / "debs").glob(f"{pkg}_*.deb"))
        if not debs:
            raise Unavailable(f"apt-get download {pkg} wrote no .deb")
        _run(["dpkg", "-x", str(debs[-1]), str(root)], base)
        (base / f".{pkg}.complete").write_text("ok\n", encoding="utf-8")
    return root / "usr" / "share"


def _npm() -> Path:
    base = cache_root() / "npm-js"
    (base / "tgz").mkdir(parents=True, exist_ok=True)
    for pkg in NPM_PACKAGES:
        safe = pkg.replace("/", "_")
        if (base / f".{safe}.complete").is_file():
            continue
        tgz = sorted((base / "tgz").glob(f"{safe.replace('.', '')}*.tgz")) or \
            sorted((base / "tgz").glob(f"{safe}-*.tgz"))
        if not tgz:
            before = set((base / "tgz").glob("*.tgz"))
            _run(["npm", "pack", "--silent", pkg], base / "tgz", timeout=300)
            tgz = sorted(set((base / "tgz").glob("*.tgz")) - before)
        if not tgz:
            raise Unavailable(f"npm pack {pkg} wrote no .tgz")
        dest = base / "root" / safe
        dest.mkdir(parents=True, exist_ok=True)
        try:
            with tarfile.open(tgz[-1], "r:gz") as tf:
                tf.extractall(dest, filter="data")
        except (OSError, tarfile.TarError) as exc:
            raise Unavailable(f"cannot unpack {tgz[-1].name}: {exc}") from exc
        (base / f".{safe}.complete").write_text("ok\n", encoding="utf-8")
    return base / "root"


def _tranco() -> Path:
    if not TRANCO.is_file():
        raise Unavailable(f"{TRANCO} not present")
    base = cache_root() / "tranco"
    marker = base / ".complete"
    if not marker.is_file():
        base.mkdir(parents=True, exist_ok=True)
        for i, domain in enumerate(TRANCO.read_text(encoding="utf-8").split()):
            (base / f"{i:05d}-{domain}.txt").write_text(f"https://{domain}/\n", encoding="utf-8")
        marker.write_text("ok\n", encoding="utf-8")
    return base


def _usr_share_doc() -> Path:
    path = Path("/usr/share/doc")
    if not path.is_dir():
        raise Unavailable("/usr/share/doc not present")
    return path


# (name, expectation, source folder)
CORPUS_SOURCES: dict[str, tuple[str, Callable[[], Path]]] = {
    "ham/easy_ham_2": ("clean", lambda: _tarball("ham", "ham/easy_ham_2")),
    "ham/hard_ham_2": ("clean", lambda: _tarball("ham", "ham/hard_ham_2")),
    "phish/vendor": ("flag", lambda: _tarball("phish", "phish/vendor")),
    "phish/other": ("measure", lambda: _tarball("phish", "phish/other")),
    "powershell": ("clean", lambda: _tarball("powershell", "powershell")),
    "office": ("clean", lambda: _tarball("office", "office")),
    "debian-doc": ("clean", _debian_docs),
    "tex-doc": ("clean", lambda: _debian_docs("tex-doc", TEX_DOCS)),
    "npm-js": ("clean", _npm),
    "usr-share-doc": ("clean", _usr_share_doc),
    "tranco": ("clean", _tranco),
}
SAMPLE_ROWS = ("samples:lures", "samples:clean")
ALL = (*CORPUS_SOURCES, *SAMPLE_ROWS)


# -- scanning ------------------------------------------------------------------------------------

def files_under(root: Path) -> list[str]:
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.startswith(".") and name.endswith(".complete"):
                continue
            path = os.path.join(dirpath, name)
            if os.path.isfile(path) and not os.path.islink(path):
                found.append(path)
    return found


def subset(paths: list[str], limit: int) -> list[str]:
    if limit <= 0 or len(paths) <= limit:
        return paths
    step = len(paths) / limit
    return [paths[int(i * step)] for i in range(limit)]


def scan(scanner: Scanner, paths: list[str], jobs: int) -> dict[str, ItemReport]:
    targets: list[Target] = [Target(p) for p in paths]
    return {r.path: r for r in scanner.scan_targets(list(targets), jobs=jobs)}


def tally(row: Row, reports: Iterable[ItemReport]) -> Row:
    ids: collections.Counter[str] = collections.Counter()
    for r in reports:
        row.files += 1
        if r.verdict in FLAGGED:
            row.flagged += 1
            row.flagged_files.append(r.path)
            ids.update({f"{f.check}:{f.id}" for f in r.findings if f.score > 0})
        if r.verdict is Verdict.MALICIOUS:
            row.malicious += 1
    row.top = ids.most_common(5)
    return row


def corpus_row(name: str, scanner: Scanner, limit: int, jobs: int) -> Row:
    expect, source = CORPUS_SOURCES[name]
    row = Row(name, expect)
    started = time.monotonic()
    try:
        root = source()
    except Unavailable as exc:
        row.skipped = str(exc)
        return row
    paths = subset(files_under(root), limit)
    tally(row, scan(scanner, paths, jobs).values())
    row.seconds = time.monotonic() - started
    return row


def sample_rows(scanner: Scanner, jobs: int) -> list[Row]:
    with (REPO / "samples" / "manifest.toml").open("rb") as fh:
        entries = tomllib.load(fh).get("sample", [])
    started = time.monotonic()
    reports = scan(scanner, [str(REPO / e["path"]) for e in entries], jobs)
    lures, clean = Row("samples:lures", "flag"), Row("samples:clean", "clean")
    kept = {"samples:lures": 0, "samples:clean": 0}
    groups: dict[str, list[ItemReport]] = {"samples:lures": [], "samples:clean": []}
    for e in entries:
        key = "samples:lures" if e["verdict"] in ("suspicious", "malicious") else \
            "samples:clean" if e["verdict"] == "clean" else ""
        report = reports.get(str(REPO / e["path"]))
        if not key or report is None:
            continue
        groups[key].append(report)
        kept[key] += report.verdict.value == e["verdict"]
    for row in (lures, clean):
        tally(row, groups[row.corpus])
        row.note = f"expected verdict kept {kept[row.corpus]}/{row.files}"
        row.seconds = time.monotonic() - started
    return [lures, clean]


# -- output --------------------------------------------------------------------------------------

HEADER = (f"{'corpus':<16} {'expect':<7} {'files':>6} {'flagged':>8} {'flag%':>7} {'malicious':>9}  "
          f"top finding ids behind the flags (files)")


def line(r: Row) -> str:
    if r.skipped:
        return f"{r.corpus:<16} {r.expect:<7} {'-':>6} {'-':>8} {'-':>7} {'-':>9}  skipped: {r.skipped}"
    pct = f"{100 * r.flagged / r.files:.2f}" if r.files else "-"
    top = ", ".join(f"{k} {n}" for k, n in r.top) or "-"
    note = f"  [{r.note}]" if r.note else ""
    return f"{r.corpus:<16} {r.expect:<7} {r.files:>6} {r.flagged:>8} {pct:>7} {r.malicious:>9}  {top}{note}"


def table(rows: list[Row]) -> str:
    return "\n".join([HEADER, *map(line, rows)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", action="append", choices=ALL, metavar="NAME",
                    help=f"corpus to measure (repeatable; default all): {', '.join(ALL)}")
    ap.add_argument("--limit", type=int, default=0, help="scan an evenly spaced subset of N files per corpus")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--json", metavar="FILE", help="write every row (with the flagged files) as JSON")
    ap.add_argument("--show-flagged", action="store_true", help="list the flagged files of clean corpora")
    ap.add_argument("--list", action="store_true", help="list the corpus names and exit")
    ap.add_argument("--config", metavar="FILE", help="TOML settings file (default: the built-in defaults)")
    args = ap.parse_args(argv)
    if args.list:
        print("\n".join(ALL))
        return 0
    chosen = args.corpus or list(ALL)
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # font warnings of real PDFs would drown the table
    settings = load_settings(args.config) if args.config else Settings()
    scanner = Scanner(settings.replace(result_cache=False))
    rows: list[Row] = []
    for name in chosen:
        if name in CORPUS_SOURCES:
            rows.append(corpus_row(name, scanner, args.limit, args.jobs))
            print(f"... {line(rows[-1])} ({rows[-1].seconds:.0f} s)", file=sys.stderr, flush=True)
    if any(n in SAMPLE_ROWS for n in chosen):
        rows.extend(r for r in sample_rows(scanner, args.jobs) if r.corpus in chosen)
    print(table(rows))
    if args.show_flagged:
        for r in rows:
            if r.expect == "clean" and r.flagged_files:
                print(f"\n{r.corpus}: flagged\n  " + "\n  ".join(sorted(r.flagged_files)))
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in rows], indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
