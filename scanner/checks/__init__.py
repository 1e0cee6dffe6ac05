"""The registry of checks: every check the engine runs is named here, in order.

Adding a check = one module in `checks/`, one line below, its tests and a sample.
"""

from __future__ import annotations

from collections.abc import Callable

from .archive import ArchiveCheck
from .base import Check, CheckContext
from .brand import BrandCheck
from .email import EmailCheck
from .impersonation import ImpersonationCheck
from .ioc import IocCheck
from .lookalike import LookalikeCheck
from .msix import MsixCheck
from .office import OfficeCheck
from .pdf import PdfCheck
from .pe import PeCheck
from .script import ScriptCheck
from .signature import SignatureCheck
from .yara import YaraCheck

CHECKS: list[Callable[[CheckContext], Check]] = [
    YaraCheck,
    IocCheck,
    LookalikeCheck,
    OfficeCheck,
    PdfCheck,
    ScriptCheck,
    EmailCheck,
    ImpersonationCheck,
    ArchiveCheck,
    PeCheck,
    SignatureCheck,
    MsixCheck,
    BrandCheck,
]


def build_checks(ctx: CheckContext) -> list[Check]:
    return [factory(ctx) for factory in CHECKS]


__all__ = ["CHECKS", "Check", "CheckContext", "build_checks"]
