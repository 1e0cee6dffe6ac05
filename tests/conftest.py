"""Suite-wide isolation and fixtures.

Every test (and every `scamscan` subprocess a test starts) sees ``XDG_CACHE_HOME`` pointing at a
session temporary folder, so compiled-rule and result caches never touch the user's
``~/.cache/scamscan``; ``SCAMSCAN_*`` variables from the caller's environment are removed and ``XDG_CONFIG_HOME`` is
emptied, so a user's settings cannot change results.  Only the downloaded test corpora (``scamscan-corpora``) are shared
with the caller's cache, through a symlink, so they are not fetched again every session.
"""

from __future__ import annotations

import os
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Test modules import `helpers` (and the lead's `corpora`) from this folder whatever the import mode.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import TEST_RULES, GiB, make_zip, write_rules_dir, zip64_zero_bomb

from scanner.api import Scanner
from scanner.config import Settings


@pytest.fixture(scope="session")
def cache_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The XDG_CACHE_HOME of this test session (scamscan's caches live in <it>/scamscan)."""
    return tmp_path_factory.mktemp("xdg-cache")


def _share_corpora_cache(cache_home: Path) -> None:
    """Keep the big downloaded corpora (tests/corpora.py, ``$XDG_CACHE_HOME/scamscan-corpora``) in the
    caller's cache so they are fetched once, not once per session; scamscan's own caches stay isolated."""
    original = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    target = Path(original) / "scamscan-corpora"
    try:
        target.mkdir(parents=True, exist_ok=True)
        (cache_home / "scamscan-corpora").symlink_to(target, target_is_directory=True)
    except OSError:
        pass  # no shared cache: a corpus test fetches into the session folder instead


@pytest.fixture(scope="session", autouse=True)
def _isolated_environment(cache_home: Path) -> Iterator[None]:
    _share_corpora_cache(cache_home)
    saved = dict(os.environ)
    for key in list(os.environ):
        if key.startswith("SCAMSCAN_"):
            del os.environ[key]
    os.environ["XDG_CACHE_HOME"] = str(cache_home)
    os.environ["XDG_CONFIG_HOME"] = str(cache_home / "xdg-config")  # no user config file applies
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """A `--rules` folder with the TEST_* rules (no IOC lists)."""
    return write_rules_dir(tmp_path / "test-rules", {"test.yar": TEST_RULES})


@pytest.fixture
def make_scanner(tmp_path: Path) -> Callable[..., Scanner]:
    """Build a Scanner over `rules` only (no bundled rules), with a per-test cache dir by default."""

    def factory(rules: Path | None = None, *, bundled: bool = False, **overrides: object) -> Scanner:
        dirs = (str(rules),) if rules is not None else ()
        values: dict[str, object] = {"rules_dirs": dirs, "use_bundled_rules": bundled,
                                     "cache_dir": str(tmp_path / "scanner-cache"), "jobs": 1}
        values.update(overrides)
        return Scanner(Settings().replace(**values))

    return factory


@pytest.fixture(scope="session")
def bomb_inner() -> bytes:
    """A ZIP64 archive holding zeros.bin, declared and truly 3 GiB of zeros (about 3 MB on disk)."""
    return zip64_zero_bomb("zeros.bin", 3 * GiB)


@pytest.fixture(scope="session")
def bomb_zip(tmp_path_factory: pytest.TempPathFactory, bomb_inner: bytes) -> Path:
    """bomb.zip > inner.zip (deflated by stdlib zipfile) > zeros.bin (3 GiB)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    path.write_bytes(make_zip({"inner.zip": bomb_inner}, zipfile.ZIP_DEFLATED))
    return path


@pytest.fixture(scope="session")
def bomb_zip_stored(tmp_path_factory: pytest.TempPathFactory, bomb_inner: bytes) -> Path:
    """bomb.zip > inner.zip (stored, so the outer ratio is 1) > zeros.bin (3 GiB)."""
    path = tmp_path_factory.mktemp("bomb-stored") / "bomb.zip"
    path.write_bytes(make_zip({"inner.zip": bomb_inner}, zipfile.ZIP_STORED))
    return path
