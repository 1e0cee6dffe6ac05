"""Regex strings whose cost an attacker controls: unbounded repetitions of a broad class.

libyara runs a regex forward from every hit of its atom and stops at the first of: the
pattern's end, a character the pattern refuses, or its scan limit (4 KiB).  A broad class
(``.``, ``\\S``, ``[\\s\\S]``, a negated class such as ``[^\\s"'<>]``) repeated without an
upper bound therefore walks up to 4 KiB from every atom hit in a run that the class accepts:
``(https?):\\/\\/[^\\s"'<>]{4,}`` took 8 s on 1 MB of ``http://a.`` (the text rules' timeout
turned a padded lure into ``incomplete``), and 0.05 s written as ``{4}``, which matches the
same files.  A bounded repetition costs its bound per hit, so the lint asks for a bound of at
most `MAX_BROAD_REPEAT`; where a longer run must be seen, the rule says so with a bound.

This reads the regex source with a small scanner of its own rather than a regex parser:
YARA's dialect is close to, but not, Python's `re` (``sre_parse`` rejects some of it and
accepts what libyara refuses), and only classes and quantifiers matter here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

MAX_BROAD_REPEAT = 300
_REGEX_STRING = re.compile(r"^\s*(\$\w*)\s*=\s*/(.*)/[a-z ]*$")
_QUANT = re.compile(r"\{(\d*)(,?)(\d*)\}|[*+]")
_BROAD_ESCAPES = ("\\S", "\\W", "\\D")


def _atoms(regex: str) -> Iterator[tuple[str, int]]:
    """(atom, end offset) for each single-character atom of `regex`: a class, an escape or a char."""
    i = 0
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            yield regex[i:i + 2], i + 2
            i += 2
        elif c == "[":
            j = i + 1
            if j < len(regex) and regex[j] == "^":
                j += 1
            if j < len(regex) and regex[j] == "]":
                j += 1
            while j < len(regex) and regex[j] != "]":
                j += 2 if regex[j] == "\\" else 1
            yield regex[i:j + 1], j + 1
            i = j + 1
        else:
            yield c, i + 1
            i += 1


def _broad(atom: str) -> bool:
    if atom == "." or atom in _BROAD_ESCAPES:
        return True
    if atom.startswith("[^"):
        return True
    return atom.startswith("[") and any(a in atom for a in ("\\s\\S", "\\S\\s", "\\w\\W", "\\d\\D"))


def _too_long(quantifier: re.Match[str]) -> bool:
    if quantifier.group(0) in ("*", "+"):
        return True
    low, comma, high = quantifier.groups()
    if comma:
        return not high or int(high) > MAX_BROAD_REPEAT
    return bool(low) and int(low) > MAX_BROAD_REPEAT


def unbounded_repeats(regex: str) -> list[str]:
    """The broad classes in `regex` repeated without a bound or above `MAX_BROAD_REPEAT` (as written)."""
    out = []
    for atom, end in _atoms(regex):
        m = _QUANT.match(regex, end)
        if m and _broad(atom) and _too_long(m):
            out.append(atom + m.group(0))
    return out


def scan_cost_problems(source: str) -> list[tuple[int, str, str]]:
    """(line, string name, message) for each regex string line of a rule file with such a repeat."""
    out = []
    for number, line in enumerate(source.splitlines(), 1):
        m = _REGEX_STRING.match(line)
        if not m:
            continue
        found = unbounded_repeats(m.group(2))
        if found:
            out.append((number, m.group(1),
                        f"{m.group(1)} repeats a broad class with no bound or one above {MAX_BROAD_REPEAT} "
                        f"({', '.join(found)}): libyara walks that far from every atom hit, so padded input "
                        "makes the scan quadratic"))
    return out
