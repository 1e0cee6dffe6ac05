"""Run one fuzz target under atheris: ``python -m fuzz.target NAME [libFuzzer flags] [corpus dirs]``.

The scanner, and the libraries it parses with, are imported under
`atheris.instrument_imports` so coverage guides the mutations through their code.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys

import atheris

from fuzz.targets import TARGETS  # imports nothing from scanner (see fuzz/targets.py)

# FUZZ_SMOKE=1 (CI's smoke run): no coverage instrumentation, so a target starts in about a
# second; mutations are then blind, which is all a smoke test needs.  Otherwise only `scanner`
# and the target's parser libraries are instrumented: instrumenting everything the engine
# imports made the mail target run 4 inputs a second.
_SMOKE = os.environ.get("FUZZ_SMOKE") == "1"
_NAME = sys.argv[1] if len(sys.argv) > 1 else ""
_INCLUDE = ["scanner", *(TARGETS[_NAME].libraries if _NAME in TARGETS else ())]
with contextlib.nullcontext() if _SMOKE else atheris.instrument_imports(include=_INCLUDE):
    # What the engine imports on first use, imported here so that it is instrumented too.
    import scanner.executables.imports
    import scanner.extract.mailparse
    import scanner.extract.msg
    import scanner.trust.authenticode
    import scanner.trust.cms  # noqa: F401
    from fuzz.harness import disable_deadline, engine, run

    for _library in _INCLUDE[1:]:  # parsers the scanner imports lazily, on first use
        importlib.import_module(_library)
    disable_deadline()
    engine()  # rules compiled once, before fuzzing starts; its lazy imports instrumented too


def main() -> None:
    # pypdf & co. log a warning per broken object (10,000 lines for one mutated PDF); the scanner's
    # own entry points silence them too, and writing them would be most of a PDF input's time.
    logging.disable(logging.CRITICAL)
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: python -m fuzz.target {{{','.join(TARGETS)}}} [libFuzzer flags] [corpus dirs]")
    filetype = TARGETS[sys.argv[1]].filetype

    def one_input(data: bytes) -> None:
        run(data, filetype)

    atheris.Setup([sys.argv[0], *sys.argv[2:]], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
