"""Lure language of vendor-impersonation mail, from `lures.toml` in each rule folder.

The phrases are data (categories x languages, with weights and a threshold), so a new language
is an edit of the TOML, not of code.  Text and phrases are folded alike by `fold`: scam mail
hides its words from filters with invisible characters (U+034F, U+200B, U+200E between the
letters of "Y͏o͏u͏r"), trademark decorations (``Mcafee™``) and missing or present diacritics
("verlangern" / "verlängern"), and a reader sees none of that.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .brands import BrandError

LANGUAGES = ("en", "de", "nl", "fr", "es", "it")
_DECORATION = str.maketrans({"™": " ", "®": " ", "©": " ", "℠": " "})
_SPACE = re.compile(r"[\s_]+")


@functools.lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    if ch.isascii():
        return ch
    cat = unicodedata.category(ch)
    if cat in ("Cf", "Mn", "Me", "Cc") or ch in "\u034f\u115f\u1160\u3164\uffa0":
        return ""  # invisible: format controls, combining marks, Hangul fillers
    if cat == "Zs":
        return " "
    out = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return out


def undecorate(text: str) -> str:
    """``Mcafee™`` -> ``Mcafee ``: trademark signs are decoration, never part of a name."""
    return text.translate(_DECORATION)


def fold(text: str) -> str:
    """What a reader sees, in one comparable form: decorations and invisible characters gone,
    diacritics removed, case folded, whitespace joined."""
    text = text.translate(_DECORATION)
    if not text.isascii():
        text = "".join(_fold_char(c) for c in text)
    return _SPACE.sub(" ", text.casefold()).strip()


@dataclass(frozen=True)
class LureMatch:
    score: int
    categories: tuple[str, ...]
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class LurePolicy:
    threshold: int
    categories: tuple[tuple[str, int, re.Pattern[str]], ...]
    claims: re.Pattern[str]  # generic security-software sender names ("Antivirus alerts")
    body_kinds: frozenset[str] = frozenset()  # brand kinds a mail body alone may claim

    def match(self, text: str) -> LureMatch:
        """Weighted categories found in already folded `text`."""
        names: list[str] = []
        phrases: list[str] = []
        score = 0
        for name, weight, pattern in self.categories:
            m = pattern.search(text)
            if m:
                names.append(name)
                phrases.append(m.group(0))
                score += weight
        return LureMatch(score, tuple(names), tuple(phrases))

    def is_lure(self, m: LureMatch, strong: bool = False) -> bool:
        """Enough lure language; `strong`: and a category that carries the lure by itself (weight >= 2:
        expired, update required, payment), as a claim weaker than the sender's name needs."""
        if m.score < self.threshold:
            return False
        return not strong or any(w >= 2 for n, w, _ in self.categories if n in m.categories)

    def generic_claim(self, text: str) -> str | None:
        m = self.claims.search(text)
        return m.group(0) if m else None


def _words(phrases: list[str]) -> re.Pattern[str]:
    folded = sorted({fold(p) for p in phrases if fold(p)}, key=len, reverse=True)
    if not folded:
        return re.compile("(?!)")
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(p) for p in folded) + ")")


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BrandError(f"{where} must be a list of strings")
    return list(value)


@functools.lru_cache(maxsize=16)
def _load(paths: tuple[Path, ...]) -> LurePolicy:
    threshold = 2
    cats: dict[str, tuple[int, list[str]]] = {}
    claims: list[str] = []
    body_kinds: list[str] = []
    for path in paths:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise BrandError(f"cannot read {path}: {exc}") from None
        threshold = int(data.get("threshold", threshold))
        for name, table in dict(data.get("categories", {})).items():
            if not isinstance(table, dict):
                raise BrandError(f"{path}: categories.{name} must be a table")
            weight, phrases = cats.get(name, (1, []))
            weight = int(table.get("weight", weight))
            for lang in LANGUAGES:
                phrases += _strings(table.get(lang, []), f"{path}: categories.{name}.{lang}")
            cats[name] = (weight, phrases)
        table = dict(data.get("claims", {}))
        claims += _strings(table.get("security_software", []), f"{path}: claims.security_software")
        body_kinds += _strings(table.get("body_kinds", []), f"{path}: claims.body_kinds")
    return LurePolicy(threshold, tuple((n, w, _words(p)) for n, (w, p) in cats.items()), _words(claims),
                      frozenset(body_kinds))


def load_lures(dirs: list[Path]) -> LurePolicy:
    """The merged lure language of every rule folder (later folders add phrases and may reweigh)."""
    return _load(tuple(d / "lures.toml" for d in dirs if (d / "lures.toml").is_file()))
