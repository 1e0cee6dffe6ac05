"""`scanner.ruleset.lint`: what makes a rule folder fail before any sample is scanned."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.ruleset import REQUIRED_META, Problem, lint
from scanner.ruleset.catalog import RuleSource, rule_at, rule_lines, split_yara_message

from ..rules_support import GOOD_META, RULES, add_rule, copy_repo, first_rule_file


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    return copy_repo(tmp_path)


def codes(problems: list[Problem]) -> set[str]:
    return {p.code for p in problems}


def test_repo_rules_pass_lint_even_strict() -> None:
    assert lint([RULES]) == []
    assert lint([RULES], strict=True) == []


def test_copy_passes_and_yara_subfolder_is_accepted(rules: Path) -> None:
    assert lint([rules]) == []
    assert lint([rules / "yara"]) == []  # the yara/ folder itself: samples still resolve from the repo


def test_broken_rule_is_a_syntax_problem_with_file_line_and_rule(rules: Path) -> None:
    path = first_rule_file(rules)
    text = path.read_text()
    path.write_text(text.replace("condition:", "condition:\n        undefined_thing and", 1))
    problems = lint([rules])
    assert [p.code for p in problems] == ["syntax"]
    p = problems[0]
    assert p.file == str(path) and p.line > 0
    assert "undefined_thing" in p.message
    first_rule = min(rule_lines(text).items(), key=lambda kv: kv[1])[0]
    assert p.rule == first_rule
    assert str(path) in str(p) and f":{p.line}:" in str(p)


def test_rule_without_meta_is_reported_per_key(rules: Path) -> None:
    add_rule(rules, "rule SCAM_Test_NoMeta\n{\n    condition:\n        filesize == 1\n}\n")
    problems = lint([rules])
    missing = [p for p in problems if p.code == "meta_missing"]
    assert {p.rule for p in missing} == {"SCAM_Test_NoMeta"}
    assert len(missing) == len(REQUIRED_META)
    assert all(p.line == 1 for p in missing)


def test_duplicate_name_across_files(rules: Path) -> None:
    existing = next(iter(rule_lines(first_rule_file(rules).read_text())))
    dup = add_rule(rules, f"rule {existing}\n{{{GOOD_META}    condition:\n        false\n}}\n")
    problems = [p for p in lint([rules]) if p.code == "duplicate"]
    assert len(problems) == 1
    assert problems[0].rule == existing and problems[0].file == str(dup)
    assert str(first_rule_file(rules)) in problems[0].message


def test_duplicate_name_across_folders(rules: Path) -> None:
    assert "duplicate" in codes(lint([rules, RULES]))


def test_bad_severity_score_and_missing_sample(rules: Path) -> None:
    meta = GOOD_META.replace('"medium"', '"urgent"').replace("40", "500").replace(
        "samples/clean/note.txt", "samples/clean/note.txt, samples/nope.txt")
    add_rule(rules, f"rule SCAM_Test_BadMeta\n{{{meta}    condition:\n        false\n}}\n")
    problems = lint([rules])
    assert codes(problems) == {"severity", "score", "sample_missing"}
    assert any("samples/nope.txt" in p.message for p in problems)


def test_sample_as_sha256(rules: Path) -> None:
    import hashlib

    digest = hashlib.sha256((rules.parent / "samples/clean/note.txt").read_bytes()).hexdigest()
    add_rule(rules, f"rule SCAM_Test_Sha\n{{{GOOD_META.replace('samples/clean/note.txt', digest)}"
                    "    condition:\n        false\n}\n")
    assert lint([rules]) == []
    add_rule(rules, f"rule SCAM_Test_Sha2\n{{{GOOD_META.replace('samples/clean/note.txt', '0' * 64)}"
                    "    condition:\n        false\n}\n", name="zz_other.yar")
    assert codes(lint([rules])) == {"sample_missing"}


def test_slow_pattern_only_with_strict(rules: Path) -> None:
    add_rule(rules, f"rule SCAM_Test_Slow\n{{{GOOD_META}    strings:\n        $a = /update.*now/\n"
                    "    condition:\n        $a\n}\n")
    assert lint([rules]) == []
    slow = lint([rules], strict=True)
    assert codes(slow) == {"slow_pattern", "slow_regex"}  # libyara's warning, and `.*` is unbounded
    assert {(p.rule, p.line) for p in slow} == {("SCAM_Test_Slow", 12)}


@pytest.mark.parametrize("regex", [
    r"/(https?):\/\/[^\s\"'<>]{4,}/",   # the URL string that took 8 s on 1 MB of `http://a.`
    r"/WScript\.Shell[\s\S]{0,2000}\.Run/",
    r"/-enc\s+\S+/",
    r"/fix[^\r\n]*\.ps1/",
])
def test_a_broad_class_repeated_without_a_small_bound_is_slow_regex(rules: Path, regex: str) -> None:
    add_rule(rules, f"rule SCAM_Test_Walk\n{{{GOOD_META}    strings:\n        $a = {regex} ascii wide\n"
                    "    condition:\n        $a\n}\n")
    found = [p for p in lint([rules], strict=True) if p.code == "slow_regex"]
    assert [(p.rule, p.line) for p in found] == [("SCAM_Test_Walk", 12)]
    assert "$a" in found[0].message


@pytest.mark.parametrize("regex", [
    r"/(https?):\/\/[^\s\"'<>]{4}/", r"/[A-Za-z0-9+\/]{40,}/", r"/[^\r\n]{0,300}\.ps1/", r"/\[\^x\]+/",
])
def test_bounded_or_narrow_repeats_are_fine(rules: Path, regex: str) -> None:
    add_rule(rules, f"rule SCAM_Test_Ok\n{{{GOOD_META}    strings:\n        $a = {regex} ascii\n"
                    "    condition:\n        $a\n}\n")
    assert "slow_regex" not in codes(lint([rules], strict=True))


def test_scan_time_externals_are_defined(rules: Path) -> None:
    add_rule(rules, f"rule SCAM_Test_Ext\n{{{GOOD_META}    condition:\n        filetype == \"ZIP\" and depth > 0"
                    " and in_archive and not from_email and parent_type != \"\" and owner == \"\"\n}\n")
    assert lint([rules]) == []


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "rules" / "yara").mkdir(parents=True)
    assert codes(lint([tmp_path / "rules"])) == {"no_rules"}


def test_helpers() -> None:
    assert split_yara_message("/x/a (1).yar(12): bad thing") == (12, "bad thing")
    assert split_yara_message("line 3: oops") == (3, "oops")
    assert split_yara_message("no line") == (0, "no line")
    lines = rule_lines("// rule Not\nrule A {\n condition: true }\n\nprivate rule B : tag\n{ condition: A }\n")
    assert lines == {"A": 2, "B": 5}
    assert rule_at(lines, 1) == "" and rule_at(lines, 3) == "A" and rule_at(lines, 6) == "B"
    source = RuleSource.of(RULES)
    assert source.yara_dir == RULES / "yara" and source.repo == RULES.parent
    assert RuleSource.of(RULES / "yara") == source


def test_installed_rules_without_samples_folder_still_lint(tmp_path: Path) -> None:
    """Inside the wheel (scanner/rules) there is no samples/ folder: lint checks everything else."""
    import shutil

    shutil.copytree(RULES, tmp_path / "pkg" / "rules")
    assert lint([tmp_path / "pkg" / "rules"]) == []
