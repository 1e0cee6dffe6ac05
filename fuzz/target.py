"""Run one fuzz target under atheris: ``python -m fuzz.target NAME [libFuzzer flags] [corpus dirs]``.

The scanner, and the libraries it parses with, are imported under
`atheris.instrument_imports` so coverage guides the mutations through their code.
"""

from __future__ import annotations

import signal
import sys

import atheris

with atheris.instrument_imports():
    import scanner.extract.mailparse
    import scanner.extract.msg  # noqa: F401
    from fuzz.harness import engine, scan
    from fuzz.targets import TARGETS


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: python -m fuzz.target {{{','.join(TARGETS)}}} [libFuzzer flags] [corpus dirs]")
    target = TARGETS[sys.argv[1]]
    engine()  # rules compiled once, before fuzzing starts

    # The engine's deadline is a SIGALRM timer (scanner/timeouts.py), and atheris installs a
    # SIGALRM handler of its own that exits.  A deadline that expires as its check ends leaves
    # the signal pending until after the previous handler is back, and atheris's then ends the
    # run ("fuzz target exited").  Outside the engine's deadlines SIGALRM is ignored, as in the CLI.
    def one_input(data: bytes) -> None:
        if signal.getsignal(signal.SIGALRM) is not signal.SIG_IGN:
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
        scan(data, target.filetype)

    atheris.Setup([sys.argv[0], *sys.argv[2:]], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
