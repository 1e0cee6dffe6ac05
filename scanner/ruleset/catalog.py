"""What a rule folder holds: its files, rules (name, line, meta) and named samples.

Shared by `lint` and `ruletest`.  Each file is compiled on its own, with the
scan-time externals, so every error, warning and rule is attributed to its
file; the scanner compiles the same files together (one namespace each).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yara

from ..rules import EXTERNALS, find_rule_files

_RULE_LINE = re.compile(r"^\s*(?:(?:private|global)\s+)*rule\s+([A-Za-z_]\w*)", re.MULTILINE)
_YARA_MESSAGE = re.compile(r"^(?P<file>.*)\((?P<line>\d+)\): (?P<message>.*)$", re.DOTALL)
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class RuleSource:
    """A rules folder as given on the command line: `yara_dir` holds the .yar
    files; `repo` (the folder above `rules/`) is where `sample` paths start."""

    root: Path
    yara_dir: Path
    repo: Path

    @classmethod
    def of(cls, path: Path) -> RuleSource:
        if (path / "yara").is_dir():
            root, yara_dir = path, path / "yara"
        else:
            yara_dir = path
            root = path.parent if path.name == "yara" or path.is_file() else path
        return cls(root, yara_dir, root.parent)


@dataclass(frozen=True)
class RuleInfo:
    name: str
    file: Path
    line: int
    meta: dict[str, Any]
    source: RuleSource

    @property
    def sample_refs(self) -> list[str]:
        """The `sample` meta split on commas ("" entries dropped)."""
        return [s.strip() for s in str(self.meta.get("sample", "")).split(",") if s.strip()]


@dataclass
class FileInfo:
    path: Path
    source: RuleSource
    rules: list[RuleInfo] = field(default_factory=list)
    error: tuple[int, str] | None = None  # (line, message) of a compile error
    warnings: list[tuple[int, str]] = field(default_factory=list)


def split_yara_message(text: str) -> tuple[int, str]:
    """libyara reports "file(line): message"; return (line, message), line 0 if absent."""
    m = _YARA_MESSAGE.match(text)
    if m:
        return int(m["line"]), m["message"]
    m = re.match(r"^line (\d+): (.*)$", text, re.DOTALL)
    return (int(m[1]), m[2]) if m else (0, text)


def rule_lines(text: str) -> dict[str, int]:
    """Rule name -> 1-based line of its `rule NAME` header (a regex: good enough for
    the line numbers shown to people, never used to decide what compiles)."""
    out: dict[str, int] = {}
    for m in _RULE_LINE.finditer(text):
        out.setdefault(m[1], text.count("\n", 0, m.start(1)) + 1)
    return out


def rule_at(lines: dict[str, int], line: int) -> str:
    """The rule whose header is the last one at or before `line` ("" before the first)."""
    best = ""
    for name, start in sorted(lines.items(), key=lambda kv: kv[1]):
        if start <= line:
            best = name
    return best


def load_file(path: Path, source: RuleSource) -> FileInfo:
    info = FileInfo(path, source)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        info.error = (0, f"cannot read: {exc.strerror or exc}")
        return info
    lines = rule_lines(text)
    try:
        compiled = yara.compile(filepath=os.fspath(path), externals=EXTERNALS)
    except yara.Error as exc:
        info.error = split_yara_message(str(exc))
        return info
    info.warnings = [split_yara_message(str(w)) for w in getattr(compiled, "warnings", [])]
    for rule in compiled:
        info.rules.append(RuleInfo(rule.identifier, path, lines.get(rule.identifier, 0),
                                   dict(rule.meta), source))
    return info


def shown(path: Path) -> Path:
    """`path` relative to the working directory when it is below it (shorter messages)."""
    try:
        return path.relative_to(Path.cwd()) if path.is_absolute() else path
    except ValueError:
        return path


def load_catalog(dirs: list[Path]) -> list[FileInfo]:
    """Every rule file below `dirs`, in the order the scanner compiles them."""
    out: list[FileInfo] = []
    for d in dirs:
        source = RuleSource.of(d)
        out.extend(load_file(p, source) for p in find_rule_files([source.yara_dir], unique_content=False))
    return out


class SampleIndex:
    """Resolves `sample` entries: a path from the repo root, or a sha256 of a file
    under `<repo>/samples/` (hashed once, on first use)."""

    def __init__(self) -> None:
        self._by_hash: dict[Path, dict[str, Path]] = {}

    def resolve(self, ref: str, repo: Path) -> Path | None:
        if _SHA256.match(ref):
            return self._hashes(repo).get(ref.lower())
        path = repo / ref
        return path if path.is_file() else None

    def _hashes(self, repo: Path) -> dict[str, Path]:
        if repo not in self._by_hash:
            table: dict[str, Path] = {}
            for root, _dirs, names in os.walk(repo / "samples"):
                for name in names:
                    p = Path(root) / name
                    table[hashlib.sha256(p.read_bytes()).hexdigest()] = p
            self._by_hash[repo] = table
        return self._by_hash[repo]
