"""Printable documents from the unit book: payment notices, coverage certificates, year statements.

Each function gathers one document from the book as a :class:`Document` (JSON-ready data,
the figures the book stored) and refuses, with a code, a document that would carry no data;
:func:`render_html`, :func:`render_pdf` and :func:`write_document` print it. See
docs/documents.md.
"""

from __future__ import annotations

from medins_core.documents.certificates import person_certificate, unit_certificate

from medins_core.documents.document import Document
from medins_core.documents.notice import payment_notice
from medins_core.documents.render import render_html, render_pdf, write_document
from medins_core.documents.statement import year_statement


__all__ = [
    "Document",
    "payment_notice",
    "person_certificate",
    "render_html",
    "render_pdf",
    "unit_certificate",
    "write_document",
    "year_statement",
]
