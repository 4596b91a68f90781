"""HTML by Jinja2 templates (``templates/``, shipped in the package), PDF by WeasyPrint.

Both come with the ``documents`` extra (``pip install 'medins[documents]'``); without them a
document is refused with ``documents_unavailable``, before anything is written. Templates
escape every value, and the PDF renderer fetches nothing: no file, no URL, so a unit name
like ``<img src=…>`` prints as text and reads nothing. Text is set in Noto Sans CJK SC
(Debian ``fonts-noto-cjk``), with the other CJK fonts fontconfig knows as fallbacks.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, NoReturn

from medins_core.documents.document import Document
from medins_core.errors import MedinsError
from medins_core.io.output import atomic_output, check_output

__all__ = ["check_available", "render_html", "render_pdf", "write_document"]


def _unavailable(what: str, exc: BaseException) -> NoReturn:
    raise MedinsError(
        "documents_unavailable",
        f"无法生成 {what}: 需要安装 medins[documents] (Jinja2、WeasyPrint 及 Pango) — {exc}",
    ) from None


@functools.cache
def _environment() -> Any:
    try:
        import jinja2
    except ImportError as exc:
        _unavailable("HTML", exc)
    return jinja2.Environment(
        loader=jinja2.PackageLoader("medins_core.documents", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def check_available(*, pdf: bool) -> None:
    """Refuse with ``documents_unavailable`` now, before any work, when HTML (or PDF) cannot be made."""
    _environment()
    if pdf:
        try:
            import weasyprint  # noqa: F401
        except (ImportError, OSError) as exc:
            _unavailable("PDF", exc)


def render_html(document: Document) -> str:
    """The document as a complete HTML page (styles inline, no external resource)."""
    template = _environment().get_template(f"{document.layout}.html.j2")
    return str(template.render(doc=document.data, title=document.title, kind=document.kind))


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"documents fetch nothing: {url[:60]}")


def render_pdf(document: Document) -> bytes:
    """The document as PDF bytes (A4, fonts embedded as subsets)."""
    html = render_html(document)
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: the Pango libraries are missing
        _unavailable("PDF", exc)
    pdf: bytes = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    return pdf


def write_document(document: Document, *, pdf: str | Path | None = None, html: str | Path | None = None) -> list[str]:
    """Write the PDF and/or HTML files atomically; answers the paths written.

    Every target is checked and every rendering done before the first file is replaced, so a
    refusal leaves all of them as they were.
    """
    targets = [(str(path), kind) for path, kind in ((pdf, "pdf"), (html, "html")) if path is not None]
    for path, _kind in targets:
        check_output(path)
    if len({str(Path(p).resolve()) for p, _ in targets}) < len(targets):
        raise MedinsError("output_invalid", "--pdf 与 --html 不能是同一个文件")
    rendered = {kind: render_pdf(document) if kind == "pdf" else render_html(document).encode() for _, kind in targets}
    for path, kind in targets:
        with atomic_output(path) as stream:
            stream.write(rendered[kind])
    return [path for path, _ in targets]
