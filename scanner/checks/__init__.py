"""The registry of checks: every check the engine runs is named here, in order.

Adding a check = one module in `checks/`, one line below, its tests and a sample.
"""

from __future__ import annotations

from collections.abc import Callable

from .base import Check, CheckContext
from .ioc import IocCheck
from .yara import YaraCheck

CHECKS: list[Callable[[CheckContext], Check]] = [
    YaraCheck,
    IocCheck,
]


def build_checks(ctx: CheckContext) -> list[Check]:
    return [factory(ctx) for factory in CHECKS]


__all__ = ["CHECKS", "Check", "CheckContext", "build_checks"]
