"""`rules lint`: every way a rule folder can be wrong before any sample is scanned.

Problems carry file, line and rule so an editor or a CI annotation can point at
them.  Codes are stable: ``syntax``, ``compile``, ``duplicate``, ``meta_missing``,
``severity``, ``score``, ``sample_missing``, ``no_rules``, and with ``strict``
``slow_pattern`` (libyara's performance warnings) and ``slow_regex`` (a broad class repeated
without a small bound, `patterns`); the brand policy's codes (``brand_*``) are
`brandlint`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..models import Severity
from ..rules import RuleError, compile_files
from .catalog import FileInfo, RuleInfo, SampleIndex, load_catalog, rule_at, rule_lines
from .patterns import scan_cost_problems

REQUIRED_META = ("description", "author", "date", "reference", "severity", "score", "sample")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    rule: str
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "rule": self.rule, "code": self.code,
                "message": self.message}

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.rule + ': ' if self.rule else ''}{self.code}: {self.message}"


def _meta_problems(rule: RuleInfo, samples: SampleIndex) -> list[Problem]:
    def problem(code: str, message: str) -> Problem:
        return Problem(str(rule.file), rule.line, rule.name, code, message)

    meta = rule.meta
    out = [problem("meta_missing", f"missing meta {key!r}") for key in REQUIRED_META
           if str(meta.get(key, "")).strip() == ""]
    if "severity" in meta:
        try:
            Severity(str(meta["severity"]))
        except ValueError:
            out.append(problem("severity", f"severity {meta['severity']!r} is not one of "
                               f"{', '.join(s.value for s in Severity)}"))
    if "score" in meta:
        score = meta["score"]
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
            out.append(problem("score", f"score {score!r} is not an integer in 0..100"))
    # Without a samples/ folder (the rules installed inside the package) there is nothing to check.
    checkable = (rule.source.repo / "samples").is_dir()
    for ref in rule.sample_refs if checkable else []:
        if samples.resolve(ref, rule.source.repo) is None:
            out.append(problem("sample_missing", f"sample {ref!r} not found under {rule.source.repo}"))
    return out


def _warnings(info: FileInfo) -> list[Problem]:
    try:
        source = info.path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        source = ""
    lines = rule_lines(source)
    return [Problem(str(info.path), line, rule_at(lines, line), "slow_pattern", message)
            for line, message in info.warnings] + [
            Problem(str(info.path), line, rule_at(lines, line), "slow_regex", message)
            for line, _name, message in scan_cost_problems(source)]


def lint(dirs: list[Path], strict: bool = False) -> list[Problem]:
    """All problems in the rule files below `dirs` (empty list: the folder is fine)."""
    files = load_catalog(dirs)
    if not files:
        return [Problem(", ".join(str(d) for d in dirs), 0, "", "no_rules", "no .yar/.yara files found")]
    problems: list[Problem] = []
    seen: dict[str, RuleInfo] = {}
    samples = SampleIndex()
    for info in files:
        if info.error is not None:
            line, message = info.error
            try:
                lines = rule_lines(info.path.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                lines = {}
            problems.append(Problem(str(info.path), line, rule_at(lines, line), "syntax", message))
            continue
        if strict:
            problems.extend(_warnings(info))
        for rule in info.rules:
            first = seen.setdefault(rule.name, rule)
            if first is not rule:
                problems.append(Problem(str(rule.file), rule.line, rule.name, "duplicate",
                                        f"rule name also defined at {first.file}:{first.line}"))
            problems.extend(_meta_problems(rule, samples))
    if not any(p.code == "syntax" for p in problems):
        try:  # the whole set, exactly as the scanner compiles it
            compile_files([f.path for f in files])
        except RuleError as exc:
            problems.append(Problem(", ".join(str(d) for d in dirs), 0, "", "compile", str(exc)))
    from .brandlint import lint_brands  # imports lint's Problem: loaded here, not at module import
    return problems + lint_brands(dirs)
