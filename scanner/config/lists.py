"""Reading the allow-lists and overrides of the settings (`allow_sha256`, `allow_domains`,
`allow_signers`, `disable_rules`, `score_overrides`).

Each is a TOML list (or table, for `score_overrides`), or a path to a file with one entry a line
(`#` starts a comment) for lists too large for a settings file; a list may mix entries and paths.
From an environment variable the entries are comma-separated (`;` for signer subjects, which
contain commas).  Entries are normalised here, once, so the per-item checks in `policy.py` are
plain set look-ups.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

LIST_SETTINGS = frozenset({"allow_sha256", "allow_domains", "allow_signers", "disable_rules"})
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _is_path(text: str) -> bool:
    return text.startswith(("/", "./", "../", "~"))


def _file_lines(path: str) -> list[str]:
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read list file {path}: {exc.strerror or exc}") from None
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def _entries(name: str, value: Any) -> list[str]:
    if isinstance(value, str):
        if _is_path(value.strip()):
            return _file_lines(value.strip())
        sep = ";" if name == "allow_signers" else ","
        return [part.strip() for part in value.split(sep) if part.strip()]
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"expected a list of strings or a file path, got {value!r}")
    out: list[str] = []
    for entry in value:
        if not isinstance(entry, str):
            raise TypeError(f"expected a string, got {entry!r}")
        out.extend(_file_lines(entry.strip()) if _is_path(entry.strip()) else [entry.strip()])
    return [e for e in out if e]


def _normalise(name: str, entry: str) -> str:
    if name == "allow_sha256":
        sha = entry.split()[0].lower()  # also accepts `sha256sum` output lines
        if not _SHA256.match(sha):
            raise ValueError(f"not a sha256: {entry!r}")
        return sha
    if name == "allow_domains":
        return entry.lower().removeprefix("*.").strip(".")
    return entry


def read_list(name: str, value: Any) -> tuple[str, ...]:
    """The normalised, de-duplicated entries of one list setting, sorted (they key the result cache)."""
    return tuple(sorted({_normalise(name, e) for e in _entries(name, value)}))


def _score(key: str, value: Any) -> tuple[str, int]:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"score of {key!r} must be an integer, got {value!r}")
    score = int(value)
    if not -100 <= score <= 100:
        raise ValueError(f"score of {key!r} must lie in -100..100, got {score}")
    return key, score


def _pair(line: str) -> tuple[str, int]:
    key, sep, score = line.replace("=", " ", 1).rpartition(" ")
    if not sep or not key.strip():
        raise ValueError(f"expected 'id = score', got {line!r}")
    return _score(key.strip().strip('"'), score.strip())


def parse_overrides(value: Any) -> tuple[tuple[str, int], ...]:
    """`score_overrides`: a TOML table {id = score}, a file of `id = score` lines, `id=score,...`."""
    if isinstance(value, dict):
        pairs = [_score(str(k), v) for k, v in value.items()]
    elif isinstance(value, str):
        lines = _file_lines(value.strip()) if _is_path(value.strip()) else value.split(",")
        pairs = [_pair(line.strip()) for line in lines if line.strip()]
    elif isinstance(value, (list, tuple)):
        pairs = [_score(str(v[0]), v[1]) if isinstance(v, (list, tuple)) and len(v) == 2 else _pair(str(v))
                 for v in value]
    else:
        raise TypeError(f"expected a table {{id = score}} or a file path, got {value!r}")
    return tuple(sorted(dict(pairs).items()))
