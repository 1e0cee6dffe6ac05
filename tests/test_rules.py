from __future__ import annotations

from pathlib import Path

import pytest
from helpers import MARKER, REPO_ROOT, TEST_RULES

from scanner.rules import (
    EXTERNALS,
    RuleError,
    bundled_rules_dir,
    cache_key,
    compile_files,
    find_rule_files,
    load_compiled,
    load_rules,
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_bundled_rules_dir_is_the_checkout() -> None:
    d = bundled_rules_dir()
    assert (d / "yara").is_dir()
    # Run from the checkout (editable install): the repository's own rules/ folder.
    assert d.resolve() == (REPO_ROOT / "rules").resolve()


def test_externals_include_loki_and_project_names() -> None:
    assert {"filename", "filepath", "extension", "filetype", "owner"} <= set(EXTERNALS)
    assert {"depth", "in_archive", "from_email", "parent_type"} <= set(EXTERNALS)
    assert isinstance(EXTERNALS["depth"], int) and isinstance(EXTERNALS["in_archive"], bool)


def test_find_rule_files_sorted_and_filtered(tmp_path: Path) -> None:
    write(tmp_path / "b.yar", "rule B { condition: true }")
    write(tmp_path / "a.YARA", "rule A { condition: true }")
    write(tmp_path / "sub" / "c.yar", "rule C { condition: true }")
    write(tmp_path / "notes.txt", "not a rule")
    single = write(tmp_path / "elsewhere" / "d.yar", "rule D { condition: true }")
    found = find_rule_files([tmp_path / "sub", tmp_path, single])
    names = [p.name for p in found]
    assert names[0] == "c.yar"
    assert "notes.txt" not in names
    assert names[-1] == "d.yar"
    assert [p.name for p in find_rule_files([tmp_path])] == ["a.YARA", "b.yar", "d.yar", "c.yar"]


def test_missing_source(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="not found"):
        find_rule_files([tmp_path / "nope"])
    with pytest.raises(RuleError):
        load_rules([tmp_path], None)  # exists, but holds no rule files


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path / "good.yar", TEST_RULES)
    write(tmp_path / "zz_bad.yar", "rule OK { condition: true }\nrule BAD {\n  condition: nonsense_identifier\n}\n")
    with pytest.raises(RuleError) as exc:
        load_rules([tmp_path], tmp_path / "cache")
    assert "zz_bad.yar" in str(exc.value)
    assert "(3)" in str(exc.value)


def test_cache_hit_and_invalidation(tmp_path: Path) -> None:
    rule = write(tmp_path / "r" / "t.yar", TEST_RULES)
    cache = tmp_path / "cache"
    first = load_rules([rule.parent], cache)
    second = load_rules([rule.parent], cache)
    assert not first.from_cache and second.from_cache and first.key == second.key
    assert first.version == first.key[:12]
    write(rule, TEST_RULES + "\nrule EXTRA { condition: false }\n")
    third = load_rules([rule.parent], cache)
    assert not third.from_cache and third.key != first.key
    write(rule.parent / "more.yar", "rule MORE { condition: false }")
    assert load_rules([rule.parent], cache).key != third.key


def test_damaged_cache_entry_is_rebuilt(tmp_path: Path) -> None:
    rule = write(tmp_path / "r" / "t.yar", TEST_RULES)
    cache = tmp_path / "cache"
    first = load_rules([rule.parent], cache)
    entries = sorted((cache / "rules").glob(f"{first.key}.*yarc"))
    assert entries
    for entry in entries:
        entry.write_bytes(b"garbage, not compiled rules")
    again = load_rules([rule.parent], cache)
    assert not again.from_cache
    assert again.rules.match(data=MARKER)
    assert load_rules([rule.parent], cache).from_cache  # rewritten


def test_no_cache_dir(tmp_path: Path) -> None:
    rule = write(tmp_path / "r" / "t.yar", TEST_RULES)
    assert not load_rules([rule.parent], None).from_cache
    assert not load_rules([rule.parent], None).from_cache


def test_unwritable_cache_still_compiles(tmp_path: Path) -> None:
    rule = write(tmp_path / "r" / "t.yar", TEST_RULES)
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    compiled = load_rules([rule.parent], blocker)
    assert compiled.rules.match(data=MARKER)


def test_cache_key_depends_on_content_and_relative_name_not_install_path(tmp_path: Path) -> None:
    a = write(tmp_path / "a" / "t.yar", TEST_RULES)
    b = write(tmp_path / "b" / "t.yar", TEST_RULES)
    assert cache_key([a], ["t.yar"]) == cache_key([b], ["t.yar"])
    assert cache_key([a], ["t.yar"]) != cache_key([b], ["u.yar"])
    write(tmp_path / "b" / "t.yar", TEST_RULES + "\n// edited\n")
    assert cache_key([a], ["t.yar"]) != cache_key([b], ["t.yar"])


def test_rules_version_is_the_same_for_every_install_of_one_tree(tmp_path: Path) -> None:
    import shutil

    from scanner.rules import bundled_rules_dir

    versions = set()
    for n in range(3):
        shutil.copytree(bundled_rules_dir(), tmp_path / f"install{n}" / "rules")
        versions.add(load_rules([tmp_path / f"install{n}" / "rules" / "yara"], None).version)
    assert versions == {load_rules([bundled_rules_dir() / "yara"], None).version}


def test_a_rule_set_given_twice_is_loaded_once(tmp_path: Path) -> None:
    rules = write(tmp_path / "r" / "t.yar", TEST_RULES).parent
    copy = write(tmp_path / "copy" / "t.yar", TEST_RULES).parent
    once = load_rules([rules], None)
    twice = load_rules([rules, rules, tmp_path / "r" / ".." / "r", copy], None)
    assert twice.files == once.files and twice.count == once.count and twice.version == once.version


def test_same_rules_twice_report_each_finding_once(tmp_path: Path) -> None:
    from scanner.api import Scanner
    from scanner.config import Settings

    rules = write(tmp_path / "r" / "t.yar", TEST_RULES).parent
    target = tmp_path / "x.txt"
    target.write_bytes(MARKER)
    s = Settings(result_cache=False, use_bundled_rules=False, cache_dir=str(tmp_path / "c"),
                 rules_dirs=(str(rules), str(rules)))
    ids = [f.id for f in Scanner(s).scan_file(str(target)).findings]
    assert ids.count("TEST_Marker") == 1, ids


def test_compile_files_requires_files() -> None:
    with pytest.raises(RuleError):
        compile_files([])


def test_load_compiled_bundle(tmp_path: Path) -> None:
    rule = write(tmp_path / "t.yar", TEST_RULES)
    bundle = tmp_path / "bundle.yarc"
    compile_files([rule]).save(str(bundle))
    loaded = load_compiled(bundle)
    assert loaded.from_cache and loaded.rules.match(data=MARKER)
    with pytest.raises(RuleError):
        load_compiled(rule)  # source, not a compiled bundle


def test_bundled_rules_compile() -> None:
    compiled = load_rules([bundled_rules_dir() / "yara"], None)
    assert compiled.files


def test_text_scoped_rules_only_see_text_items(tmp_path: Path) -> None:
    """Rules under a `text/` folder are matched on text-like items only (PE files skip them)."""
    from scanner.checks.yara import TEXT_RULE_TYPES
    from scanner.filetypes import FileType

    write(tmp_path / "r" / "text" / "t.yar", 'rule TEXT_ONLY { strings: $a = "lure-marker" condition: $a }')
    write(tmp_path / "r" / "any.yar", 'rule ANY_TYPE { strings: $a = "lure-marker" condition: $a }')
    compiled = load_rules([tmp_path / "r"], tmp_path / "cache")
    assert compiled.text is not None and compiled.count == 2
    assert [r.identifier for r in compiled.text] == ["TEXT_ONLY"]
    assert [r.identifier for r in compiled.rules] == ["ANY_TYPE"]
    assert FileType.TEXT in TEXT_RULE_TYPES and FileType.PE not in TEXT_RULE_TYPES
    cached = load_rules([tmp_path / "r"], tmp_path / "cache")
    assert cached.from_cache and cached.text is not None and cached.count == 2
