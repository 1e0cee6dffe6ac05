"""`text`: for a person at a terminal, in a hurry.

One block per file: the verdict with the score, type and a human-readable size; then one short line
per reason, ranked by score (severity, `check:id`, a message cut at `MESSAGE_WIDTH` characters) with
where it was found (`mail.eml > hotfix.zip > Setup.exe`); then what could not be scanned; the long
descriptions that were cut, once per file (`verbose`: every message in full, in its line); and a
closing line saying what to do.  A summary line ends the report.  Colour only when asked (the CLI
asks when stdout is a terminal); `quiet` keeps only files that are not clean.
"""

from __future__ import annotations

import textwrap

from ..models import Finding, ItemReport, ScanReport, Verdict
from .escape import visible

_COLOURS = {Verdict.CLEAN: "32", Verdict.INCOMPLETE: "33", Verdict.SUSPICIOUS: "33;1", Verdict.MALICIOUS: "31;1"}
MAX_REASONS = 10
MESSAGE_WIDTH = 120
ADVICE = {
    Verdict.MALICIOUS: "do not open; delete or quarantine",
    Verdict.SUSPICIOUS: "do not open; delete or quarantine",
    Verdict.INCOMPLETE: "could not be fully checked: treat as untrusted",
    Verdict.CLEAN: "no findings",
}


def _safe(s: str) -> str:
    """Attacker text (names, paths, evidence) with controls, bidi characters and undecodable
    bytes shown as escapes (render/escape.py): it cannot move the cursor or forge a line."""
    return visible(s)


def _where(location: tuple[str, ...]) -> str:
    return " > ".join(_safe(p) for p in location)


def _style(s: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{s}\x1b[0m" if color else s


def human_size(size: int) -> str:
    """1536 -> "1.5 KiB" (binary units, as the size settings)."""
    if size < 1024:
        return f"{size} byte{'s' if size != 1 else ''}"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{value:.1f} {unit}"


def _short(message: str) -> tuple[str, bool]:
    """`message` cut at MESSAGE_WIDTH characters (escaped afterwards); whether anything was left out."""
    if len(message) <= MESSAGE_WIDTH:
        return message, False
    return message[:MESSAGE_WIDTH - 1].rstrip() + "…", True


def _advice(item: ItemReport) -> str:
    if item.verdict is Verdict.CLEAN and any(f.score > 0 for f in item.findings):
        return "nothing at or above the suspicious threshold"
    return ADVICE[item.verdict]


def _header(item: ItemReport, color: bool) -> str:
    label = _style(f"{item.verdict.value.upper():<10}", _COLOURS[item.verdict], color)
    score = f"score {item.score}"
    if item.verdict is Verdict.CLEAN and item.score > 0:
        score += ": below the suspicious threshold"
    return (f"{label} {_safe(item.path)}  ({score}, {_safe(item.type)}, {human_size(item.size)}"
            f"{', cached' if item.cached else ''})")


def render_file(item: ItemReport, color: bool = False, verbose: bool = False) -> str:
    lines = [_header(item, color)]
    cut: dict[str, Finding] = {}
    for f in item.findings[:MAX_REASONS]:
        message, was_cut = (f.message, False) if verbose else _short(f.message)
        lines.append(f"    [{f.severity.value} {f.score:+d}] {_safe(f.check)}:{_safe(f.id)}: {_safe(message)}")
        if len(f.location) > 1:
            lines.append(f"        in {_where(f.location)}")
        if was_cut:
            cut.setdefault(f"{f.check}:{f.id}", f)
    if len(item.findings) > MAX_REASONS:
        lines.append(f"    ... and {len(item.findings) - MAX_REASONS} more findings (see --format json)")
    for inc in item.incomplete:
        lines.append(f"    not fully scanned ({inc.reason}): {_safe(inc.message)}"
                     + (f"  in {_where(inc.location)}" if len(inc.location) > 1 else ""))
    for key, f in cut.items():  # each long description once per file
        text = textwrap.fill(_safe(f.message), width=100, initial_indent="      ",
                             subsequent_indent="      ")
        lines.append(f"    about {_safe(key)}:\n{text}")
    lines.append(f"    -> {_advice(item)}")
    return "\n".join(lines) + "\n"


def summary(report: ScanReport) -> str:
    counts = report.counts()
    parts = ", ".join(f"{counts[v.value]} {v.value}" for v in reversed(Verdict) if counts[v.value])
    n = len(report.files)
    stopped = sum(1 for f in report.files if any(i.reason == "interrupted" for i in f.incomplete))
    head = f"INTERRUPTED: {stopped} file{'s' if stopped != 1 else ''} not finished. " if stopped else ""
    return (f"{head}Scanned {n} file{'s' if n != 1 else ''}: {parts or 'nothing'}. "
            f"Verdict: {report.verdict.value.upper()}\n")


def render(report: ScanReport, quiet: bool = False, color: bool = False, verbose: bool = False) -> str:
    blocks = [render_file(f, color, verbose) for f in report.files if not quiet or f.verdict != Verdict.CLEAN]
    return "".join(blocks) + summary(report)
