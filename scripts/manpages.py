"""Write the man pages of the `scamscan` command into man/ (one page per command, click-man).

Run after changing a command or an option: `python scripts/manpages.py` (tests/test_packaging.py
fails while man/ is out of date).  Install them with `cp man/*.1 /usr/local/share/man/man1/`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from click_man.core import write_man_pages

from scanner.cli import main
from scanner.version import __version__

DATE = "2026-01-01"  # fixed, so regenerating without a change gives the same bytes


def write(target: Path) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    write_man_pages("scamscan", main, version=__version__, target_dir=str(target), date=DATE)
    return sorted(target.glob("*.1"))


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "man"
    for page in write(out):
        print(page)
