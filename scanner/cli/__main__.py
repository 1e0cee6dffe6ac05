"""`python -m scanner.cli`: the same command as `scamscan`."""

from __future__ import annotations

from .main import main

if __name__ == "__main__":
    main()
