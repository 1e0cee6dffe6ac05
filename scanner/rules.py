"""Find, compile and cache YARA rule sources.

Every rule file gets its own namespace, so third-party sets with the same rule
name in two files (common in community collections) compile unmodified.
Compiled rules are cached in ``<cache_dir>/rules/<key>.yarc`` where the key is
a hash of every source file's name relative to the folder it was found in and its bytes,
the external variable names and types, and the libyara version: the second start loads them
in milliseconds, and `rules_version` (its first 12 digits) is the same for every install of
one rule tree.  A file reached twice (the same folder given twice, or the same bytes under two
names) is loaded once, so its findings are not counted twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yara

RULE_SUFFIXES = (".yar", ".yara")
TEXT_SCOPE_DIR = "text"

# External variables: LOKI/THOR conventions first, so community sets load
# unmodified, then the project's own.  The value's type fixes the external's type.
EXTERNALS: dict[str, str | int | bool] = {
    "filename": "",
    "filepath": "",
    "extension": "",
    "filetype": "",
    "owner": "",
    "scamscan_type": "",
    "parent_type": "",
    "depth": 0,
    "from_email": False,
    "in_archive": False,
}


class RuleError(Exception):
    """Rule sources that cannot be found or compiled (file, line and reason in the message)."""


def bundled_rules_dir() -> Path:
    """`rules/` shipped inside the wheel, or the checkout's `rules/` when run from source."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "rules", here.parent / "rules"):
        if (candidate / "yara").is_dir():
            return candidate
    raise RuleError("bundled rules folder not found (expected scanner/rules or ./rules)")


def rule_sources(dirs: list[Path], unique_content: bool = True) -> list[tuple[Path, str]]:
    """(file, name relative to its source folder) of every rule file below `dirs`, each file once
    (by resolved path, and by content unless `unique_content` is false: `rules lint` wants to see
    a copied file's duplicate rule names)."""
    out: list[tuple[Path, str]] = []
    seen_paths: set[Path] = set()
    seen_content: set[bytes] = set()
    for d in dirs:
        if d.is_file():
            found = [(d, d.name)]
        elif d.is_dir():
            found = []
            for root, subdirs, names in os.walk(d):
                subdirs.sort()
                found += [(Path(root) / n, (Path(root) / n).relative_to(d).as_posix())
                          for n in sorted(names) if n.lower().endswith(RULE_SUFFIXES)]
        else:
            raise RuleError(f"rules source not found: {d}")
        for path, name in found:
            try:
                real = path.resolve()
                digest = hashlib.sha256(path.read_bytes()).digest()
            except OSError as exc:
                raise RuleError(f"cannot read rule file: {exc}") from None
            if real in seen_paths or (unique_content and digest in seen_content):
                continue
            seen_paths.add(real)
            seen_content.add(digest)
            out.append((path, name))
    return out


def find_rule_files(dirs: list[Path], unique_content: bool = True) -> list[Path]:
    return [path for path, _ in rule_sources(dirs, unique_content)]


def is_text_scoped(path: Path) -> bool:
    """Rule files in a folder named `text/` only ever see text-like items (see `CompiledRules`)."""
    return TEXT_SCOPE_DIR in path.parent.parts


@dataclass
class CompiledRules:
    """`rules` run on every item; `text` (files under a `text/` folder) only on text-like
    items.  libyara searches every string of every rule before it evaluates any
    condition, so lure-text rules guarded by `uint16(0) != 0x5A4D` would still cost
    a full search of every executable: scoping them by folder saves that work."""

    rules: yara.Rules
    key: str
    files: list[Path]
    from_cache: bool
    text: yara.Rules | None = None

    @property
    def version(self) -> str:
        return self.key[:12]

    @property
    def count(self) -> int:
        return sum(1 for _ in self.rules) + sum(1 for _ in self.text or ())


TEXT_NAMESPACE = "text:"


def _namespace(path: Path, index: int) -> str:
    # Text-scoped files are marked, so a single compiled bundle (`rules compile`) keeps the scope.
    return f"{TEXT_NAMESPACE if is_text_scoped(path) else ''}{index}:{path.stem}"


def cache_key(files: list[Path], names: list[str] | None = None) -> str:
    """Hash of the rules: libyara version, externals, and each file's relative name and bytes."""
    h = hashlib.sha256()
    h.update(f"yara={yara.__version__};".encode())
    for name, value in sorted(EXTERNALS.items()):
        h.update(f"{name}:{type(value).__name__};".encode())
    for path, shown in zip(files, names or [p.name for p in files], strict=True):
        h.update(shown.encode("utf-8", "surrogateescape") + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def compile_files(files: list[Path], allow_empty: bool = False) -> yara.Rules:
    if not files:
        if allow_empty:
            return yara.compile(source="")
        raise RuleError("no YARA rule files found")
    filepaths = {_namespace(p, i): os.fspath(p) for i, p in enumerate(files)}
    try:
        return yara.compile(filepaths=filepaths, externals=EXTERNALS)
    except yara.SyntaxError as exc:
        raise RuleError(f"YARA syntax error: {exc}") from None
    except yara.Error as exc:
        raise RuleError(f"YARA error: {exc}") from None


def load_rules(dirs: list[Path], cache_dir: Path | None) -> CompiledRules:
    """Compile `dirs` (or load them from the on-disk cache when unchanged)."""
    sources = rule_sources(dirs)
    files = [path for path, _ in sources]
    try:
        key = cache_key(files, [name for _, name in sources])
    except OSError as exc:
        raise RuleError(f"cannot read rule file: {exc}") from None
    if not files:
        raise RuleError("no YARA rule files found")
    groups = {"all": [f for f in files if not is_text_scoped(f)], "text": [f for f in files if is_text_scoped(f)]}
    folder = cache_dir / "rules" if cache_dir else None
    if folder is not None:
        try:
            loaded = {g: yara.load(os.fspath(folder / f"{key}.{g}.yarc")) for g, fs in groups.items() if fs}
            return CompiledRules(loaded.get("all") or compile_files([], True), key, files, True, loaded.get("text"))
        except yara.Error:
            pass  # missing or damaged cache entries are rebuilt below
    compiled = {g: compile_files(fs) for g, fs in groups.items() if fs}
    if folder is not None:
        for group, rules in compiled.items():
            _save(rules, folder / f"{key}.{group}.yarc")
    return CompiledRules(compiled.get("all") or compile_files([], True), key, files, False, compiled.get("text"))


def _save(rules: yara.Rules, target: Path) -> None:
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        os.close(fd)
        rules.save(tmp)
        os.replace(tmp, target)
    except (OSError, yara.Error):
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)  # no writable cache: compile every time, still correct


def load_compiled(path: Path) -> CompiledRules:
    """A bundle written by `rules.save()` (`scamscan rules compile`)."""
    try:
        rules = yara.load(os.fspath(path))
    except yara.Error as exc:
        raise RuleError(f"cannot load compiled rules {path}: {exc}") from None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return CompiledRules(rules, digest, [path], True)


def content_fingerprint(dirs: list[Path]) -> str:
    """Hash of the detection content besides YARA (name below its folder, and bytes): IOC lists,
    the brand policy and trust anchors.  Cached results are only valid for the same content."""
    h = hashlib.sha256()
    for base in dirs:
        paths = [*sorted(base.glob("iocs/*.csv")), base / "brands.toml", base / "lures.toml",
                 base / "brand-domains.toml", *sorted(base.glob("popular/*.txt")), *sorted(base.glob("trust/*.pem"))]
        for path in paths:
            if path.is_file():
                name = path.relative_to(base).as_posix()
                h.update(os.fsencode(name) + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()
