"""`script`: obfuscation in scripts and pages that only decoding reveals.

What a decoded payload does is judged by the YARA rules on the child item the
`script` extractor makes; this check only says what the decoding found, which
no byte pattern can: a PowerShell ``-EncodedCommand`` (low on its own: admin
tools use it to avoid quoting problems; the reader gets a preview of what it
runs) and a payload that decodes to yet another encoded layer (medium: no
legitimate script needs two layers of base64 to say what it does).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..extract.script import child_name, find_payloads, payloads
from ..models import Finding, Incomplete, Item
from ..models import Severity as Sev
from .base import CheckContext

PREVIEW = 200


class ScriptCheck:
    name = "script"

    def __init__(self, ctx: CheckContext) -> None:
        self.settings = ctx.settings

    def applies(self, item: Item) -> bool:
        return item.filetype.is_text and item.size > 0

    def run(self, item: Item) -> Iterator[Finding | Incomplete]:
        found = payloads(item)
        if not found:
            return
        counts = {"encoded_command": 0, "base64_string": 0}
        commands: list[dict[str, Any]] = []
        layered: list[str] = []
        for payload in found:
            counts[payload.kind] += 1
            if not payload.text:
                continue
            name = child_name(payload, counts[payload.kind])
            if payload.kind == "encoded_command":
                commands.append({"flag": payload.flag, "encoding": payload.encoding, "child": name,
                                 "preview": payload.text[:PREVIEW]})
            if find_payloads(payload.text):
                layered.append(name)
        if commands:
            yield item.finding(self.name, "encoded_command", Sev.LOW, 10,
                               f"runs PowerShell with a base64 -EncodedCommand: {commands[0]['preview'][:80]!r}",
                               {"commands": commands[:10]})
        if layered:
            yield item.finding(self.name, "layered_encoding", Sev.MEDIUM, 40,
                               "encoded payload decodes to another encoded payload (layered obfuscation)",
                               {"payloads": layered[:10]})
