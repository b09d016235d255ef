"""PDF renderers: a small protocol and a registry keyed by the document's kind.

A renderer turns plain document data (``documents.data``) into PDF bytes, deterministically:
the same document gives the same bytes, so a stored PDF can be rendered again and compared.
``RENDERER_ID`` names the layout; it is stored with each rendered PDF (``invoice_documents``),
so a later change of layout can be told apart: bump it when the output changes.

Rendering is serialised by a lock: ReportLab's TrueType subsetting keeps per-font state and
reads the font file through a shared cursor, so two threads must not render at once. (Threads
would not run Python in parallel anyway; processes would.)
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Protocol

from laskutin.documents.data import DocumentKind, InvoiceDocument
from laskutin.documents.pdf.invoice import render_invoice
from laskutin.documents.pdf.quote import render_quote
from laskutin.documents.pdf.sheet import binary_streams

MEDIA_TYPE = "application/pdf"
RENDERER_ID = "pdf-1"


class Renderer(Protocol):
    """Turns a document into PDF bytes; the same document always gives the same bytes."""

    def __call__(self, document: InvoiceDocument, /) -> bytes: ...


RENDERERS: Mapping[DocumentKind, Renderer] = {
    "invoice": render_invoice,
    "credit_note": render_invoice,  # the same layout: no transfer form, credit wording
    "quote": render_quote,  # the same layout: validity instead of payment details
}

_lock = threading.Lock()


def render_pdf(document: InvoiceDocument) -> bytes:
    """The PDF of ``document`` with the renderer registered for its kind."""
    renderer = RENDERERS[document.kind]
    with _lock, binary_streams():
        return renderer(document)


__all__ = ["MEDIA_TYPE", "RENDERERS", "RENDERER_ID", "Renderer", "render_pdf"]
