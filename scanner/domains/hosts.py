"""Host names as a person sees them: IDNA-decoded, NFKC-normalised, and reduced to a visual skeleton.

Lookalike detection compares what a reader would *see*, so a host is decoded from punycode
(``xn--``) and normalised before it is compared with brand names:

* `idna` (IDNA 2008, the maintained codec; Python's built-in ``idna`` codec is IDNA 2003) decodes
  ``xn--`` labels.  Homograph domains often break IDNA 2008's rules (mixed scripts, disallowed code
  points), so a label it rejects is decoded leniently with the plain punycode codec and the error is
  kept on the `Host`: "invalid IDNA" is recorded, never a crash.
* `confusable_homoglyphs` carries Unicode's confusables.txt (UTS #39) with script aliases: each
  character is mapped to the Latin letter it imitates (Cyrillic ``а`` -> ``a``) and labels that mix
  scripts are reported.  Characters it does not know (``ạ``) lose their diacritics via NFKD.
* ASCII tricks squatters use (``0``/``o``, ``rn``/``m``, ``vv``/``w``, ``cl``/``d``, the dnstwist
  homoglyph table) are folded into classes by `skeleton`, so both sides of a comparison look alike.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote

import idna

MAX_LABEL = 63
MAX_HOST = 253
# Dots that IDNA maps to "." (ideographic and fullwidth full stops, halfwidth ideographic).
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
# Multi-letter ASCII lookalikes first (longest first), then single characters folded into one class.
_ASCII_PAIRS = (("rn", "m"), ("nn", "m"), ("vv", "w"), ("uu", "w"), ("uv", "w"), ("vu", "w"), ("lc", "k"),
                ("lb", "b"), ("lh", "h"), ("dl", "d"), ("cl", "d"))
_DIGITS = str.maketrans({"0": "o", "1": "l", "3": "e", "5": "s"})
_ASCII_CLASSES = str.maketrans({"0": "o", "1": "l", "i": "l", "3": "e", "8": "e", "c": "e", "6": "g",
                                "9": "g", "q": "g", "d": "b", "n": "m", "u": "v", "5": "s", "2": "z"})
# Latin letters without a confusables.txt entry or a Unicode name to go by, as dnstwist uses them.
_EXTRA = {"ĸ": "k", "ə": "a", "ŋ": "n", "ɑ": "a", "ß": "b", "ƿ": "p"}
_LATIN_NAME = re.compile(r"LATIN (?:SMALL |CAPITAL )?LETTER (?:SMALL CAPITAL )?([A-Z])\b")


@dataclass(frozen=True)
class Host:
    ascii: str     # lower case, punycode (what DNS sees)
    unicode: str   # lower case, decoded and NFKC-normalised (what a reader sees)
    error: str = ""  # why decoding was lenient ("invalid IDNA ...", "overlong label")

    @property
    def labels(self) -> list[str]:
        return self.unicode.split(".")

    @property
    def is_idn(self) -> bool:
        return self.unicode != self.ascii


def _decode_label(label: str) -> tuple[str, str]:
    """(decoded label, error) for one ``xn--`` label."""
    try:
        return idna.decode(label), ""
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        try:
            return label[4:].encode("ascii").decode("punycode").lower(), f"invalid IDNA in {label!r}: {exc}"
        except (UnicodeError, ValueError):
            return label, f"undecodable punycode {label!r}"


def _encode_label(label: str) -> tuple[str, str]:
    if label.isascii():
        return label, ""
    try:
        return idna.encode(label, uts46=True).decode("ascii"), ""
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        try:
            return "xn--" + label.encode("punycode").decode("ascii"), f"invalid IDNA in {label!r}: {exc}"
        except UnicodeError:
            return label, f"unencodable label {label!r}"


def parse_host(raw: str) -> Host | None:
    """Normalise a host name (any case, trailing dot, percent-encoded, punycode or Unicode).
    None for IP literals and for things that are not host names at all."""
    text = unicodedata.normalize("NFKC", unquote(raw.strip())).translate(_DOTS).lower().strip(".")
    if not text or text.startswith("["):
        return None
    try:
        ipaddress.ip_address(text)
        return None
    except ValueError:
        pass
    labels = text.split(".")
    if len(labels) < 2 or any(not lb for lb in labels) or any(c in text for c in " /\\@:?#%\x00"):
        return None
    if labels[-1].isdigit():
        return None  # not an address ipaddress accepts (1.2.3.999), not a name either
    errors: list[str] = []
    uni: list[str] = []
    asc: list[str] = []
    for label in labels:
        if label.startswith("xn--"):
            dec, err = _decode_label(label)
            uni.append(unicodedata.normalize("NFKC", dec))
            asc.append(label)
        else:
            enc, err = _encode_label(label)
            uni.append(label)
            asc.append(enc)
        if err:
            errors.append(err)
    ascii_host = ".".join(asc)
    if any(len(lb) > MAX_LABEL for lb in asc) or len(ascii_host) > MAX_HOST:
        errors.append(f"overlong name ({len(ascii_host)} characters, longest label {max(map(len, asc))})")
    return Host(ascii_host, ".".join(uni), "; ".join(errors))


def split_url(url: str) -> tuple[str, str]:
    """(host, userinfo) of a URL: ``https://crowdstrike.com@evil.example/`` -> (evil.example, crowdstrike.com).
    The userinfo trick shows a trusted name where the browser ignores it."""
    rest = url.split("://", 1)[-1]
    for stop in "/?#\\":
        rest = rest.split(stop, 1)[0]
    userinfo, _, hostport = rest.rpartition("@")
    if hostport.startswith("["):
        return hostport.split("]", 1)[0] + "]", userinfo
    return hostport.rsplit(":", 1)[0] if hostport.count(":") == 1 else hostport, userinfo


@functools.cache
def _char_skeleton(ch: str) -> str:
    if ch.isascii():
        return ch
    if ch in _EXTRA:
        return _EXTRA[ch]
    from confusable_homoglyphs import confusables  # deferred: loads its tables (~0.1 s), non-ASCII only

    for glyph in confusables.confusables_data.get(ch, ()):
        candidate = "".join(c for c in unicodedata.normalize("NFKD", glyph["c"]) if not unicodedata.combining(c))
        if candidate.isascii() and candidate.isalnum():
            return candidate.lower()
    stripped = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if stripped.isascii() and stripped:
        return stripped.lower()
    # Latin letters confusables.txt leaves alone: small capitals and hooked forms (ᴍ, ƈ, ɾ, ⱪ).
    named = _LATIN_NAME.match(unicodedata.name(ch, ""))
    return named.group(1).lower() if named else ch


def latin_skeleton(label: str) -> str:
    """Each character replaced by the ASCII letter it imitates (Cyrillic ``о`` -> ``o``, ``ạ`` -> ``a``)."""
    return label if label.isascii() else "".join(_char_skeleton(c) for c in label)


def unleet(label: str) -> str:
    """Digits and letter pairs read as the letter they imitate (``micros0ft`` -> ``microsoft``)."""
    out = latin_skeleton(label).translate(_DIGITS)
    for pair, repl in _ASCII_PAIRS[:3]:
        out = out.replace(pair, repl)
    return out


@functools.lru_cache(maxsize=65536)
def skeleton(label: str) -> str:
    """The visual class of a label: equal skeletons look alike (``rnicr0soft`` ~ ``microsoft``)."""
    out = latin_skeleton(label)
    for pair, repl in _ASCII_PAIRS:
        out = out.replace(pair, repl)
    return out.translate(_ASCII_CLASSES)


def scripts(label: str) -> set[str]:
    """Unicode scripts of a label's letters (``{"LATIN", "CYRILLIC"}`` for a mixed-script homograph)."""
    if label.isascii():
        return {"LATIN"} if any(c.isalpha() for c in label) else set()
    found: set[str] = set()
    for c in label:
        if c.isalpha():
            name = unicodedata.name(c, "UNKNOWN")
            found.add(name.split(" ", 1)[0])
    return found
