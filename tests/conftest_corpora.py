"""Session fixture for the libwine corpus (to be wired into conftest.py by the lead)::

    from conftest_corpora import libwine  # noqa: F401  (re-export the fixture)

(conftest.py puts tests/ on sys.path, so the plain import works whatever the import mode.)

Tests using it should be marked ``@pytest.mark.network`` and ``@pytest.mark.slow``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from corpora import libwine_dir, libwine_skip_reason


@pytest.fixture(scope="session")
def libwine() -> Path:
    """Folder of ~700 real Windows PE files from Debian's libwine; skipped visibly when it cannot be fetched."""
    root = libwine_dir()
    if root is None:
        pytest.skip(f"libwine corpus unavailable: {libwine_skip_reason()}")
    return root
