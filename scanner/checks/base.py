"""The interface every check implements, and the context it is built from.

A check is a small class: `name` (the `check` value of its findings),
`applies(item)` (cheap, from type and size) and `run(item)` which yields
`Finding`s and, for parts it could not analyse, `Incomplete` entries.  The
engine runs each check isolated: an exception or a timeout becomes an
`Incomplete` entry and the scan goes on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..config import Settings
from ..models import Finding, Incomplete, Item, Severity
from ..rules import CompiledRules

DEFAULT_SCORES = {
    Severity.INFO: 0, Severity.LOW: 15, Severity.MEDIUM: 40, Severity.HIGH: 75, Severity.CRITICAL: 100,
}


def severity_for_score(score: int) -> Severity:
    if score >= 100:
        return Severity.CRITICAL
    if score >= 70:
        return Severity.HIGH
    if score >= 30:
        return Severity.MEDIUM
    if score > 0:
        return Severity.LOW
    return Severity.INFO


@dataclass
class CheckContext:
    """What checks are built from: settings, compiled rules and rule folders."""

    settings: Settings
    rules: CompiledRules
    rule_dirs: list[Path] = field(default_factory=list)


class Check(Protocol):
    name: str

    def applies(self, item: Item) -> bool: ...

    def run(self, item: Item) -> Iterable[Finding | Incomplete]: ...
