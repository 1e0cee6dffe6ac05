"""Rule CI: lint, test and compile detection rule folders (`scamscan rules ...`)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yara

from ..rules import RuleError, compile_files, find_rule_files
from .catalog import RuleSource
from .lint import REQUIRED_META, Problem, lint
from .ruletest import RuleResult, SampleResult, TestReport, run_tests


def compile_bundle(dirs: list[Path], out: Path) -> int:
    """Compile `dirs` exactly as the scanner does and save the bundle; returns the rule count.
    Raises `RuleError` when the sources do not compile."""
    files = find_rule_files([RuleSource.of(d).yara_dir for d in dirs])
    rules = compile_files(files)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    try:  # atomic: a deployed bundle is never seen half written
        rules.save(tmp)
        os.replace(tmp, out)
    except yara.Error as exc:
        raise RuleError(f"cannot save compiled rules to {out}: {exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return sum(1 for _ in rules)


__all__ = ["REQUIRED_META", "Problem", "RuleResult", "SampleResult", "TestReport", "compile_bundle", "lint",
           "run_tests"]
