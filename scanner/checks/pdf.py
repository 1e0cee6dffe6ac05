"""`pdf`: what a PDF does besides showing text.

Lures use PDFs for the link ("download the update here"), less often for code:
JavaScript (worse when /OpenAction or /AA runs it without a click), /Launch
actions that start a program (a Launch that only opens another document, as LaTeX's
hyperref writes for local links, is `launch_document`, low), and attached
executables.  Links themselves go to the domain checks through the ``links.txt`` child (see `extract.pdf`); here only
links whose form is suspicious on its own are findings: a download of an
executable or archive, or a raw IP address instead of a name.  Ordinary links,
attachments (e-invoices embed XML; each attachment is a child item anyway) and
forms are no finding.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from ..extract.pdf_analysis import PdfLimits, analyse
from ..filetypes import FileType
from ..models import Finding, Incomplete, Item, Severity
from .base import CheckContext

EXECUTABLE_EXT = re.compile(
    r"\.(exe|scr|msi|msix|appx|dll|cpl|com|pif|bat|cmd|ps1|vbs|vbe|js|jse|wsf|hta|lnk|jar|iso|img|vhdx?|"
    r"zip|rar|7z|cab|gz|tgz|xz|bz2|ace|arj)$", re.IGNORECASE)
# Launch targets that only open a document (a manual linking to its companion PDF).
DOCUMENT_EXT = re.compile(r"^[^\s]+\.(pdf|html?|txt|tex|md|png|jpe?g|gif|svg|ps|eps|dvi|epub|odt|csv)$",
                          re.IGNORECASE)  # one path, no arguments ("cmd.exe /c x.pdf" is a program)
SCRIPT_EXT = re.compile(r"\.(exe|scr|msi|dll|cpl|com|pif|bat|cmd|ps1|vbs|vbe|js|jse|wsf|hta|lnk|jar|iso|img)$",
                        re.IGNORECASE)


def _host_is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class PdfCheck:
    name = "pdf"

    def __init__(self, ctx: CheckContext) -> None:
        self.settings = ctx.settings

    def applies(self, item: Item) -> bool:
        return item.filetype == FileType.PDF

    def run(self, item: Item) -> Iterator[Finding | Incomplete]:
        s = self.settings  # read errors are reported by the extractor
        result = analyse(item.data, item.sha256, PdfLimits(s.max_objects, s.max_pages, s.max_text))
        downloads, ips = [], []
        for url in result.urls:
            try:
                parts = urlsplit(url)
                host = parts.hostname or ""
            except ValueError:
                continue
            if parts.scheme.lower() not in ("http", "https", "ftp"):
                continue
            if EXECUTABLE_EXT.search(parts.path.rstrip("/")):
                downloads.append(url)
            if host and _host_is_ip(host):
                ips.append(url)
        if downloads:
            yield item.finding(self.name, "link_to_download", Severity.MEDIUM, 40,
                               "PDF links to an executable or archive download", {"urls": downloads[:20]})
        if ips:
            yield item.finding(self.name, "link_to_ip_address", Severity.MEDIUM, 30,
                               "PDF links to a raw IP address instead of a domain name", {"urls": ips[:20]})
        if result.launches:
            programs = [t for t in result.launches if not DOCUMENT_EXT.search(t.strip())]
            if programs:
                yield item.finding(self.name, "launch_action", Severity.HIGH, 75,
                                   "PDF has a Launch action that starts a program or opens a file",
                                   {"targets": result.launches[:20]})
            else:  # LaTeX's hyperref writes /Launch for links to a local PDF or HTML file
                yield item.finding(self.name, "launch_document", Severity.LOW, 10,
                                   "PDF has a Launch action that opens another document",
                                   {"targets": result.launches[:20]})
        if result.auto_scripts:
            yield item.finding(self.name, "javascript_on_open", Severity.MEDIUM, 50,
                               "PDF runs JavaScript automatically (/OpenAction or /AA)",
                               {"scripts": len(result.scripts), "automatic": result.auto_scripts})
        elif result.scripts:
            yield item.finding(self.name, "javascript", Severity.LOW, 20, "PDF contains JavaScript",
                               {"scripts": len(result.scripts)})
        names = [name for name, _ in result.embedded]
        risky = [n for n in names if SCRIPT_EXT.search(n.strip())]
        if risky:
            yield item.finding(self.name, "embedded_executable", Severity.MEDIUM, 50,
                               "PDF carries an attached program or script", {"files": risky[:20]})
