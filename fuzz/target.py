"""Run one fuzz target under atheris: ``python -m fuzz.target NAME [libFuzzer flags] [corpus dirs]``.

The scanner, and the libraries it parses with, are imported under
`atheris.instrument_imports` so coverage guides the mutations through their code.
"""

from __future__ import annotations

import contextlib
import os
import sys

import atheris

# FUZZ_SMOKE=1 (CI's smoke run): no coverage instrumentation, so a target starts in about a
# second; mutations are then blind, which is all a smoke test needs.
_SMOKE = os.environ.get("FUZZ_SMOKE") == "1"
with contextlib.nullcontext() if _SMOKE else atheris.instrument_imports():
    # What the engine imports on first use, imported here so that it is instrumented too.
    import scanner.executables.imports
    import scanner.extract.mailparse
    import scanner.extract.msg
    import scanner.trust.authenticode
    import scanner.trust.cms  # noqa: F401
    from fuzz.harness import disable_deadline, engine, scan
    from fuzz.targets import TARGETS

    disable_deadline()


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: python -m fuzz.target {{{','.join(TARGETS)}}} [libFuzzer flags] [corpus dirs]")
    target = TARGETS[sys.argv[1]]
    engine()  # rules compiled once, before fuzzing starts

    def one_input(data: bytes) -> None:
        scan(data, target.filetype)

    atheris.Setup([sys.argv[0], *sys.argv[2:]], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
