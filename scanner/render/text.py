"""`text`: for a person at a terminal.

One block per file: the verdict, then the reasons ranked by score with where
each was found (`mail.eml > hotfix.zip > Setup.exe`), then what could not be
scanned; a summary line at the end.  Colour is added only when asked (the CLI
asks when stdout is a terminal); `quiet` keeps only files that are not clean.
"""

from __future__ import annotations

from ..models import ItemReport, ScanReport, Verdict
from .escape import visible

_COLOURS = {Verdict.CLEAN: "32", Verdict.INCOMPLETE: "33", Verdict.SUSPICIOUS: "33;1", Verdict.MALICIOUS: "31;1"}
MAX_REASONS = 10


def _safe(s: str) -> str:
    """Attacker text (names, paths, evidence) with controls, bidi characters and undecodable
    bytes shown as escapes (render/escape.py): it cannot move the cursor or forge a line."""
    return visible(s)


def _where(location: tuple[str, ...]) -> str:
    return " > ".join(_safe(p) for p in location)


def _style(s: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{s}\x1b[0m" if color else s


def render_file(item: ItemReport, color: bool = False) -> str:
    label = _style(f"{item.verdict.value.upper():<10}", _COLOURS[item.verdict], color)
    lines = [f"{label} {_safe(item.path)}  (score {item.score}, {_safe(item.type)}, {item.size} bytes"
             f"{', cached' if item.cached else ''})"]
    for f in item.findings[:MAX_REASONS]:
        lines.append(f"    [{f.severity.value} {f.score:+d}] {_safe(f.check)}:{_safe(f.id)}: {_safe(f.message)}")
        if len(f.location) > 1:
            lines.append(f"        in {_where(f.location)}")
    if len(item.findings) > MAX_REASONS:
        lines.append(f"    ... and {len(item.findings) - MAX_REASONS} more findings (see --format json)")
    for inc in item.incomplete:
        lines.append(f"    not fully scanned ({inc.reason}): {_safe(inc.message)}"
                     + (f"  in {_where(inc.location)}" if len(inc.location) > 1 else ""))
    return "\n".join(lines) + "\n"


def summary(report: ScanReport) -> str:
    counts = report.counts()
    parts = ", ".join(f"{counts[v.value]} {v.value}" for v in reversed(Verdict) if counts[v.value])
    n = len(report.files)
    return f"Scanned {n} file{'s' if n != 1 else ''}: {parts or 'nothing'}. Verdict: {report.verdict.value.upper()}\n"


def render(report: ScanReport, quiet: bool = False, color: bool = False) -> str:
    blocks = [render_file(f, color) for f in report.files if not quiet or f.verdict != Verdict.CLEAN]
    return "".join(blocks) + summary(report)
