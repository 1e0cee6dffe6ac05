"""Light deobfuscation of script text, so rules judge what a dropper does rather than how it is spelt.

Droppers (SocGholish's ``update.js``, VBScript downloaders, ClickFix clipboard commands) break their
tell-tale words apart: ``"MSXML2.XML" + "HTTP"``, ``Chr(87) & Chr(83)``,
``String.fromCharCode(112,111,...)``, ``[char]105+[char]101+[char]120``, ``-join (...)``, base64 in
``atob("...")``, reversed strings (``"xei | ...".split("").reverse().join("")``), and HTML character
references that spell letters or operators (``Press Win &#43; R``, ``&#77;cAfee``), and the shells'
own escapes (DOSfuscation's ``m^s^h^t^a`` and ``m"s"h"t"a``, Invoke-Obfuscation's ``i`e`x`` and
``("{1}{0}" -f 'ex','i')``), and reversal or replacement on literals (``StrReverse("...")``,
``Replace("WSc#ript", "#", "")``, ``.replace(/#/g, "")``, ``-replace '#',''``).
`deobfuscate` undoes those few constructions by rewriting the text (no code is
run): the result is a view of the same script that the YARA rules see as a child item
(``update.js > deobfuscated.txt``).  A hand-written rewriter, because no maintained Python library
does this for JScript, VBScript, PowerShell and batch at once (box-js and similar sandboxes execute
the script, which a scanner must never do); each pass is one bounded regular expression, repeated
at most `MAX_ROUNDS` times.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

MAX_INPUT = 2 * 1024 * 1024
MAX_ROUNDS = 4
MIN_CHANGE = 12  # fewer characters rewritten is no obfuscation worth a child item
MIN_TOKENS = 2  # ... unless that many character references or shell escapes inside words were undone

# "abc" + "def"  /  'abc' + 'def'  (JScript, PowerShell)  and  "abc" & "def"  (VBScript), across line breaks
# and VBScript's " _" continuations.
_CONCAT_DQ = re.compile(r'"([^"\r\n]{0,400})"\s*(?:_\s*\r?\n\s*)?[+&]\s*(?:_\s*\r?\n\s*)?"([^"\r\n]{0,400})"')
_CONCAT_SQ = re.compile(r"'([^'\r\n]{0,400})'\s*\+\s*'([^'\r\n]{0,400})'")
_NUM = r"(?:0x[0-9a-fA-F]{1,4}|\d{1,5})"
_FROMCHARCODE = re.compile(r"String\s*\.\s*fromCharCode\s*\(\s*(" + _NUM + r"(?:\s*,\s*" + _NUM + r"){0,4000})\s*\)")
_CHR = re.compile(r"\bchrw?\s*\(\s*(" + _NUM + r")\s*\)", re.IGNORECASE)
_PSCHAR = re.compile(r"\[char\]\s*(?:\(\s*(" + _NUM + r")\s*\)|(" + _NUM + r"))", re.IGNORECASE)
# (104,116,116,112 | % { [char]$_ }) -join ''   and   -join [char[]](104,116,...)
_PSJOIN = re.compile(r"\(\s*(" + _NUM + r"(?:\s*,\s*" + _NUM + r"){1,4000})\s*\|\s*(?:%|foreach(?:-object)?)\s*\{\s*"
                     r"\[char\]\s*\$_\s*\}\s*\)\s*-join\s*(?:''|\"\")", re.IGNORECASE)
_PSJOIN2 = re.compile(r"-join\s*\[char\[\]\]\s*\(\s*(" + _NUM + r"(?:\s*,\s*" + _NUM + r"){1,4000})\s*\)",
                      re.IGNORECASE)
_ATOB = re.compile(r"""\batob\s*\(\s*["']([A-Za-z0-9+/]{16,}={0,2})["']\s*\)""")
# "abc".split("").reverse().join("")  and  [..."abc"].reverse().join("")
_REVERSED = re.compile(r"""(?:(["'])([^"'\r\n]{1,2000})\1\s*\.\s*split\s*\(\s*(["'])\3\s*\)"""
                       r"""|\[\s*\.\.\.\s*(["'])([^"'\r\n]{1,2000})\4\s*\])"""
                       r"""\s*\.\s*reverse\s*\(\s*\)\s*\.\s*join\s*\(\s*(["'])\6\s*\)""")
# Character references to letters, digits and operators: real pages write those as themselves. The
# markup ones (&amp; &lt; &gt; &quot; &#39;) and non-ASCII ones (&#8217;) stay: pages use them daily.
_NAMED = {"plus": "+", "colon": ":", "sol": "/", "bsol": "\\", "period": ".", "comma": ",", "semi": ";",
          "lpar": "(", "rpar": ")", "equals": "=", "excl": "!", "num": "#", "dollar": "$", "percnt": "%",
          "ast": "*", "vert": "|", "lowbar": "_", "grave": "`", "Hat": "^", "quest": "?", "commat": "@",
          "lsqb": "[", "rsqb": "]", "lcub": "{", "rcub": "}", "hyphen": "-", "dash": "-"}
_CHARREF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,6})|(\d{1,7}));?|&(" + "|".join(_NAMED) + r");")
_KEEP = frozenset("&<>\"'")
# Shell escapes inside a word: cmd's caret and "" pairs, PowerShell's backtick.  A backtick before one
# of PowerShell's escape letters (`n, `t ...) is ordinary in strings: removed, but not counted.
_CARET = re.compile(r"\^(?<=[A-Za-z0-9]\^)(?=[A-Za-z0-9])")  # the literal first: re scans for it fast
_QUOTED = re.compile(r'"(?<=[A-Za-z0-9]")([A-Za-z0-9.]{1,20})"(?=[A-Za-z0-9.])')
_TICK = re.compile(r"`(?<=[A-Za-z0-9-]`)(?=[A-Za-z])")
_TICK_COUNTED = re.compile(r"`(?<=[A-Za-z0-9-]`)(?=[cdg-mo-qsw-zCDG-MO-QSW-Z])")
# PowerShell's format operator on literals: ("{1}{0}" -f 'ex','i')
_PSFORMAT = re.compile(r"""["']((?:\{\d{1,2}\}|[^"'{}\r\n]){1,300})["']\s*-f\s*"""
                       r"""((?:["'][^"'\r\n]{0,200}["']\s*,\s*){0,30}["'][^"'\r\n]{0,200}["'])""", re.IGNORECASE)
# $c = "iwr" ... & $c -Uri ...: a command called through a variable holding a literal name
_PSASSIGN = re.compile(r"""\$(\w{1,40})\s*=\s*\(?\s*["']([A-Za-z][\w.-]{0,60})["']\s*\)?\s*(?=;|\r?\n|$)""",
                       re.MULTILINE)
_PSCALL = re.compile(r"(?<![\w$])([&.])\s*\$(\w{1,40})\b")
# Reversal and replacement on literals: VBScript StrReverse("...") and Replace("...", "#", ""),
# JScript "...".replace("#", "") / .replace(/#/g, "") / .split("#").join(""), PowerShell
# '...'.Replace('#','') and '...' -replace '#','' (a plain pattern only: no regex is run on attacker text).
_Q = r"""["']([^"'\r\n]{0,400})["']"""
_PLAIN = r"""["'/]([A-Za-z0-9#@!%~_|*$-]{1,12})["'/]g?i?"""
_STRREVERSE = re.compile(r"\bStrReverse\s*\(\s*" + _Q + r"\s*\)", re.IGNORECASE)
_VBREPLACE = re.compile(r"\bReplace\s*\(\s*" + _Q + r"\s*,\s*" + _PLAIN + r"\s*,\s*" + _Q + r"\s*\)", re.IGNORECASE)
_METHODREPLACE = re.compile(_Q + r"\s*\.\s*replace(?:All)?\s*\(\s*" + _PLAIN + r"\s*,\s*" + _Q + r"\s*\)",
                            re.IGNORECASE)
_SPLITJOIN = re.compile(_Q + r"\s*\.\s*split\s*\(\s*" + _PLAIN + r"\s*\)\s*\.\s*join\s*\(\s*" + _Q + r"\s*\)")
_PSREPLACE = re.compile(_Q + r"\s*-c?replace\s*" + _PLAIN + r"\s*,\s*" + _Q, re.IGNORECASE)
_ARG = re.compile(r"""["']([^"'\r\n]{0,200})["']""")
_SLOT = re.compile(r"\{(\d{1,2})\}")
PROBES = (b"fromcharcode", b"chr(", b"chrw(", b"[char]", b"-join", b'" + "', b'"+"', b'" & "', b'"&"',
           b"' + '", b"'+'", b"atob(", b'" _', b".reverse(", b"&#",
           # where shell escapes live: batch files, cmd lines, ClickFix clipboard code, PowerShell
           b"@echo", b"cmd /c", b"cmd /k", b"cmd.exe", b"writetext(", b"execcommand(", b"iex", b"invoke-",
           b"-object", b"$env:", b"start-process", b"\" -f ", b"' -f ", b"strreverse(", b"replace(", b"replace ",
           b".split(", *(f"&{n.lower()};".encode() for n in _NAMED))


def _code(num: str) -> str:
    try:
        value = int(num, 16) if num.lower().startswith("0x") else int(num)
        return chr(value) if 0 < value < 0x110000 else ""
    except ValueError:
        return ""


def _codes(nums: str) -> str:
    return "".join(_code(n.strip()) for n in nums.split(","))


def _printable(text: str) -> bool:
    return bool(text) and sum(1 for c in text if c.isprintable() or c in "\r\n\t") >= len(text) * 0.95


def _atob(m: re.Match[str]) -> str:
    try:
        raw = base64.b64decode(m.group(1) + "=" * (-len(m.group(1)) % 4), validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return m.group(0)
    return '"' + text + '"' if _printable(text) else m.group(0)


def _charref(m: re.Match[str]) -> str:
    if m.group(3):
        return _NAMED[m.group(3)]
    try:
        value = int(m.group(1), 16) if m.group(1) else int(m.group(2))
    except ValueError:
        return m.group(0)
    return chr(value) if 0x20 < value < 0x7F and chr(value) not in _KEEP else m.group(0)


def _psformat(m: re.Match[str]) -> str:
    args = _ARG.findall(m.group(2))
    slots = [int(n) for n in _SLOT.findall(m.group(1))]
    if not slots or max(slots) >= len(args):
        return m.group(0)
    return _literal(_SLOT.sub(lambda s: args[int(s.group(1))], m.group(1)))


def _calls(text: str) -> str:
    names = {m.group(1).lower(): m.group(2) for m in _PSASSIGN.finditer(text)}
    if not names:
        return text
    # "& $c" becomes the command itself, as the shell runs it: "iwr ... | iex"
    return _PSCALL.sub(lambda m: names.get(m.group(2).lower(), m.group(0)), text)


def _escapes(text: str) -> int:
    """Shell escapes inside words in `text` (what `_round` undoes and counts as obfuscation)."""
    return len(_CARET.findall(text)) + len(_QUOTED.findall(text)) + len(_TICK_COUNTED.findall(text))


def _literal(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


def _replace(m: re.Match[str]) -> str:
    return _literal(m.group(1).replace(m.group(2), m.group(3)))


# Each rewrite with the lower-case word that must be in the text for it to match: a pass whose word is
# absent is skipped, so a large script that merely calls .replace() pays for one pass, not twenty.
_REWRITES: tuple[tuple[str, re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    ("fromcharcode", _FROMCHARCODE, lambda m: _literal(_codes(m.group(1)))),
    ("-join", _PSJOIN, lambda m: _literal(_codes(m.group(1)))),
    ("-join", _PSJOIN2, lambda m: _literal(_codes(m.group(1)))),
    ("chr", _CHR, lambda m: _literal(_code(m.group(1)))),
    ("[char]", _PSCHAR, lambda m: _literal(_code(m.group(1) or m.group(2)))),
    ("atob", _ATOB, _atob),
    ("reverse", _REVERSED, lambda m: _literal((m.group(2) or m.group(5))[::-1])),
    ("strreverse", _STRREVERSE, lambda m: _literal(m.group(1)[::-1])),
    ("replace", _VBREPLACE, _replace),
    ("replace", _METHODREPLACE, _replace),
    ("split", _SPLITJOIN, _replace),
    ("replace", _PSREPLACE, _replace),
    ("&", _CHARREF, _charref),
    ("^", _CARET, lambda m: ""),
    ('"', _QUOTED, lambda m: m.group(1)),
    ("`", _TICK, lambda m: ""),
    ("-f", _PSFORMAT, _psformat),
)


def _round(text: str) -> str:
    low = text.lower()
    for word, pattern, rewrite in _REWRITES:
        if word in low:
            text = pattern.sub(rewrite, text)
    text = _calls(text) if "$" in text else text
    for _ in range(64):  # joins one pair per match; long chains need a few passes
        new = _CONCAT_DQ.sub(lambda m: '"' + m.group(1) + m.group(2) + '"', text)
        new = _CONCAT_SQ.sub(lambda m: "'" + m.group(1) + m.group(2) + "'", new)
        if new == text:
            break
        text = new
    return text


def deobfuscate(text: str) -> str | None:
    """The rewritten script, or None when there was nothing (or too little) to rewrite."""
    text = text[:MAX_INPUT]
    out = text
    for _ in range(MAX_ROUNDS):
        new = _round(out)
        if new == out:
            break
        out = new
    if abs(len(text) - len(out)) >= MIN_CHANGE:
        return out
    # A couple of operator references or escapes are enough to hide an instruction ("Win &#43; R",
    # "m^s^h^t^a"): a few characters shorter, yet a view worth judging.
    decoded = sum(1 for m in _CHARREF.finditer(text) if _charref(m) != m.group(0))  # anywhere: padding
    return out if decoded + _escapes(text) >= MIN_TOKENS and out != text else None
