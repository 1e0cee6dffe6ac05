"""The `scamscan` command: click groups for scan, rules, feeds and the gateways.

Thin on purpose: parse options, call the library (`scanner.api`, `scanner.ruleset`, `scanner.gateway`,
`scanner.intel`), render, turn the outcome into an exit code.  May import every other layer; nothing
imports it.
"""

from __future__ import annotations

from .main import main

__all__ = ["main"]
