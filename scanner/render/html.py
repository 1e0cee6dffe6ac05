"""`html`: one self-contained page (inline CSS, no script, no external resource) per report.

The same page is what `scamscan serve` shows at `/` after an upload (`render_page` with the upload
form and a link to the JSON job document), so a report saved with ``--format html`` and the web
answer look alike.  Per file: the verdict, the nested item tree (``mail.eml > hotfix.zip >
Setup.exe``) with each item's verdict colour, the reasons with their evidence, and what was not
analysed.  Everything taken from the report is escaped.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from ..models import Finding, Incomplete, ItemReport, ItemSummary, ScanReport

CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header,main,footer{max-width:980px;margin:0 auto;padding:12px 20px}
header h1{margin:8px 0 0;font-size:22px}.meta{color:#5b6473;font-size:13px}
section.file{background:#fff;border:1px solid #d8dde5;border-left:8px solid #9aa3b0;border-radius:6px;
margin:16px 0;padding:12px 18px}
section.file h2{font-size:18px;margin:4px 0 8px;word-break:break-all}
.v{display:inline-block;border-radius:4px;padding:1px 8px;font-size:12px;font-weight:700;
text-transform:uppercase;color:#fff;margin-right:6px;vertical-align:middle}
.v-clean{background:#2e7d32}.v-incomplete{background:#8a6d00}.v-suspicious{background:#d2691e}
.v-malicious{background:#c62828}
section.verdict-clean{border-left-color:#2e7d32}section.verdict-incomplete{border-left-color:#8a6d00}
section.verdict-suspicious{border-left-color:#d2691e}section.verdict-malicious{border-left-color:#c62828}
ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:20px}ul.tree{padding-left:0}
ul.tree li{margin:3px 0}ul.tree ul{border-left:1px dashed #b8c0cc;margin-left:8px}
.kind{color:#5b6473;font-size:12px}ol.reasons li{margin:6px 0}.where{color:#5b6473;font-size:13px}
dl.ev{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;margin:4px 0 0;font-size:13px}
dl.ev dt{color:#5b6473}dl.ev dd{margin:0;font-family:ui-monospace,monospace;word-break:break-all}
form.upload{background:#fff;border:2px dashed #9aa3b0;border-radius:8px;padding:18px;margin:16px 0}
form.upload input[type=file]{display:block;width:100%;padding:24px 0;font-size:15px}
button{font-size:15px;padding:6px 16px}a{color:#1a4fa3}
"""


def _badge(verdict: str) -> str:
    return f'<span class="v v-{escape(verdict)}">{escape(verdict)}</span>'


def _tree(items: tuple[ItemSummary, ...]) -> str:
    """Nested lists from the items' locations (each item's location is its parent's plus its name)."""
    children: dict[tuple[str, ...], list[ItemSummary]] = {}
    for item in items:
        children.setdefault(item.location[:-1], []).append(item)

    def node(item: ItemSummary) -> str:
        kids = children.get(item.location, [])
        inner = "".join(node(k) for k in kids)
        label = (f'{_badge(item.verdict.value)}<span class="name">{escape(item.location[-1] if item.location else "")}'
                 f'</span> <span class="kind">{escape(item.type)}, {item.size} bytes, score {item.score}</span>')
        return f'<li data-verdict="{escape(item.verdict.value)}">{label}{f"<ul>{inner}</ul>" if inner else ""}</li>'

    roots = [i for i in items if len(i.location) == 1] or [i for i in items if i.location[:-1] not in
                                                         {j.location for j in items}]
    return f'<ul class="tree">{"".join(node(r) for r in roots)}</ul>'


def _value(value: Any) -> str:
    if isinstance(value, list) and value and all(isinstance(v, dict) and "data" in v for v in value):
        return " | ".join(f"{v.get('id', '')}@{v.get('offset', '')}: {v['data']}" for v in value)[:2000]  # YARA
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)[:2000]
    return str(value)[:2000]


def _finding(f: Finding) -> str:
    ev = "".join(f"<dt>{escape(str(k))}</dt><dd>{escape(_value(v))}</dd>" for k, v in f.evidence.items())
    return (f'<li class="sev-{escape(f.severity.value)}"><b>{escape(f.id)}</b> '
            f'<span class="kind">{escape(f.check)}, {escape(f.severity.value)}, +{f.score}</span><br>'
            f'{escape(f.message)} <span class="where">in {escape(" > ".join(f.location))}</span>'
            f'{f"<dl class=ev>{ev}</dl>" if ev else ""}</li>')


def _incomplete(i: Incomplete) -> str:
    return (f'<li><b>{escape(i.reason)}</b> {escape(i.message)} '
            f'<span class="where">in {escape(" > ".join(i.location))}</span></li>')


def _file(item: ItemReport) -> str:
    parts = [f'<section class="file verdict-{escape(item.verdict.value)}">',
             f'<h2>{_badge(item.verdict.value)}<span class="path">{escape(item.path)}</span></h2>',
             f'<p class="meta">score {item.score} · {escape(item.type)} · {item.size} bytes · sha256 '
             f'{escape(item.sha256)}{" · cached" if item.cached else ""}</p>']
    if item.items:
        parts.append(f"<h3>Contents</h3>{_tree(item.items)}")
    if item.findings:
        parts.append(f'<h3>Reasons</h3><ol class="reasons">{"".join(_finding(f) for f in item.findings)}</ol>')
    if item.incomplete:
        parts.append(f'<h3>Not analysed</h3><ul class="incomplete">'
                     f'{"".join(_incomplete(i) for i in item.incomplete)}</ul>')
    parts.append("</section>")
    return "".join(parts)


def render_page(report: ScanReport | None, *, title: str = "scamscan report", before: str = "",
                json_link: str = "") -> str:
    """The page: `before` (trusted HTML, the upload form) above the report, and a link to its JSON."""
    body = []
    if report is not None:
        counts = ", ".join(f"{n} {v}" for v, n in report.counts().items() if n)
        body.append(f'<p class="meta" id="summary">{_badge(report.verdict.value)} {len(report.files)} file(s): '
                    f'{escape(counts)} · scamscan {escape(report.tool_version)} · rules '
                    f'{escape(report.rules_version)} · {escape(report.started)}</p>')
        if json_link:
            body.append(f'<p><a id="json" href="{escape(json_link)}">JSON report</a></p>')
        body.extend(_file(f) for f in report.files)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            f"<header><h1>{escape(title)}</h1></header><main>{before}{''.join(body)}</main></body></html>\n")


def render(report: ScanReport) -> str:
    return render_page(report)
