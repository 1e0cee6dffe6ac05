"""`yara`: the bundled rules plus every `--rules` source, matched against each item.

Findings carry the rule's meta, namespace and matched strings with offsets
(capped by `evidence_strings`).  A rule's `score` meta is its score (LOKI
convention; 75 when absent), `severity` meta its severity (else derived from
the score).  libyara's own timeout bounds each match.

Matching runs in libyara's fast mode unless `evidence_all_matches` is set: libyara then stops
verifying a string once it has matched, except strings whose count, offset or length a condition
uses (the compiler marks those), so verdicts are the same and the evidence lists each string's
first match.  A mail full of a lure word such as "update" otherwise pays a regex verification per
occurrence, for every rule that names it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yara

from ..filetypes import FileType
from ..models import Finding, Incomplete, Item, Severity
from ..rules import TEXT_NAMESPACE
from .base import CheckContext, severity_for_score

MAX_STRING_BYTES = 64
# Items that rules under a `text/` folder see (see rules.CompiledRules): anything
# that is, or may be, text; never a recognised binary format such as PE or ZIP.
TEXT_RULE_TYPES = frozenset({FileType.TEXT, FileType.HTML, FileType.EMAIL, FileType.RTF, FileType.DATA})
DEFAULT_SCORE = 75


def _printable(data: bytes) -> str:
    return data[:MAX_STRING_BYTES].decode("latin-1").encode("unicode_escape").decode("ascii")


def _text(s: str) -> str:
    """libyara takes UTF-8: names that are not valid UTF-8 get U+FFFD instead of failing the match."""
    return s.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def externals_for(item: Item) -> dict[str, Any]:
    return {
        "filename": _text(item.name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]),
        "filepath": _text(item.path or "/".join(item.lineage)),
        "extension": item.extension,
        "filetype": item.filetype.loki,
        "owner": "",
        "scamscan_type": item.filetype.value,
        "parent_type": item.parent_type,
        "depth": item.depth,
        "from_email": item.from_email,
        "in_archive": item.in_archive,
    }


class YaraCheck:
    name = "yara"

    def __init__(self, ctx: CheckContext) -> None:
        self.rules = ctx.rules.rules
        self.text_rules = ctx.rules.text
        self.timeout = max(1, int(ctx.settings.timeout))
        self.max_strings = ctx.settings.evidence_strings
        self.fast = not ctx.settings.evidence_all_matches

    def applies(self, item: Item) -> bool:
        return item.size > 0

    def run(self, item: Item) -> Iterator[Finding | Incomplete]:
        externals = externals_for(item)
        rulesets = [self.rules]
        if self.text_rules is not None and item.filetype in TEXT_RULE_TYPES:
            rulesets.append(self.text_rules)
        one_bundle = self.text_rules is None and item.filetype not in TEXT_RULE_TYPES
        try:
            matches = [m for rules in rulesets
                       for m in rules.match(data=item.data, externals=externals, timeout=self.timeout, fast=self.fast)]
        except yara.TimeoutError:
            yield item.incomplete("timeout", f"YARA matching exceeded {self.timeout}s", self.name)
            return
        except yara.Error as exc:
            yield item.incomplete("check_error", f"YARA could not scan: {exc}", self.name)
            return
        for match in matches:
            if one_bundle and match.namespace.startswith(TEXT_NAMESPACE):
                continue  # a `rules compile` bundle holds text-scoped rules too: same scope as from sources
            yield self._finding(item, match)

    def _finding(self, item: Item, match: Any) -> Finding:
        meta: dict[str, Any] = dict(match.meta)
        try:
            score = int(meta.get("score", DEFAULT_SCORE))
        except (TypeError, ValueError):
            score = DEFAULT_SCORE
        severity = Severity.parse(meta.get("severity", ""), severity_for_score(score))
        strings: list[dict[str, Any]] = []
        for s in match.strings:
            for inst in s.instances:
                if len(strings) >= self.max_strings:
                    break
                strings.append({"id": s.identifier, "offset": inst.offset,
                                "data": _printable(bytes(inst.matched_data))})
        evidence = {"rule": match.rule, "namespace": match.namespace, "tags": list(match.tags),
                    "meta": meta, "strings": strings}
        message = str(meta.get("description") or f"YARA rule {match.rule} matched")
        return item.finding(self.name, match.rule, severity, score, message, evidence)
