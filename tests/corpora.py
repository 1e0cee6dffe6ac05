"""Real benign corpora that are too large to commit, fetched once and cached.

`libwine_dir()` returns the folder of ~700 real Windows PE files from Debian's
``libwine`` package (``apt-get download libwine`` + ``dpkg -x``), cached under
``$XDG_CACHE_HOME/scamscan-corpora/libwine/`` (default ``~/.cache``).  Layout::

    libwine/
      libwine_<version>_<arch>.deb   the downloaded package (kept: rebuilds need no network)
      root/                          the package extracted with dpkg -x
      .complete                      marker, written only after root/ is complete
      .lock                          serialises concurrent callers (pytest-xdist, bench)

The package is extracted into a temporary folder next to ``root/`` and renamed
into place, then the marker is written, so an interrupted run never leaves a
half corpus that looks complete: without the marker ``root/`` is rebuilt.
With the marker present a call does no network and no extraction.

When ``apt-get``/``dpkg`` are missing or the download fails, `libwine_dir()`
returns None and `libwine_skip_reason()` says why, for ``pytest.skip(reason)``.
Standard library only: the bench scripts import this module too.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

PACKAGE = "libwine"
# Where dpkg -x puts the Windows PE files; the first existing one wins (the
# package for another architecture ships e.g. aarch64-windows instead).
PE_SUBDIRS = (
    "usr/lib/x86_64-linux-gnu/wine/x86_64-windows",
    "usr/lib/*/wine/*-windows",
)
MARKER = ".complete"
DOWNLOAD_TIMEOUT = 900.0
EXTRACT_TIMEOUT = 600.0

_libwine: tuple[Path | None, str] | None = None  # (dir, skip reason), memoised per process


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/scamscan-corpora`` (``~/.cache`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "scamscan-corpora"


def libwine_dir() -> Path | None:
    """The folder of libwine's Windows PE files, fetched and extracted on first use; None if unavailable."""
    global _libwine
    if _libwine is None or _libwine[0] is None or not _libwine[0].is_dir():
        _libwine = _ensure_libwine(cache_root() / PACKAGE)
    return _libwine[0]


def libwine_skip_reason() -> str:
    """Why `libwine_dir()` is None, e.g. "`apt-get download libwine` failed (no registry reachable?): E: ...";
    "" when the corpus is available.  Callers prefix it: ``pytest.skip(f"libwine corpus unavailable: {reason}")``."""
    libwine_dir()
    assert _libwine is not None
    return _libwine[1]


def all_pe_files(root: Path) -> list[Path]:
    """Every regular file under `root` that starts with the DOS ``MZ`` magic, sorted."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            try:
                with path.open("rb") as fh:
                    if fh.read(2) == b"MZ":
                        found.append(path)
            except OSError:
                continue
    return found


# -- internals --------------------------------------------------------------

def _pe_dir(root: Path) -> Path | None:
    for pattern in PE_SUBDIRS:
        for candidate in sorted(root.glob(pattern)):
            if candidate.is_dir() and any(candidate.iterdir()):
                return candidate
    return None


def _complete(base: Path) -> Path | None:
    if not (base / MARKER).is_file():
        return None
    return _pe_dir(base / "root")


@contextlib.contextmanager
def _locked(base: Path) -> Iterator[None]:
    with open(base / ".lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _fetch_once(base: Path, ready: Callable[[], Path | None], build: Callable[[], tuple[Path | None, str]],
                failed: str) -> tuple[Path | None, str]:
    """`ready()` if the cache has it (no lock, no network), else `build()` under the cache lock
    (rechecked: another process may have finished while we waited); (path or None, skip reason)."""
    found = ready()
    if found is not None:
        return found, ""
    missing = [tool for tool in ("apt-get", "dpkg") if shutil.which(tool) is None]
    if missing:
        return None, f"{' and '.join(missing)} not installed (needs Debian/Ubuntu)"
    try:
        base.mkdir(parents=True, exist_ok=True)
        with _locked(base):
            found = ready()
            return (found, "") if found is not None else build()
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"{failed}: {exc}"


def _ensure_libwine(base: Path) -> tuple[Path | None, str]:
    return _fetch_once(base, lambda: _complete(base), lambda: _build(base), f"cannot write the corpus cache {base}")


def _build(base: Path) -> tuple[Path | None, str]:
    for stale in base.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)  # left by an interrupted run (we hold the lock)
    (base / MARKER).unlink(missing_ok=True)
    debs = sorted(base.glob(f"{PACKAGE}_*.deb"))
    if debs:
        result = _extract(base, debs[-1])
        if result[0] is not None:
            return result
        for deb in debs:
            deb.unlink(missing_ok=True)  # a damaged download: fetch it again
    deb_or_reason = _download(base)
    if isinstance(deb_or_reason, str):
        return None, deb_or_reason
    return _extract(base, deb_or_reason)


def _download(base: Path) -> Path | str:
    with tempfile.TemporaryDirectory(prefix=".tmp-download-", dir=base) as tmp:
        try:
            proc = subprocess.run(["apt-get", "download", PACKAGE], cwd=tmp, capture_output=True, text=True,
                                  timeout=DOWNLOAD_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"`apt-get download {PACKAGE}` failed: {exc}"
        debs = sorted(Path(tmp).glob(f"{PACKAGE}_*.deb"))
        if proc.returncode != 0 or not debs:
            # stderr also carries the harmless "_apt sandbox" warning when run as root: keep the errors
            lines = [ln for ln in proc.stderr.splitlines() if ln.startswith(("E:", "Err"))] or \
                proc.stderr.strip().splitlines()[-2:]
            detail = "; ".join(lines) or f"exit code {proc.returncode}, no .deb written"
            return f"`apt-get download {PACKAGE}` failed (no registry reachable?): " \
                   f"{detail}"
        target = base / debs[-1].name
        os.replace(debs[-1], target)
        return target


def _extract(base: Path, deb: Path) -> tuple[Path | None, str]:
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-extract-", dir=base))
    try:
        try:
            proc = subprocess.run(["dpkg", "-x", os.fspath(deb), os.fspath(tmp)], capture_output=True, text=True,
                                  timeout=EXTRACT_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"`dpkg -x {deb.name}` failed: {exc}"
        if proc.returncode != 0:
            return None, f"`dpkg -x {deb.name}` failed: {proc.stderr.strip()}"
        if _pe_dir(tmp) is None:
            return None, f"{deb.name} holds no {PE_SUBDIRS[-1]} folder"
        root = base / "root"
        if root.exists():  # an old, unmarked (possibly partial) extraction: move aside, then delete
            old = base / f".tmp-old-{os.getpid()}"
            os.rename(root, old)
            shutil.rmtree(old, ignore_errors=True)
        os.rename(tmp, root)
        marker_tmp = base / f".tmp-marker-{os.getpid()}"
        marker_tmp.write_text(f"{deb.name}\n", encoding="utf-8")
        os.replace(marker_tmp, base / MARKER)
        found = _pe_dir(root)
        assert found is not None
        return found, ""
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


# -- shim-signed: a real Microsoft-signed UEFI binary (Authenticode tests) ----------

SHIM_PACKAGE = "shim-signed"
SHIM_FILE = "usr/lib/shim/shimx64.efi.signed"
_shim: tuple[Path | None, str] | None = None


def shim_signed_file() -> Path | None:
    """Debian's ``shimx64.efi.signed`` (package shim-signed: shim, signed by Microsoft's UEFI CA), fetched
    once into ``$XDG_CACHE_HOME/scamscan-corpora/shim-signed/``; None when unavailable (see `shim_skip_reason`)."""
    global _shim
    if _shim is None or _shim[0] is None or not _shim[0].is_file():
        _shim = _ensure_shim(cache_root() / SHIM_PACKAGE)
    return _shim[0]


def shim_skip_reason() -> str:
    shim_signed_file()
    assert _shim is not None
    return _shim[1]


def _ensure_shim(base: Path) -> tuple[Path | None, str]:
    target = base / "root" / SHIM_FILE

    def ready() -> Path | None:
        return target if (base / MARKER).is_file() and target.is_file() else None

    def build() -> tuple[Path | None, str]:
        with tempfile.TemporaryDirectory(prefix=".tmp-", dir=base) as tmp:
            proc = subprocess.run(["apt-get", "download", SHIM_PACKAGE], cwd=tmp, capture_output=True,
                                  text=True, timeout=DOWNLOAD_TIMEOUT, check=False)
            debs = sorted(Path(tmp).glob(f"{SHIM_PACKAGE}_*.deb"))
            if proc.returncode != 0 or not debs:
                return None, f"`apt-get download {SHIM_PACKAGE}` failed: {proc.stderr.strip()[-300:]}"
            out = Path(tmp) / "root"
            subprocess.run(["dpkg", "-x", os.fspath(debs[-1]), os.fspath(out)], check=True,
                           capture_output=True, timeout=EXTRACT_TIMEOUT)
            if not (out / SHIM_FILE).is_file():
                return None, f"{debs[-1].name} holds no {SHIM_FILE}"
            shutil.rmtree(base / "root", ignore_errors=True)
            os.rename(out, base / "root")
        (base / MARKER).write_text(f"{SHIM_PACKAGE}\n", encoding="utf-8")
        return target, ""

    return _fetch_once(base, ready, build, f"cannot fetch {SHIM_PACKAGE}")
