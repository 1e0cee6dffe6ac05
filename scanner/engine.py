"""The pipeline: identify -> extract children (bounded) -> run checks (isolated) -> score.

Scoring (documented in the README too):

* when the whole file is scanned, `scoring.rescore` adjusts findings whose meaning
  depends on their context (composite scoring: a lookalike host alone is a weak signal);
* an item's score is the sum of the scores of the findings made *on that item*,
  clamped to 0..100 (negative scores, e.g. a trusted signature, lower it);
* its own verdict is MALICIOUS at ``malicious_threshold`` (70), SUSPICIOUS at
  ``suspicious_threshold`` (30), else CLEAN;
* a container's verdict is the worst of its own and its children's, and its
  reported score the highest in its tree;
* anything not fully analysed (a limit, an encrypted member, a check error or
  timeout) turns CLEAN into INCOMPLETE for the item and every ancestor.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .checks import Check, CheckContext, build_checks
from .config import Settings
from .extract import EXTRACTORS, MAIL_TYPES, PROBES, Budget, Child, extractor_for
from .extract.decoded import DECODED_NAME
from .filetypes import CONTAINERS, BytesLike, FileType, identify
from .intel import feeds
from .models import Finding, Incomplete, Item, ItemReport, ItemSummary, Verdict
from .policy import Policy
from .rules import CompiledRules, RuleError, bundled_rules_dir, content_fingerprint, load_rules
from .scoring import Node, rescore
from .timeouts import CheckTimeout, deadline

log = logging.getLogger(__name__)


def verdict_for(score: int, settings: Settings) -> Verdict:
    if score >= settings.malicious_threshold:
        return Verdict.MALICIOUS
    if score >= settings.suspicious_threshold:
        return Verdict.SUSPICIOUS
    return Verdict.CLEAN


# A 7-bit body is in its message's raw text as well: a text rule that matched the message is not
# reported (nor scored) again at `body.txt`. Encoded bodies match only decoded, so they keep theirs.
_MAIL_BODIES = frozenset({"body.txt", "body.html"})


def _not_repeated(findings: list[Finding], earlier: list[Finding], parent: tuple[str, ...]) -> list[Finding]:
    seen = {(f.check, f.id) for f in earlier if f.location == parent and f.check == "yara"}
    return [f for f in findings if (f.check, f.id) not in seen]


def _not_repeated_decoded(findings: list[Finding], earlier: list[Finding], parent: tuple[str, ...]) -> list[Finding]:
    """A decoded-text child (extract/decoded.py) reports only what its parent did not."""
    seen = {(f.check, f.id, f.message) for f in earlier if f.location == parent}
    return [f for f in findings if (f.check, f.id, f.message) not in seen]


@dataclass
class _Tree:
    """Accumulates one scanned file's results while walking its children."""

    findings: list[Finding] = field(default_factory=list)
    incomplete: list[Incomplete] = field(default_factory=list)
    items: list[ItemSummary] = field(default_factory=list)
    # parallel to `items`: parent index (-1 for the file), own findings, incomplete in the subtree
    parents: list[int] = field(default_factory=list)
    own: list[list[Finding]] = field(default_factory=list)
    sub_incomplete: list[bool] = field(default_factory=list)


class Engine:
    """Scans one item tree with a fixed set of checks (rules compiled once)."""

    def __init__(self, settings: Settings, rules: CompiledRules | None = None) -> None:
        self.settings = settings
        dirs = [bundled_rules_dir()] if settings.use_bundled_rules else []
        dirs += [Path(d) for d in settings.rules_dirs]
        dirs = list({d.resolve(): d for d in reversed(dirs)}.values())[::-1]  # a folder given twice counts once
        if rules is None:
            yara_dirs = [d / "yara" if (d / "yara").is_dir() else d for d in dirs]
            if not yara_dirs:
                raise RuleError("no rule sources: bundled rules disabled and no --rules given")
            rules = load_rules(yara_dirs, Path(settings.cache_dir) if settings.cache_dir else None)
        self.rules = rules
        self.checks: list[Check] = build_checks(CheckContext(settings, rules, dirs))
        self.policy = Policy(settings)
        # Everything besides settings that decides a result: rules, IOC lists, brands, trust, feeds.
        self.content_key = (f"{rules.key}|{content_fingerprint(dirs)}|"
                            f"{feeds.fingerprint(Path(settings.cache_dir) / 'feeds')}")

    # -- public -----------------------------------------------------------
    def scan(self, data: BytesLike, name: str, path: str | None = None,
             display: str | None = None, sha256: str | None = None) -> ItemReport:
        """Scan `data` (bytes or an mmap of the file at `path`) and everything inside it."""
        root = Item(data=data, name=name, lineage=(name,), filetype=identify(data, name),
                    sha256=sha256 or hashlib.sha256(data).hexdigest(), path=path)
        tree = _Tree()
        self._visit(root, Budget(self.settings), tree, -1)
        score, verdict = self._tally(tree)
        return ItemReport(
            path=display if display is not None else (path or name),
            sha256=root.sha256, type=root.filetype.value, size=root.size,
            verdict=verdict, score=score,
            findings=tuple(sorted(tree.findings, key=lambda f: (-f.score, f.location, f.id))),
            incomplete=tuple(tree.incomplete), items=tuple(tree.items),
        )

    # -- internals --------------------------------------------------------
    def _tally(self, tree: _Tree) -> tuple[int, Verdict]:
        """Composite scoring over the whole file, then item scores and verdicts: (highest score, verdict)."""
        nodes = [Node(s.location, s.type, p, tuple(own)) for s, p, own in zip(tree.items, tree.parents, tree.own,
                                                                                   strict=True)]
        scored = rescore(nodes, self.settings.malicious_threshold)
        tree.findings = [f for own in scored for f in own]
        n = len(nodes)
        own_scores = [max(0, min(100, sum(f.score for f in own))) for own in scored]
        own_verdicts = [verdict_for(x, self.settings) for x in own_scores]
        worst = list(own_verdicts)
        for i in range(n - 1, 0, -1):  # children come after their parent (depth first)
            worst[tree.parents[i]] = max(worst[tree.parents[i]], worst[i])
        for i, s in enumerate(tree.items):
            verdict = own_verdicts[i]
            if verdict == Verdict.CLEAN and worst[i] <= Verdict.INCOMPLETE and tree.sub_incomplete[i]:
                verdict = Verdict.INCOMPLETE
            tree.items[i] = ItemSummary(s.location, s.sha256, s.type, s.size, own_scores[i], verdict)
        verdict = worst[0] if n else Verdict.CLEAN
        if verdict == Verdict.CLEAN and tree.incomplete:
            verdict = Verdict.INCOMPLETE
        return max(own_scores, default=0), verdict

    def _visit(self, item: Item, budget: Budget, tree: _Tree, parent: int) -> None:
        """Scan `item` and its children into `tree`; scores and verdicts are `_tally`'s, once the whole
        file is known (composite scoring needs every item)."""
        own_findings: list[Finding] = []
        incomplete_before = len(tree.incomplete)
        allowed = self.policy.allowed(item)
        for check in self.checks if allowed is None else ():
            for result in self._run_check(check, item):
                if isinstance(result, Finding):
                    own_findings.append(result)
                else:
                    tree.incomplete.append(result)
        if item.parent_type == FileType.EMAIL.value and item.name in _MAIL_BODIES:
            own_findings = _not_repeated(own_findings, tree.findings, item.lineage[:-1])
        elif item.name == DECODED_NAME and len(item.lineage) > 1:
            own_findings = _not_repeated_decoded(own_findings, tree.findings, item.lineage[:-1])
        own_findings = [allowed] if allowed is not None else self.policy.apply(item, own_findings)
        tree.findings.extend(own_findings)
        log.debug("%s: %s, %d bytes, %d findings", " > ".join(item.lineage), item.filetype.value,
                  item.size, len(own_findings))
        summary_index = len(tree.items)
        # score and verdict are placeholders until `_tally` rescored the whole file
        tree.items.append(ItemSummary(item.lineage, item.sha256, item.filetype.value, item.size, 0, Verdict.CLEAN))
        tree.parents.append(parent)
        tree.own.append(own_findings)
        tree.sub_incomplete.append(False)
        for child in self._children(item, budget, tree) if allowed is None else ():
            self._visit(child, budget, tree, summary_index)
        tree.sub_incomplete[summary_index] = len(tree.incomplete) > incomplete_before

    def _run_check(self, check: Check, item: Item) -> list[Finding | Incomplete]:
        """Run one check isolated: its exception or timeout becomes an `incomplete` entry."""
        try:
            if not check.applies(item):
                return []
            with deadline(self.settings.timeout + 1):
                return list(check.run(item))
        except CheckTimeout:
            return [item.incomplete("timeout", f"check {check.name} exceeded {self.settings.timeout}s",
                                    check.name)]
        except Exception as exc:
            log.debug("check %s failed on %s", check.name, " > ".join(item.lineage), exc_info=True)
            return [item.incomplete("check_error", f"check {check.name} failed: {type(exc).__name__}: {exc}",
                                    check.name)]

    def _children(self, item: Item, budget: Budget, tree: _Tree) -> Iterator[Item]:
        """Children one at a time, so only one member per level is in memory at once.
        Each step of the extractor runs under the check deadline (a hostile
        container must not stall the scan); a child's own scan does not count."""
        extractor = extractor_for(item)
        if extractor is None:
            if item.filetype in CONTAINERS:  # recognised, yet nothing opens it: never a silent pass
                tree.incomplete.append(item.incomplete(
                    "unsupported", f"{item.filetype.value} container: no extractor, contents not scanned", "archive"))
            return
        if item.depth >= self.settings.max_depth:
            tree.incomplete.append(item.incomplete(
                "max_depth", f"nested deeper than max_depth {self.settings.max_depth}: contents not scanned",
                "archive"))
            return
        steps = extractor(item, budget)
        try:
            while True:
                with deadline(self.settings.timeout + 1):
                    out = next(steps, None)
                if out is None:
                    return
                if isinstance(out, Incomplete):
                    tree.incomplete.append(out)
                else:
                    yield self._child_item(item, out)
        except CheckTimeout:
            tree.incomplete.append(item.incomplete(
                "timeout", f"extraction exceeded {self.settings.timeout}s: remaining members not scanned", "archive"))
        except Exception as exc:  # noqa: BLE001 - a broken container is recorded, not fatal
            tree.incomplete.append(item.incomplete(
                "check_error", f"extraction failed: {type(exc).__name__}: {exc}", "archive"))

    @staticmethod
    def _child_item(parent: Item, child: Child) -> Item:
        return Item(
            data=child.data, name=child.name, lineage=(*parent.lineage, child.name),
            filetype=identify(child.data, child.name), sha256=hashlib.sha256(child.data).hexdigest(),
            parent_type=parent.filetype.value,
            from_email=parent.from_email or parent.filetype in MAIL_TYPES,
            in_archive=parent.in_archive or (parent.filetype in EXTRACTORS and parent.filetype not in MAIL_TYPES
                                                 and parent.filetype not in PROBES),
            passwords=child.passwords or parent.passwords,
        )
