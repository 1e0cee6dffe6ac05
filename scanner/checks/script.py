"""`script`: obfuscation in scripts and pages that only decoding reveals.

What a decoded payload does is judged by the YARA rules on the child item the
`script` extractor makes; this check only says what the decoding found, which
no byte pattern can: a PowerShell ``-EncodedCommand`` (low on its own: admin
tools use it to avoid quoting problems; the reader gets a preview of what it
runs) and a payload that decodes to yet another encoded layer (medium: no
legitimate script needs two layers of base64 to say what it does).  A page or script that decodes a
file of its own (an executable, archive, document) and hands it to the browser as a download is HTML
smuggling (`html_smuggling`): the file reaches the user without ever being an attachment.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..domains.indicators import decode_text
from ..extract import smuggling
from ..extract.script import child_name, find_payloads, payloads
from ..filetypes import FileType
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
        if item.filetype in (FileType.TEXT, FileType.HTML):
            yield from self._smuggling(item)
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

    def _smuggling(self, item: Item) -> Iterator[Finding]:
        found = [p for p in smuggling.smuggled(item, self.settings.max_file_size) if p.filetype in smuggling.RISKY]
        if not found or not smuggling.SINKS.search(decode_text(item.data, smuggling.MAX_SCAN)):
            return
        files = [{"name": smuggling.child_name(p, i), "type": p.filetype.value, "encoding": p.how,
                  "size": len(p.data)} for i, p in enumerate(found, 1)]
        yield item.finding(self.name, "html_smuggling", Sev.MEDIUM, 50,
                           f"page decodes a {files[0]['type']} file of its own ({files[0]['encoding']}) and hands it "
                           f"to the browser as a download: {files[0]['name']!r}", {"files": files[:10]})
