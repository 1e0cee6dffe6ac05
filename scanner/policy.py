"""The operator's allow-lists and overrides, applied to an item's findings before it is scored.

Kept out of the checks so each check stays a pure detector and one place decides what a site
has chosen to silence: `allow_sha256` (the item is clean, with an info finding `policy:allowed`,
and is not opened), `allow_domains` (a registrable domain is never a `lookalike` or `ioc` hit),
`allow_signers` (a trusted signature by that subject weighs like a brand's own publisher),
`disable_rules` (`id` or `check:id`) and `score_overrides` (`{id or check:id = score}`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .checks.base import severity_for_score
from .config import Settings
from .domains.hosts import split_url
from .domains.indicators import registrable_domain
from .models import Finding, Item, Severity

ALLOWED_SIGNER_SCORE = -50  # as `brand:trusted_publisher`
_DOMAIN_CHECKS = ("lookalike", "ioc")
_SIGNER_FIELDS = ("signer", "signer_cn", "signer_org")


def _key(f: Finding) -> tuple[str, str]:
    return f.id, f"{f.check}:{f.id}"


class Policy:
    def __init__(self, settings: Settings) -> None:
        self.sha256 = frozenset(settings.allow_sha256)
        self.domains = frozenset(settings.allow_domains)
        self.signers = frozenset(s.casefold() for s in settings.allow_signers)
        self.disabled = frozenset(settings.disable_rules)
        self.overrides = dict(settings.score_overrides)

    def allowed(self, item: Item) -> Finding | None:
        """The info finding for an allow-listed item (its contents are not scanned), else None."""
        if item.sha256 not in self.sha256:
            return None
        return item.finding("policy", "allowed", Severity.INFO, 0,
                            "sha256 is on the allow_sha256 list: not scanned", {"sha256": item.sha256})

    def apply(self, item: Item, findings: list[Finding]) -> list[Finding]:
        out = [f for f in findings if not (self.disabled & set(_key(f))) and not self._allowed_domain(f)]
        signer = self._allowed_signer(out)
        if signer is not None:
            out = [f for f in out if (f.check, f.id) != ("brand", "publisher_mismatch")]
            out.append(item.finding("policy", "allowed_signer", Severity.INFO, ALLOWED_SIGNER_SCORE,
                                    f"validly signed by {signer}, on the allow_signers list", {"signer": signer}))
        return [self._override(f) for f in out]

    def _allowed_domain(self, f: Finding) -> bool:
        if not self.domains or f.check not in _DOMAIN_CHECKS:
            return False
        ev: dict[str, Any] = f.evidence
        hosts = [str(ev[k]) for k in ("host", "domain", "indicator") if ev.get(k)]
        if ev.get("url"):
            hosts.append(split_url(str(ev["url"]))[0])
        return any(h and registrable_domain(h) in self.domains for h in hosts)

    def _allowed_signer(self, findings: list[Finding]) -> str | None:
        if not self.signers:
            return None
        for f in findings:
            if (f.check, f.id) == ("signature", "trusted"):
                for name in _SIGNER_FIELDS:
                    value = str(f.evidence.get(name, ""))
                    if value and value.casefold() in self.signers:
                        return value
        return None

    def _override(self, f: Finding) -> Finding:
        for key in reversed(_key(f)):  # check:id wins over a bare id
            if key in self.overrides:
                score = self.overrides[key]
                return replace(f, score=score, severity=severity_for_score(score),
                               evidence={**f.evidence, "score_override": {"from": f.score, "setting": key}})
        return f
