"""The upload page at `/`: a plain form (no script but one ``onchange`` that submits it), so a
person can drop or choose a file; the answer is `render.html`'s report page with the same form."""

from __future__ import annotations

from html import escape

from ..render.html import render_page


def form() -> str:
    return ('<form class="upload" method="post" action="/" enctype="multipart/form-data">'
            '<label for="file"><b>Drop a file here or choose one</b> — it is scanned, never run.</label>'
            '<input id="file" type="file" name="file" required onchange="this.form.submit()">'
            '<button type="submit">Scan</button></form>')


def index() -> str:
    return render_page(None, title="scamscan", before=form())


def error(message: str) -> str:
    return render_page(None, title="scamscan", before=form() + f'<p class="error" id="error">{escape(message)}</p>')
