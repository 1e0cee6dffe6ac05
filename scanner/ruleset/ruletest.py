"""`rules test`: run every rule against the samples it names, the manifest and benign files.

Samples are scanned through `Scanner` (default settings, only the given rule
folders), so a rule written for an archive member hits via extraction: a rule
*hits* a sample when its name is among the sample's yara findings.  The match
time of a rule is measured separately, with the rule compiled alone and run
over the raw bytes of its samples, so one slow rule stands out.
"""

from __future__ import annotations

import contextlib
import os
import time
import tomllib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yara

from ..api import Scanner
from ..config import Settings
from ..models import ItemReport
from ..rules import EXTERNALS, RuleError
from .catalog import RuleInfo, SampleIndex, load_catalog


@dataclass
class RuleResult:
    name: str
    file: str
    line: int
    samples: list[str]
    hits: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)  # "ref: why"
    false_positives: list[str] = field(default_factory=list)  # "path > member"
    time_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.samples) and not self.misses and not self.false_positives


@dataclass
class SampleResult:
    path: str
    expected_verdict: str
    actual_verdict: str = ""
    expected_findings: list[str] = field(default_factory=list)
    actual_findings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    time_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class TestReport:
    rules: list[RuleResult] = field(default_factory=list)
    samples: list[SampleResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the rule set itself is unusable
    benign_files: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and all(r.ok for r in self.rules) and all(s.ok for s in self.samples)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "errors": self.errors, "benign_files": self.benign_files,
                "rules": [{**asdict(r), "ok": r.ok} for r in self.rules],
                "samples": [{**asdict(s), "ok": s.ok} for s in self.samples]}


def _ids(report: ItemReport) -> list[str]:
    return sorted({f"{f.check}:{f.id}" for f in report.findings})


def _rule_alone(rule: RuleInfo) -> yara.Rules:
    """The rule compiled on its own (its header to the next rule, plus the file's
    imports); the whole file when the rule depends on others."""
    text = rule.file.read_text(encoding="utf-8", errors="replace").splitlines()
    imports = [ln for ln in text if ln.lstrip().startswith(("import ", "include "))]
    body: list[str] = []
    for i, ln in enumerate(text[rule.line - 1:] if rule.line else []):
        if i and ln.lstrip().startswith(("rule ", "private rule ", "global rule ")):
            break
        body.append(ln)
    try:
        return yara.compile(source="\n".join(imports + body), externals=EXTERNALS)
    except yara.Error:
        return yara.compile(filepath=os.fspath(rule.file), externals=EXTERNALS)


def _time_rule(rule: RuleInfo, paths: list[Path]) -> float:
    try:
        compiled = _rule_alone(rule)
    except (OSError, yara.Error):
        return 0.0
    total = 0.0
    for path in paths:
        data = path.read_bytes()
        externals = {"filename": path.name, "filepath": str(path),
                     "extension": path.suffix.lower(), "depth": 0}
        started = time.perf_counter()
        with contextlib.suppress(yara.Error):  # a timeout still shows as a long time
            compiled.match(data=data, externals=externals, timeout=60)
        total += time.perf_counter() - started
    return total * 1000


def load_manifest(path: Path) -> list[dict[str, Any]]:
    """`[[sample]]` tables of a manifest; their `path` is relative to the folder above samples/."""
    with path.open("rb") as fh:
        entries = tomllib.load(fh).get("sample", [])
    return [dict(e) for e in entries if isinstance(e, dict) and "path" in e]


def _check_sample(entry: dict[str, Any], report: ItemReport, rule_names: set[str]) -> SampleResult:
    expected = str(entry.get("verdict", ""))
    result = SampleResult(str(entry["path"]), expected, report.verdict.value,
                          [str(f) for f in entry.get("findings", [])], _ids(report),
                          time_ms=report.duration_ms)
    if report.verdict.value != expected:
        result.failures.append(f"verdict {report.verdict.value}, expected {expected}")
    missing = [f for f in result.expected_findings if f not in result.actual_findings]
    if missing:
        result.failures.append(f"missing findings {', '.join(missing)}")
    reasons = {i.reason for i in report.incomplete}
    lacking = [str(r) for r in entry.get("incomplete", []) if str(r) not in reasons]
    if lacking:
        result.failures.append(f"missing incomplete reasons {', '.join(lacking)}")
    if expected == "clean":  # no rule may hit the benign samples, whatever its score
        hits = sorted({f.id for f in report.findings if f.check == "yara" and f.id in rule_names})
        if hits:
            result.failures.append(f"rules fire on a clean sample: {', '.join(hits)}")
    return result


def run_tests(dirs: list[Path], manifest: Path | None = None, benign: Iterable[Path] = (),
              settings: Settings | None = None) -> TestReport:
    """Test the rules below `dirs`: their samples, the manifest, and `benign` folders."""
    out = TestReport()
    files = load_catalog(dirs)
    broken = [f for f in files if f.error is not None]
    if not files or broken:
        out.errors = [f"{f.path}:{f.error[0]}: {f.error[1]}" for f in broken if f.error] or [
            "no .yar/.yara files found"]
        return out
    base = settings or Settings(result_cache=False)
    try:
        scanner = Scanner(base.replace(rules_dirs=tuple(str(d) for d in dirs), use_bundled_rules=False))
    except (RuleError, ValueError) as exc:
        out.errors = [str(exc)]
        return out
    reports: dict[Path, ItemReport] = {}

    def scan(path: Path) -> ItemReport:
        if path not in reports:
            reports[path] = scanner.scan_file(os.fspath(path))
        return reports[path]

    rules = [r for f in files for r in f.rules]
    names = {r.name for r in rules}
    index = SampleIndex()
    by_name: dict[str, RuleResult] = {}
    for rule in rules:
        result = RuleResult(rule.name, str(rule.file), rule.line, rule.sample_refs)
        if not rule.sample_refs:
            result.misses.append("no `sample` meta: the rule is untested")
        found: list[Path] = []
        for ref in rule.sample_refs:
            path = index.resolve(ref, rule.source.repo)
            if path is None:
                result.misses.append(f"{ref}: sample not found")
                continue
            found.append(path)
            report = scan(path)
            if any(f.check == "yara" and f.id == rule.name for f in report.findings):
                result.hits.append(ref)
            else:
                result.misses.append(f"{ref}: no match (findings: {', '.join(_ids(report)) or 'none'})")
        result.time_ms = _time_rule(rule, found)
        out.rules.append(result)
        by_name.setdefault(rule.name, result)
    for report in scanner.scan_paths([os.fspath(b) for b in benign]):
        out.benign_files += 1
        for f in report.findings:
            if f.check == "yara" and f.id in by_name:
                by_name[f.id].false_positives.append(" > ".join((report.path, *f.location[1:])))
    if manifest is not None:
        repo = manifest.resolve().parent.parent
        for entry in load_manifest(manifest):
            path = repo / str(entry["path"])
            if not path.is_file():
                out.samples.append(SampleResult(str(entry["path"]), str(entry.get("verdict", "")),
                                                failures=[f"sample file not found: {path}"]))
                continue
            out.samples.append(_check_sample(entry, scan(path), names))
    return out
