"""Password candidates from the text around an encrypted attachment.

Lures ship an encrypted archive (so gateways cannot look inside) with the
password in the subject or body: "Password: 2024", "Passwort: fix", "mot de passe :
abc", or a lone short token on its own line.  Collecting those candidates lets the
archive extractors open what the victim would open.
"""

from __future__ import annotations

import re

MAX_CANDIDATES = 16
_KEYWORDS = (r"pass(?:word|wort|code|phrase|wd)?|kennwort|pwd?|contrase(?:ñ|n)a|clave|mot\s+de\s+passe|mdp|"
             r"senha|wachtwoord|parola|has(?:ł|l)o|heslo|salasana|l(?:ö|o)senord|passord|adgangskode|"
             r"пароль|密码|密碼|パスワード|암호|비밀번호")
_KEYWORD_VALUE = re.compile(
    rf"(?:{_KEYWORDS})(?![a-z])"
    r"(?:\s+(?:for|of|to|für|del|de|du|pour|para)\s+(?:the\s+|das\s+|la\s+|le\s+|el\s+|l')?[\w.-]{1,30})?"
    r"\s*(?:\((?:[^)\n]{0,30})\))?"
    r"\s*(?:is|ist|lautet|est|es|será|will\s+be|:|=|-|：)?\s*(?:is|:)?\s*"
    r"[\"'“‘«„]?\s?(?P<pw>[^\s\"'”’»“<>]{2,64})",
    re.IGNORECASE,
)
_LONE_TOKEN = re.compile(r"^[ \t>*]*[\"'“«]?([^\s\"'”»<>]{3,32})[\"'”»]?[ \t]*$", re.MULTILINE)
_STOP = frozenset({
    "is", "ist", "est", "es", "the", "for", "below", "above", "attached", "same", "protected", "required",
    "reset", "expired", "expires", "change", "changed", "and", "or", "you", "your", "sent", "separately",
    "hello", "hi", "thanks", "regards", "dear", "team", "sincerely", "best", "cheers", "bonjour", "hallo",
    "hola", "merci", "danke", "gracias", "support", "password", "passwort", "contraseña", "to", "manager",
    "has", "was", "will", "must", "needs", "of", "in", "on", "with", "here",
})


def _clean(token: str) -> str:
    return token.strip().rstrip(".,;:!?)]}").lstrip("([{")


def candidates(*texts: str) -> tuple[str, ...]:
    """Likely passwords in `texts` (subject first, then bodies), most likely first, at most
    MAX_CANDIDATES: values after a password keyword, then short tokens alone on a line."""
    keyed: list[str] = []
    lone: list[str] = []
    for text in texts:
        text = text[:200_000]
        for m in _KEYWORD_VALUE.finditer(text):
            raw = m.group("pw")
            for token in (raw, _clean(raw)):
                if token and token.lower() not in _STOP:
                    keyed.append(token)
        for m in _LONE_TOKEN.finditer(text):
            token = _clean(m.group(1))
            if len(token) >= 3 and token.lower() not in _STOP and not token.endswith(":"):
                lone.append(token)
    return tuple(dict.fromkeys(keyed + lone))[:MAX_CANDIDATES]
