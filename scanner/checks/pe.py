"""`pe`: structure of Windows executables: what is unusual enough to mean something.

Every PE gets the cheap pass (scanner/executables/pe.py: headers, sections, version info,
installer type); headers that cannot be read, truncated sections or data directories pointing
outside the image are recorded as `corrupt` (the file was not fully analysed, so it is never
clean).  The costly pass (section and overlay entropy, imports through pefile) runs only when
the context asks for a closer look: the item came from an e-mail or an archive, is named like an
update or fix, carries an overlay, or claims a brand that always signs its software.  A folder
of installed software (the libwine corpus) therefore costs ~0.15 ms per file.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..executables import pe
from ..executables.facts import ExeFacts, claims_for, facts_for, is_update_like
from ..filetypes import FileType
from ..models import Finding, Incomplete, Item, Severity
from ..trust.brands import load_brands
from .base import CheckContext

DEEP_MAX_SIZE = 64 * 1024 * 1024
PACKED_ENTROPY = 7.4
OVERLAY_ENTROPY = 7.5
OVERLAY_MIN = 64 * 1024


class PeCheck:
    name = "pe"

    def __init__(self, ctx: CheckContext) -> None:
        self.settings = ctx.settings
        self.brands = load_brands(ctx.rule_dirs)

    def applies(self, item: Item) -> bool:
        return item.filetype == FileType.PE

    def run(self, item: Item) -> Iterator[Finding | Incomplete]:
        facts = facts_for(item, self.settings)
        info = facts.pe
        if info is None:
            yield item.incomplete("corrupt", f"PE headers unreadable: {facts.pe_error}", self.name)
            return
        if info.problems:
            yield item.incomplete("corrupt", "malformed PE: " + "; ".join(info.problems[:5]), self.name)
        ev = info.facts()
        packers = [k for k in info.installers if k in ("UPX", "ASPack", "Themida", "VMProtect", "MPRESS")]
        wx = [s.name for s in info.sections if s.executable and s.writable]
        if wx:
            yield item.finding(self.name, "writable_executable_section", Severity.LOW, 10,
                               f"section(s) {', '.join(wx[:4])} both writable and executable (self-modifying "
                               "or unpacking code)", ev)
        entry = info.section_at(info.entry_rva) if info.entry_rva else None
        if info.entry_rva and not info.is_dll and (entry is None or not entry.executable):
            where = f"section {entry.name}" if entry else "no section"
            yield item.finding(self.name, "entry_point_anomaly", Severity.LOW, 15,
                               f"the entry point {info.entry_rva:#x} lies in {where}, not in executable code", ev)
        if self._deep(item, facts) and item.size <= DEEP_MAX_SIZE:
            yield from self._deep_pass(item, info, ev, packers)
        elif packers:
            yield self._packed(item, ev, packers)

    def _deep(self, item: Item, facts: ExeFacts) -> bool:
        info = facts.pe
        assert info is not None
        if item.from_email or item.in_archive or info.overlay_size or is_update_like(item.name):
            return True
        if facts.auth is not None and not facts.valid_signatures():
            return True
        claims = claims_for(item, facts, self.brands)
        return any(c.brand.shipping == "embedded-signed" for c in claims) and not facts.valid_signatures()

    def _packed(self, item: Item, ev: dict[str, object], packers: list[str]) -> Finding:
        return item.finding(self.name, "packed", Severity.LOW, 15,
                            f"packed or protected executable ({', '.join(packers)}): its code is hidden from "
                            "static analysis", ev)

    def _deep_pass(self, item: Item, info: pe.PeInfo, ev: dict[str, object],
                   packers: list[str]) -> Iterator[Finding]:
        dense = [s.name for s in info.sections
                 if s.executable and s.raw_size >= 16384 and pe.section_entropy(item.data, s) >= PACKED_ENTROPY]
        from ..executables import imports as pe_imports  # pefile: imported on first use, not by every scan

        imports = pe_imports.read_imports(item.data)
        ev = {**ev, "imports": imports.evidence()}
        if dense:
            packers = [*packers, f"high-entropy code in {', '.join(dense[:3])}"]
        if imports.resolves_at_runtime:
            packers.append("imports only the loader functions")
        if packers:
            yield self._packed(item, ev, packers)
        if imports.categories:
            yield item.finding(self.name, "suspicious_imports", severity_for(imports.score), imports.score,
                               "imports the functions for " + ", ".join(c.replace("_", " ") for c in
                                                                         imports.categories), ev)
        if info.overlay_size >= OVERLAY_MIN and not info.installers and not info.signed:
            ent = pe.overlay_entropy(item.data, info)
            if ent >= OVERLAY_ENTROPY:
                yield item.finding(self.name, "high_entropy_overlay", Severity.LOW, 15,
                                   f"{info.overlay_size} bytes of compressed or encrypted data appended after "
                                   f"the image (entropy {ent:.2f}), in no installer format scamscan knows",
                                   {**ev, "overlay_entropy": round(ent, 2)})


def severity_for(score: int) -> Severity:
    return Severity.MEDIUM if score >= 30 else Severity.LOW
