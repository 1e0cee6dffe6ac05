from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import ALLOW, MARKER, SUSPICIOUS, finding_keys, make_zip, reasons, set_encrypted_flag

from scanner.api import Scanner
from scanner.config import Settings
from scanner.engine import Engine, verdict_for
from scanner.models import Finding, Incomplete, Item, Severity, Verdict
from scanner.timeouts import CheckTimeout, deadline

ScannerFactory = Callable[..., Scanner]


class SlowCheck:
    name = "slow"

    def applies(self, item: Item) -> bool:
        return item.depth == 0

    def run(self, item: Item) -> Iterator[Finding | Incomplete]:
        time.sleep(30)
        yield item.finding(self.name, "never", Severity.HIGH, 100, "unreachable")


class RaisingCheck:
    name = "boom"

    def applies(self, item: Item) -> bool:
        return True

    def run(self, item: Item) -> Iterator[Finding | Incomplete]:
        raise RuntimeError("kaput")


class BrokenAppliesCheck:
    name = "broken_applies"

    def applies(self, item: Item) -> bool:
        raise KeyError("no type")

    def run(self, item: Item) -> Iterator[Finding | Incomplete]:
        return iter(())


class FixedCheck:
    """Yields findings with the given scores on the root item."""

    name = "fixed"

    def __init__(self, *scores: int) -> None:
        self.scores = scores

    def applies(self, item: Item) -> bool:
        return item.depth == 0

    def run(self, item: Item) -> Iterator[Finding | Incomplete]:
        for i, s in enumerate(self.scores):
            yield item.finding(self.name, f"F{i}", Severity.LOW, s, f"score {s}")


def engine(rules: Path, tmp_path: Path, **overrides: object) -> Engine:
    values: dict[str, object] = {"rules_dirs": (str(rules),), "use_bundled_rules": False,
                                 "cache_dir": str(tmp_path / "cache")}
    values.update(overrides)
    return Engine(Settings().replace(**values))


@pytest.mark.parametrize(("score", "verdict"), [
    (0, Verdict.CLEAN), (29, Verdict.CLEAN), (30, Verdict.SUSPICIOUS), (69, Verdict.SUSPICIOUS),
    (70, Verdict.MALICIOUS), (100, Verdict.MALICIOUS),
])
def test_verdict_thresholds(score: int, verdict: Verdict) -> None:
    assert verdict_for(score, Settings()) is verdict


def test_thresholds_are_settings() -> None:
    s = Settings(suspicious_threshold=50, malicious_threshold=90)
    assert verdict_for(40, s) is Verdict.CLEAN and verdict_for(80, s) is Verdict.SUSPICIOUS


def test_scores_add_up_and_clamp(tmp_path: Path, rules_dir: Path) -> None:
    e = engine(rules_dir, tmp_path)
    r = e.scan(MARKER + b" " + SUSPICIOUS, "both.txt")
    assert {f.id for f in r.findings} == {"TEST_Marker", "TEST_Suspicious"}
    assert r.score == 100  # 80 + 40 clamped
    assert [f.score for f in r.findings] == sorted((f.score for f in r.findings), reverse=True)


def test_negative_score_lowers_verdict(tmp_path: Path, rules_dir: Path) -> None:
    e = engine(rules_dir, tmp_path)
    r = e.scan(MARKER + b" " + ALLOW, "a.txt")
    assert r.score == 30 and r.verdict is Verdict.SUSPICIOUS
    r = e.scan(ALLOW, "b.txt")
    assert r.score == 0 and r.verdict is Verdict.CLEAN  # never below 0


def test_suspicious_threshold_setting(tmp_path: Path, rules_dir: Path) -> None:
    assert engine(rules_dir, tmp_path).scan(SUSPICIOUS, "a.txt").verdict is Verdict.SUSPICIOUS
    relaxed = engine(rules_dir, tmp_path, suspicious_threshold=50)
    assert relaxed.scan(SUSPICIOUS, "a.txt").verdict is Verdict.CLEAN


def test_container_takes_worst_child(tmp_path: Path, rules_dir: Path) -> None:
    r = engine(rules_dir, tmp_path).scan(make_zip({"a.txt": b"fine", "b.txt": SUSPICIOUS, "c.txt": MARKER}), "x.zip")
    assert r.verdict is Verdict.MALICIOUS and r.score == 80
    own = {s.location: (s.score, s.verdict) for s in r.items}
    assert own[("x.zip",)] == (0, Verdict.CLEAN)
    assert own[("x.zip", "b.txt")] == (40, Verdict.SUSPICIOUS)
    assert own[("x.zip", "c.txt")] == (80, Verdict.MALICIOUS)


def test_scores_of_different_items_do_not_add(tmp_path: Path, rules_dir: Path) -> None:
    r = engine(rules_dir, tmp_path).scan(make_zip({"a.txt": SUSPICIOUS, "b.txt": SUSPICIOUS}), "x.zip")
    assert r.score == 40 and r.verdict is Verdict.SUSPICIOUS


def test_incomplete_child_is_never_clean(tmp_path: Path, rules_dir: Path) -> None:
    inner = set_encrypted_flag(make_zip({"secret.txt": b"x"}))
    r = engine(rules_dir, tmp_path).scan(make_zip({"ok.txt": b"fine", "inner.zip": inner}), "outer.zip")
    assert r.verdict is Verdict.INCOMPLETE
    entry = next(i for i in r.incomplete if i.reason == "encrypted")
    assert entry.location == ("outer.zip", "inner.zip")
    verdicts = {s.location: s.verdict for s in r.items}
    assert verdicts[("outer.zip",)] is Verdict.INCOMPLETE
    assert verdicts[("outer.zip", "inner.zip")] is Verdict.INCOMPLETE
    assert verdicts[("outer.zip", "ok.txt")] is Verdict.CLEAN


def test_check_that_raises_is_isolated(tmp_path: Path, rules_dir: Path) -> None:
    e = engine(rules_dir, tmp_path)
    e.checks.insert(0, RaisingCheck())
    r = e.scan(b"clean text", "a.txt")
    [entry] = r.incomplete
    assert (entry.reason, entry.check, entry.location) == ("check_error", "boom", ("a.txt",))
    assert "kaput" in entry.message and "RuntimeError" in entry.message
    assert r.verdict is Verdict.INCOMPLETE
    hit = e.scan(MARKER, "b.txt")  # the checks after it still run
    assert "yara:TEST_Marker" in finding_keys(hit)
    assert hit.verdict is Verdict.MALICIOUS and "check_error" in reasons(hit)


def test_check_whose_applies_raises(tmp_path: Path, rules_dir: Path) -> None:
    e = engine(rules_dir, tmp_path)
    e.checks.insert(0, BrokenAppliesCheck())
    r = e.scan(MARKER, "b.txt")
    assert "check_error" in reasons(r) and "yara:TEST_Marker" in finding_keys(r)


def test_slow_check_times_out(tmp_path: Path, rules_dir: Path) -> None:
    e = engine(rules_dir, tmp_path, timeout=0.2)
    e.checks.append(SlowCheck())
    r = e.scan(MARKER, "slow.txt")
    entry = next(i for i in r.incomplete if i.reason == "timeout")
    assert entry.check == "slow" and entry.location == ("slow.txt",)
    assert "yara:TEST_Marker" in finding_keys(r)  # the other checks ran
    assert "slow:never" not in finding_keys(r)
    assert r.verdict is Verdict.MALICIOUS
    clean = e.scan(b"harmless", "clean.txt")
    assert clean.verdict is Verdict.INCOMPLETE and reasons(clean) == {"timeout"}


def test_timeout_on_nested_item_is_recorded_there(tmp_path: Path, rules_dir: Path) -> None:
    class SlowOnChild(SlowCheck):
        def applies(self, item: Item) -> bool:
            return item.depth == 1

    e = engine(rules_dir, tmp_path, timeout=0.1)
    e.checks.append(SlowOnChild())
    r = e.scan(make_zip({"a.txt": b"x"}), "z.zip")
    [entry] = r.incomplete
    assert entry.reason == "timeout" and entry.location == ("z.zip", "a.txt")
    assert r.verdict is Verdict.INCOMPLETE


def test_slow_extraction_times_out(tmp_path: Path, rules_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.extract import EXTRACTORS, Budget, Child
    from scanner.filetypes import FileType

    def slow_extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
        yield Child("first.txt", b"fine")
        time.sleep(30)
        yield Child("never.txt", b"unreachable")

    monkeypatch.setitem(EXTRACTORS, FileType.ZIP, slow_extract)
    r = engine(rules_dir, tmp_path, timeout=0.1).scan(make_zip({"a.txt": b"x"}), "z.zip")
    entry = next(i for i in r.incomplete if i.reason == "timeout")
    assert entry.location == ("z.zip",) and entry.check == "archive"
    assert r.verdict is Verdict.INCOMPLETE


def test_failing_extractor_is_isolated(tmp_path: Path, rules_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.extract import EXTRACTORS, Budget, Child
    from scanner.filetypes import FileType

    def broken_extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
        yield Child("lure.txt", MARKER)
        raise MemoryError("simulated")

    monkeypatch.setitem(EXTRACTORS, FileType.ZIP, broken_extract)
    r = engine(rules_dir, tmp_path).scan(make_zip({"a.txt": b"x"}), "z.zip")
    assert "check_error" in reasons(r)
    assert [f.location for f in r.findings if f.id == "TEST_Marker"] == [("z.zip", "lure.txt")]
    assert r.verdict is Verdict.MALICIOUS


def test_deadline_interrupts_and_restores() -> None:
    with pytest.raises(CheckTimeout), deadline(0.05):
        time.sleep(5)
    with deadline(5):
        pass  # no alarm left behind
    time.sleep(0.1)


def test_custom_check_findings_are_scored(tmp_path: Path, rules_dir: Path) -> None:
    e = engine(rules_dir, tmp_path)
    e.checks.append(FixedCheck(25, 10, -5))
    r = e.scan(b"x", "a.txt")
    assert r.score == 30 and r.verdict is Verdict.SUSPICIOUS


def test_item_summaries_cover_the_tree(tmp_path: Path, rules_dir: Path) -> None:
    data = make_zip({"d/a.txt": b"1", "b.zip": make_zip({"c.txt": b"2"})})
    r = engine(rules_dir, tmp_path).scan(data, "x.zip")
    assert [s.location for s in r.items] == [("x.zip",), ("x.zip", "d/a.txt"), ("x.zip", "b.zip"),
                                             ("x.zip", "b.zip", "c.txt")]
    assert [s.type for s in r.items] == ["zip", "text", "zip", "text"]
    assert r.items[1].size == 1


def test_no_rule_sources(tmp_path: Path) -> None:
    from scanner.rules import RuleError

    with pytest.raises(RuleError):
        Engine(Settings(use_bundled_rules=False, cache_dir=str(tmp_path)))


def test_scanner_exposes_engine_checks(make_scanner: ScannerFactory, rules_dir: Path, tmp_path: Path) -> None:
    s = make_scanner(rules_dir, timeout=0.2, result_cache=False)
    s.engine.checks.append(SlowCheck())
    p = tmp_path / "a.txt"
    p.write_text("fine")
    r = s.scan_file(str(p))
    assert r.verdict is Verdict.INCOMPLETE and reasons(r) == {"timeout"}
