"""Read what a PDF does: link (URI) actions, JavaScript, launch actions, embedded files, page text.

Library: pypdf (pure Python, maintained, BSD).  Chosen over pikepdf (qpdf,
sturdier on malformed files) because a pure-Python parser is interruptible: the
engine bounds every check and extraction step with a SIGALRM deadline, which
fires between Python bytecodes but not inside one long qpdf call; pypdf's own
limits cap every decoded stream (75 MB, `pypdf.filters`), and ours below cap
objects, pages and text.  A hostile file therefore ends as an `incomplete`
entry, never a hang.

Actions are found by walking every indirect object once (not only the page
annotations) so JavaScript hidden in form fields, name trees or ``/Next``
chains is seen; ``/OpenAction`` and ``/AA`` trees are then followed to tell
which actions run on their own.  Results are cached by sha256 so the `pdf`
check and the extractor parse a file once.
"""

from __future__ import annotations

import io
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..filetypes import BytesLike
from ..timeouts import CheckTimeout


class PdfLimits(NamedTuple):
    """The settings `max_objects`, `max_pages`, `max_text` (defaults: scanner/config.py)."""

    max_objects: int = 100_000
    max_pages: int = 100
    max_text: int = 1024 * 1024


MAX_SCRIPT = 1024 * 1024
MAX_URLS = 1000
_CACHE_SIZE = 2  # entries keep the parsed file: the check and the extractor of one item need only one


@dataclass
class PdfAnalysis:
    urls: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    auto_scripts: int = 0  # scripts run by /OpenAction or /AA (no click needed)
    launches: list[str] = field(default_factory=list)
    embedded: list[tuple[str, int]] = field(default_factory=list)  # (file name, stream object number)
    text: str = ""
    pages: int = 0
    encrypted: bool = False
    error: str = ""
    limits: list[tuple[str, str]] = field(default_factory=list)  # (reason, message)
    reader: Any = None  # kept so embedded files are decoded one at a time, by the extractor

    def embedded_data(self, number: int) -> bytes:
        """Decoded bytes of an embedded file (pypdf caps decoding at 75 MB: LimitReachedError)."""
        return bytes(self.reader.get_object(number).get_data())


def _str(obj: Any, limit: int = MAX_SCRIPT) -> str:
    """A PDF string, text stream or name as text (bounded)."""
    from pypdf.generic import StreamObject

    if isinstance(obj, StreamObject):
        data = obj.get_data()[:limit]
        return data.decode("utf-16") if data[:2] in (b"\xfe\xff", b"\xff\xfe") else data.decode("latin-1")
    if isinstance(obj, bytes):
        return obj[:limit].decode("latin-1")
    return str(obj)[:limit]


def _file_name(spec: Any) -> str:
    """The file named by a file specification (string or /Filespec dictionary)."""
    from pypdf.generic import DictionaryObject

    spec = spec.get_object() if spec is not None else None
    if isinstance(spec, DictionaryObject):
        for key in ("/UF", "/F", "/Unix", "/DOS", "/Mac"):
            if key in spec:
                return _str(spec[key].get_object(), 1024)
        return ""
    return _str(spec, 1024) if spec is not None else ""


class _Walker:
    def __init__(self, reader: Any, out: PdfAnalysis, limits: PdfLimits) -> None:
        self.reader, self.out, self.limits = reader, out, limits
        self.embedded_names: dict[int, str] = {}

    def object_ids(self) -> list[int]:
        ids = {num for table in self.reader.xref.values() for num in table}
        ids.update(self.reader.xref_objStm)
        return sorted(ids)

    def walk(self) -> None:
        from pypdf.generic import DictionaryObject

        ids = self.object_ids()
        cap = self.limits.max_objects
        if len(ids) > cap:
            self.out.limits.append(("max_objects", f"{len(ids)} objects, only the first {cap} inspected (max_objects)"))
            ids = ids[:cap]
        streams: list[tuple[int, Any]] = []
        broken: list[str] = []
        for num in ids:
            try:
                obj = self.reader.get_object(num)
                if not isinstance(obj, DictionaryObject):
                    continue
                if obj.get("/Type") == "/EmbeddedFile":
                    streams.append((num, obj))
                else:
                    self.visit(obj, 0)
            except CheckTimeout:
                raise
            except Exception as exc:  # noqa: BLE001 - one broken object must not hide the others
                broken.append(f"object {num}: {type(exc).__name__}")
                continue
        if broken:  # its links, scripts or page may be exactly what was lost
            self.out.limits.append(("corrupt", f"{len(broken)} objects unreadable ({', '.join(broken[:3])})"))
        for num, _ in streams:
            self.out.embedded.append((self.embedded_names.get(num) or f"embedded-{num}.bin", num))
        self.auto_actions()

    def visit(self, obj: Any, depth: int) -> None:
        """An object and the dictionaries written inline in it (an annotation's /A action),
        without following references: every indirect object is visited by `walk` itself."""
        from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

        if isinstance(obj, DictionaryObject):
            self.action(obj)
            self.filespec(obj)
            values: Any = obj.values()
        elif isinstance(obj, ArrayObject):
            values = obj[:1000]
        else:
            return
        if depth < 8:
            for value in values:
                if not isinstance(value, IndirectObject):
                    self.visit(value, depth + 1)

    def action(self, obj: Any) -> None:
        kind = obj.get("/S")
        if kind == "/URI" and "/URI" in obj and len(self.out.urls) < MAX_URLS:
            url = _str(obj["/URI"].get_object(), 4096).strip()
            if url and url not in self.out.urls:
                self.out.urls.append(url)
        elif kind == "/JavaScript" or ("/JS" in obj and kind in (None, "/JavaScript")):
            if "/JS" in obj and len(self.out.scripts) < MAX_URLS:
                self.out.scripts.append(_str(obj["/JS"].get_object()))
        elif kind == "/Launch":
            target = _file_name(obj.get("/F"))
            win = obj.get("/Win")
            if win is not None:
                win = win.get_object()
                target = target or _str(win.get("/F", ""), 1024)
                params = _str(win.get("/P", ""), 1024)
                target = f"{target} {params}".strip()
            self.out.launches.append(target or "(unnamed)")

    def filespec(self, obj: Any) -> None:
        ef = obj.get("/EF")
        if ef is None:
            return
        ef = ef.get_object()
        name = _file_name(obj)
        for key in ("/UF", "/F"):
            ref = ef.get(key) if hasattr(ef, "get") else None
            if ref is not None and hasattr(ref, "idnum"):
                self.embedded_names.setdefault(ref.idnum, name)

    def auto_actions(self) -> None:
        """Count scripts that run without a click: document /OpenAction and /AA, page /AA."""
        roots: list[Any] = []
        catalog = self.reader.trailer.get("/Root")
        catalog = catalog.get_object() if catalog is not None else None
        if catalog is not None:
            names: Any = catalog.get("/Names")
            names = names.get_object() if names is not None else None
            # document-level scripts (the /Names /JavaScript tree) run when the file opens, too
            roots += [catalog.get("/OpenAction"), catalog.get("/AA"),
                      names.get("/JavaScript") if hasattr(names, "get") else None]
        for page in self.reader.pages[:self.limits.max_pages]:
            roots.append(page.get("/AA"))
        seen: set[int] = set()
        stack = [r for r in roots if r is not None]
        auto = 0
        while stack and len(seen) < 10_000:
            ref = stack.pop()
            key = ref.idnum if hasattr(ref, "idnum") else id(ref)
            if key in seen:
                continue
            seen.add(key)
            obj = ref.get_object()
            if hasattr(obj, "keys"):
                if "/JS" in obj:
                    auto += 1
                stack.extend(v for k, v in obj.items() if k in ("/Next", "/O", "/C", "/PO", "/PC", "/WC",
                                                               "/WS", "/DS", "/WP", "/DP", "/FO", "/K", "/V",
                                                               "/Names", "/Kids"))
            elif isinstance(obj, list):
                stack.extend(obj[:100])
        self.out.auto_scripts = auto


def _text(reader: Any, out: PdfAnalysis, limits: PdfLimits) -> None:
    max_pages, max_text = limits.max_pages, limits.max_text
    pages = reader.pages
    out.pages = len(pages)
    if not out.pages and not _empty_page_tree(reader):  # pypdf drops a tree it cannot read without a word
        out.limits.append(("corrupt", "no readable page: page tree missing or damaged"))
    if out.pages > max_pages:
        out.limits.append(("max_pages", f"{out.pages} pages, text of the first {max_pages} searched (max_pages)"))
    parts: list[str] = []
    size = 0
    for index, page in enumerate(pages[:max_pages]):
        try:
            text = page.extract_text() or ""
        except CheckTimeout:
            raise
        except Exception as exc:  # noqa: BLE001 - pypdf raises many types on broken content streams
            out.limits.append(("corrupt", f"page {index + 1}: text unreadable ({type(exc).__name__})"))
            continue
        parts.append(text)
        size += len(text)
        if size > max_text:
            out.limits.append(("max_text", f"page text beyond {max_text} characters not searched (max_text)"))
            break
    out.text = "\n".join(parts)[:max_text]


def _empty_page_tree(reader: Any) -> bool:
    """Whether the page tree says it has no pages (/Count 0), unlike one that could not be read."""
    try:
        tree = reader.trailer["/Root"].get_object()["/Pages"].get_object()
        return int(tree.get("/Count", -1)) == 0
    except CheckTimeout:
        raise
    except Exception:  # noqa: BLE001 - any broken link in the chain means "could not be read"
        return False


def _open(reader_class: Any, raw: bytes) -> Any:
    """Open like a viewer: a file without ``startxref`` (cut short, or hand-made) gets its
    cross-reference table rebuilt from the ``N 0 obj`` markers instead of being refused."""
    try:
        return reader_class(io.BytesIO(raw), strict=False)
    except Exception as exc:
        if "startxref" not in str(exc):
            raise
        return reader_class(io.BytesIO(raw + b"\nstartxref\n0\n%%EOF\n"), strict=False)


def _parse(data: BytesLike, limits: PdfLimits) -> PdfAnalysis:
    from scanner.extract.pdfreader import reader_class

    out = PdfAnalysis()
    try:
        reader = _open(reader_class(), bytes(data))
        out.reader = reader
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception:  # noqa: BLE001 - unsupported algorithms raise DependencyError etc.
                opened = 0
            if not opened:
                out.encrypted = True
                return out
        walker = _Walker(reader, out, limits)
        walker.walk()
        _text(reader, out, limits)
    except CheckTimeout:
        raise
    except RecursionError:
        out.error = "nesting too deep to parse"
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on hostile input
        # pypdf messages can hold reprs with memory addresses: keep reports reproducible
        detail = re.sub(r"(IndirectObject\(\d+, \d+), \d+\)", r"\1)", str(exc))[:200]
        out.error = f"{type(exc).__name__}: {detail}"
    return out


DEFAULT_LIMITS = PdfLimits()
_cache: OrderedDict[tuple[str, PdfLimits], PdfAnalysis] = OrderedDict()
_lock = threading.Lock()


def analyse(data: BytesLike, sha256: str, limits: PdfLimits = DEFAULT_LIMITS) -> PdfAnalysis:
    key = (sha256, limits)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    result = _parse(data, limits)
    with _lock:
        _cache[key] = result
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return result
