"""Helpers for the rule-CI tests: a scratch copy of rules/ + samples/ to break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "rules"
MANIFEST = REPO / "samples" / "manifest.toml"


def copy_repo(tmp_path: Path) -> Path:
    """tmp_path/repo with rules/ and samples/ (sample paths in meta stay valid); returns its rules/."""
    repo = tmp_path / "repo"
    shutil.copytree(RULES, repo / "rules")
    shutil.copytree(REPO / "samples", repo / "samples", ignore=shutil.ignore_patterns("__pycache__"))
    return repo / "rules"


def first_rule_file(rules: Path) -> Path:
    return sorted((rules / "yara").glob("*.yar"))[0]


def add_rule(rules: Path, text: str, name: str = "zz_extra.yar") -> Path:
    path = rules / "yara" / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD_META = """
    meta:
        description = "test rule"
        author = "tests"
        date = "2026-01-01"
        reference = "https://example.org/"
        severity = "medium"
        score = 40
        sample = "samples/clean/note.txt"
"""
