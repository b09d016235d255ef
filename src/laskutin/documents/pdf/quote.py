"""The A4 quote (TARJOUS / OFFERT / QUOTE), in the quote's language.

The invoice's layout (invoice.py) with a quote's details: its number, date and last valid day
in the header (header.quote_detail_rows), the lines, VAT breakdown, totals and notes; no due
date, payment terms, reference, late interest, barcode, QR code or bank transfer form (the
document's ``payable`` and ``shows_transfer_form`` are false for a quote). A draft is
watermarked, as an invoice draft is.
"""

from __future__ import annotations

from laskutin.documents.data import InvoiceDocument
from laskutin.documents.pdf.invoice import render_invoice


def render_quote(document: InvoiceDocument) -> bytes:
    """The PDF of a quote (``document.kind == "quote"``): the same document, the same bytes."""
    if not document.is_quote:
        raise ValueError(f"not a quote: {document.kind}")
    return render_invoice(document)
